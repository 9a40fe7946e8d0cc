import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from lumos.api.model import BatchPool
from lumos.api.types import SpecError
from lumos.engine import Cancelled, Engine
from lumos.store import Store
from lumos.testing import BrokenModel, FakeClassifier

TEXTS = ["good", "a bad day", "great great movie I love", "x", "this is awful and sad",
         "nice", "okay then", "the best thing ever happened", "poor", "meh"] * 3


def examples():
    return [{"text": t} for t in TEXTS]


def test_batches_to_model_size_and_skips_duplicates(engine):
    m = FakeClassifier(max_batch_size=4)
    out = engine.predict(m, examples())
    assert len(out) == len(TEXTS)
    assert m.seen == 10  # 30 rows, 10 distinct
    assert max(m.batch_sizes) <= 4
    assert out[0]["probas"][1] > 0.5 and out[1]["probas"][0] > 0.5
    assert set(out[0]) == {"probas", "tokens", "embedding"}  # attention is expensive


def test_sorts_by_length_into_batches(engine):
    m = FakeClassifier(max_batch_size=3)
    seen = []
    orig = m.predict

    def spy(batch, fields=None):
        seen.append([len(b["text"]) for b in batch])
        return orig(batch, fields=fields)

    m.predict = spy
    engine.predict(m, examples())
    flat = [n for b in seen for n in b]
    assert flat == sorted(flat)


def test_cache_hits_memory_then_store_after_restart(tmp_path):
    path = tmp_path / "s.sqlite"
    m = FakeClassifier()
    e1 = Engine(Store(path))
    first = e1.predict(m, examples(), fields=["probas", "attention"])
    calls = m.calls
    e1.predict(m, examples(), fields=["probas", "attention"])
    assert m.calls == calls  # memory
    e2 = Engine(Store(path))  # a restart: new process state, same file
    again = e2.predict(m, examples(), fields=["probas", "attention"])
    assert m.calls == calls
    np.testing.assert_allclose(again[5]["probas"], first[5]["probas"])
    assert again[5]["attention"].shape == first[5]["attention"].shape


def test_only_missing_fields_are_computed(engine):
    m = FakeClassifier()
    engine.predict(m, examples(), fields=["probas"])
    m.calls = 0
    out = engine.predict(m, examples(), fields=["probas", "attention"])
    assert m.calls > 0 and "attention" in out[0]


def test_spec_violation_names_field(engine):
    with pytest.raises(SpecError, match="probas"):
        engine.predict(BrokenModel(), examples())


def test_unknown_field_is_named(engine):
    with pytest.raises(KeyError, match="nope"):
        engine.predict(FakeClassifier(), examples(), fields=["nope"])


def test_cancel_keeps_finished_batches(engine):
    m = FakeClassifier(max_batch_size=2)
    cancel = threading.Event()
    progress = []

    def on_progress(done, total):
        progress.append(done)
        if done >= 4:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.predict(m, examples(), on_progress=on_progress, cancel=cancel)
    assert engine.store.count_outputs() >= 4 * 3
    m.seen = 0
    engine.predict(m, examples())
    assert m.seen == 10 - 4  # finished batches were not recomputed


def test_transient_predictions_stay_in_memory(tmp_path):
    """persist=False (a perturbation method's edited copies): nothing reaches the store,
    yet a second call in the same process is served from memory."""
    store = Store(tmp_path / "s.sqlite")
    engine = Engine(store)
    m = FakeClassifier()
    first = engine.predict(m, examples(), fields=["probas"], persist=False)
    assert m.seen == 10 and store.count_outputs() == 0
    again = engine.predict(m, examples(), fields=["probas"], persist=False)
    assert m.seen == 10
    np.testing.assert_array_equal(first[2]["probas"], again[2]["probas"])
    engine.predict(m, [{"text": "brand new words"}], fields=["probas"])  # the default
    assert store.count_outputs() == 1


