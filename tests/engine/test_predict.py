import threading

import numpy as np
import pytest

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
