import os
import signal
import subprocess
import sys

import numpy as np
import pytest

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
    s2.close()


WRITER = """
import sys, numpy as np
from lumos.store import Store
s = Store(sys.argv[1])
s.put_outputs("m", [("done", "probas", np.ones(3))])
s.put_outputs("m", [("x0", "probas", np.ones(3))])
print("ready", flush=True)  # two batches written; killed while writing more
i = 0
while True:  # killed mid-run
    i += 1
    s.put_outputs("m", [(f"x{i}", "probas", np.ones(3))])
"""


def test_cache_survives_a_killed_process(tmp_path):
    path = tmp_path / "k.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    s = Store(path)
    got = s.get_outputs("m", ["done"], ["probas"])
    np.testing.assert_array_equal(got[("done", "probas")], np.ones(3))
    assert s.count_outputs("m") >= 2
    s.close()


@pytest.mark.parametrize("arr", [np.arange(6, dtype=np.float32).reshape(2, 3),
                                 np.array(3.5), np.zeros((0, 4)), np.array([True, False]),
                                 np.arange(24, dtype=np.int64).reshape(2, 3, 4)[:, ::2]])
def test_codec_keeps_dtype_and_shape(arr):
    back = decode(encode(arr))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)
    back.flags.writeable = True  # a private, writable copy


def test_codec_reads_caches_written_with_npy_bytes():
    import io

    buf = io.BytesIO()
    np.save(buf, np.eye(2))
    assert decode(b"n" + buf.getvalue()).shape == (2, 2)