class PooledClassifier(FakeClassifier):
    """A FakeClassifier whose batches the engine may run two at a time; its first two
    batches each wait for the other, so running them one after another fails."""

    # the batch counter and fail_on (whether a batch raises) never change an output
    fingerprint_ignore = ("batches", "fail_on")

    def __init__(self, fail_on: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.both_running = threading.Barrier(2, timeout=10)
        self.batches = 0
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def concurrent_fields(self):
        return frozenset(self.output_spec())

    def batch_pool(self):
        return BatchPool(self.executor, 2)

    def predict(self, inputs, *, fields=None):
        with self.lock:
            self.batches += 1
            n = self.batches
        if n <= 2:
            self.both_running.wait()
        if self.fail_on is not None and any(ex["text"] == self.fail_on for ex in inputs):
            raise ValueError(f"cannot read {self.fail_on!r}")
        return super().predict(inputs, fields=fields)


def test_pooled_batches_run_at_once_and_come_back_in_order(tmp_path):
    m = PooledClassifier(max_batch_size=3)
    progress = []
    engine = Engine(Store(tmp_path / "s.sqlite"))
    out = engine.predict(m, examples(), on_progress=lambda d, t: progress.append((d, t)))
    serial = Engine(Store(tmp_path / "t.sqlite")).predict(FakeClassifier(), examples())
    assert [o["tokens"] for o in out] == [s["tokens"] for s in serial]
    for o, s in zip(out, serial, strict=True):
        np.testing.assert_array_equal(o["probas"], s["probas"])
    assert progress == [(d, 10) for d in (3, 6, 9, 10)]  # batch order, each once
    assert engine.store.count_outputs() == 10 * 3


def test_a_pooled_batch_that_fails_keeps_the_batches_before_it(tmp_path):
    m = PooledClassifier(fail_on="x", max_batch_size=2)
    engine = Engine(Store(tmp_path / "s.sqlite"))
    with pytest.raises(ValueError, match="cannot read 'x'"):
        engine.predict(m, examples(), fields=["probas"])
    kept = engine.store.count_outputs()
    assert 2 <= kept < 10  # on a pool the shortest text runs last; the batches before it
    # finished and were stored
    m.fail_on = None
    m.seen = 0
    engine.predict(m, examples(), fields=["probas"])
    assert m.seen == 10 - kept


def test_cancel_stops_a_pooled_run_between_batches(tmp_path):
    m = PooledClassifier(max_batch_size=2)
    engine = Engine(Store(tmp_path / "s.sqlite"))
    cancel = threading.Event()

    def on_progress(done, total):
        if done >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.predict(m, examples(), fields=["probas"], on_progress=on_progress,
                       cancel=cancel)
    assert 2 <= engine.store.count_outputs() < 10


class RecordingExecutor(ThreadPoolExecutor):
    """Records what is handed to the pool, in order (which thread then starts or
    finishes first is the scheduler's business, not the engine's)."""

    def __init__(self, max_workers):
        super().__init__(max_workers=max_workers)
        self.submitted = []

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append(args[0])
        return super().submit(fn, *args, **kwargs)


@pytest.mark.timeout(60)
def test_a_pool_gets_the_costliest_batches_first(tmp_path):
    """Longest first, so that no worker is left alone with a long batch at the end: the
    engine hands the pool its batches costliest first (the submission order is what it
    guarantees)."""
    m = PooledClassifier(max_batch_size=3)
    m.executor = RecordingExecutor(2)
    engine = Engine(Store(tmp_path / "s.sqlite"))
    engine.predict(m, examples())
    text_of = dict(zip(engine.cache_keys(m, examples()), TEXTS, strict=True))
    lengths = [[len(text_of[i]) for i in batch] for batch in m.executor.submitted]
    distinct = sorted((len(t) for t in set(TEXTS)), reverse=True)
    assert [n for batch in lengths for n in batch] == distinct
    assert [len(batch) for batch in lengths] == [3, 3, 3, 1]
