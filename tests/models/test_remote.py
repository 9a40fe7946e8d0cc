import threading

import numpy as np
import pytest

from lumos.models.hf.base import ModelLoadError
from lumos.models.remote import RemoteModel, RemoteModelError
from lumos.testing.fakes import FakeClassifier
from lumos.testing.tiny import LocalModelServer


@pytest.fixture
def server():
    s = LocalModelServer(FakeClassifier())
    yield s
    s.close()


def test_remote_mirrors_the_served_model(server):
    inner = FakeClassifier()
    m = RemoteModel(server.url, timeout=5)
    try:
        assert m.output_spec() == inner.output_spec()
        assert m.input_spec() == inner.input_spec()
        exs = [{"text": "good good"}, {"text": "awful"}]
        out = m.predict(exs, fields=["probas", "attention"])
        ref = inner.predict(exs, fields=["probas", "attention"])
        for o, r in zip(out, ref, strict=True):
            assert isinstance(o["probas"], np.ndarray)
            np.testing.assert_allclose(o["probas"], r["probas"], rtol=1e-6)
            assert o["attention"].shape == r["attention"].shape
        assert m.fingerprint() == RemoteModel(server.url).fingerprint()
    finally:
        m.close()


def test_timeout_names_the_url_after_retries(server):
    m = RemoteModel(server.url, timeout=0.2, retries=1, backoff=0.01)
    server.delay = 1.0
    with pytest.raises(RemoteModelError, match=rf"{server.url}/predict: timed out.*2 attempts"):
        m.predict([{"text": "good"}])
    assert server.requests == 2
    m.close()


@pytest.mark.parametrize("mode,message", [
    ("not_json", "not JSON"),
    ("wrong_count", "returned 1 outputs for 2 inputs"),
    ("error", "HTTP 500"),
])
def test_bad_answers_name_the_url(server, mode, message):
    m = RemoteModel(server.url, retries=0)
    server.mode = mode
    with pytest.raises(RemoteModelError, match=message) as e:
        m.predict([{"text": "good"}, {"text": "bad"}])
    assert server.url in str(e.value)
    m.close()


def test_server_errors_are_retried_then_reported(server):
    m = RemoteModel(server.url, retries=2, backoff=0.01)
    server.mode = "error"
    with pytest.raises(RemoteModelError, match="3 attempts"):
        m.predict([{"text": "good"}])
    assert server.requests == 3
    m.close()


def test_unreachable_url_and_bad_spec_name_the_url(server):
    with pytest.raises(RemoteModelError, match=r"127\.0\.0\.1:9/spec: cannot connect"):
        RemoteModel("http://127.0.0.1:9", retries=0)
    with pytest.raises(RemoteModelError, match=rf"{server.url}/spec/spec: HTTP 404"):
        RemoteModel(server.url + "/spec", retries=0)
    with pytest.raises(ValueError, match="ftp://x: a remote model URL"):
        RemoteModel("ftp://x")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("concurrency", [4, 2, 1])
def test_the_engine_keeps_several_requests_in_flight(server, tmp_path, concurrency):
    """The server holds each request until ``concurrency`` of them are in flight (a
    barrier, not a delay), so the engine must keep that many open, and the count shows
    it never opens more."""
    from lumos.engine import Engine
    from lumos.store import Store

    m = RemoteModel(server.url, batch_size=2, concurrency=concurrency, retries=0)
    server.hold = threading.Barrier(concurrency, timeout=30).wait
    examples = [{"text": f"good words number {i}"} for i in range(16)]
    out = Engine(Store(tmp_path / "s.sqlite")).predict(m, examples, fields=["probas"])
    assert server.most_at_once == concurrency
    assert server.requests == 8
    ref = FakeClassifier().predict(examples, fields=["probas"])
    for o, r in zip(out, ref, strict=True):
        np.testing.assert_allclose(o["probas"], r["probas"], rtol=1e-6)
    m.close()


class WatchedSlots:
    """Wraps a semaphore; ``tried`` counts acquire calls, ``seen`` is notified on each."""

    def __init__(self, inner):
        self.inner = inner
        self.tried = 0
        self.seen = threading.Condition()

    def __enter__(self):
        with self.seen:
            self.tried += 1
            self.seen.notify_all()
        return self.inner.__enter__()

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)


@pytest.mark.timeout(60)
def test_the_concurrency_limit_holds_for_callers_outside_the_engine(server):
    """Two threads call predict at once on a model limited to one request: the server
    holds the first request until the second thread is waiting for its turn."""
    m = RemoteModel(server.url, concurrency=1, retries=0)
    slots = m._slots = WatchedSlots(m._slots)

    def second_caller_waits():
        with slots.seen:
            assert slots.seen.wait_for(lambda: slots.tried >= 2, timeout=20)

    server.hold = second_caller_waits
    results = [None, None]

    def call(k):
        results[k] = m.predict([{"text": f"good {k}"}])

    threads = [threading.Thread(target=call, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.hold = None
    assert all(r is not None for r in results)
    assert server.most_at_once == 1 and server.requests == 2
    m.close()


def test_a_concurrency_below_one_is_refused_by_name(server):
    with pytest.raises(ModelLoadError, match="concurrency must be at least 1, got 0"):
        RemoteModel(server.url, concurrency=0)
