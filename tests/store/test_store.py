import multiprocessing as mp
import os
import signal

import numpy as np

from lumos.store import Store
from lumos.store.codec import decode, encode


def test_codec_round_trips_nested_arrays():
    value = {"tokens": ["a", "b"], "salience": np.arange(3, dtype=np.float32),
             "nested": [np.eye(2), {"x": 1}]}
    back = decode(encode(value))
    assert back["tokens"] == ["a", "b"]
    np.testing.assert_array_equal(back["salience"], value["salience"])
    np.testing.assert_array_equal(back["nested"][0], np.eye(2))
    assert back["nested"][1] == {"x": 1}
    assert decode(encode(np.ones((2, 3, 4)))).shape == (2, 3, 4)


def test_user_data_survives_reopen(tmp_path):
    path = tmp_path / "s.sqlite"
    s = Store(path)
    s.put_datapoint("tweets", {"id": "new1", "text": "edited"}, parent="orig")
    s.put_state("slices", "errors", {"ids": ["a", "b"]})
    s.close()
    s2 = Store(path)
    [dp] = s2.datapoints("tweets")
    assert dp["text"] == "edited" and dp["_parent"] == "orig"
    assert s2.get_state("slices", "errors") == {"ids": ["a", "b"]}
    assert s2.delete_state("slices", "errors") and s2.list_state("slices") == {}


def _writer(path, ready):
    s = Store(path)
    s.put_outputs("m", [("done", "probas", np.ones(3))])
    ready.set()
    while True:  # killed mid-run
        s.put_outputs("m", [(f"x{np.random.randint(1e9)}", "probas", np.ones(3))])


def test_cache_survives_a_killed_process(tmp_path):
    path = tmp_path / "k.sqlite"
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    p = ctx.Process(target=_writer, args=(path, ready))
    p.start()
    assert ready.wait(60)
    os.kill(p.pid, signal.SIGKILL)
    p.join()
    s = Store(path)
    got = s.get_outputs("m", ["done"], ["probas"])
    np.testing.assert_array_equal(got[("done", "probas")], np.ones(3))
    assert s.count_outputs("m") >= 1
