"""The one cache loop of per-example derived results (maps, activations, audit stats)."""

import threading

import pytest

from lumos.engine import Engine
from lumos.engine.batches import Cancelled
from lumos.engine.derived import derived_outputs
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

EXAMPLES = [{"text": "a good day", "id": "1"}, {"text": "bad", "id": "2"},
            {"text": "a good day", "id": "3"}, {"text": "so so", "id": "4"}]


class Counting:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, batch):
        self.seen += [ex["text"] for ex in batch]
        return [{"n": len(ex["text"]), "upper": ex["text"].upper()} for ex in batch]


def run(engine, model, compute, examples=EXAMPLES, **kw):
    return derived_outputs(engine, model, examples, "k|test", ("n", "upper"), compute,
                           name="counting", **kw)


def test_each_distinct_example_is_computed_once_and_results_keep_the_order(tmp_path):
    compute = Counting()
    out = run(Engine(Store(tmp_path / "s.sqlite")), FakeClassifier(), compute)
    assert [o["upper"] for o in out] == [ex["text"].upper() for ex in EXAMPLES]
    assert sorted(compute.seen) == ["a good day", "bad", "so so"]


def test_a_new_engine_reads_them_back_from_the_store_by_content(tmp_path):
    path = tmp_path / "s.sqlite"
    run(Engine(Store(path)), FakeClassifier(), Counting())
    again = Counting()
    out = run(Engine(Store(path)), FakeClassifier(), again,
              examples=[{"text": "bad", "id": "other"}, {"text": "new one"}])
    assert again.seen == ["new one"]
    assert out == [{"n": 3, "upper": "BAD"}, {"n": 7, "upper": "NEW ONE"}]
    fresh = Counting()
    run(Engine(Store(path)), FakeClassifier(), fresh, use_cache=False)
    assert len(fresh.seen) == 3


def test_a_model_whose_cache_does_not_persist_writes_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    model = FakeClassifier()
    model.persistent_cache = lambda: False  # type: ignore[method-assign]
    run(Engine(Store(path)), model, Counting())
    again = Counting()
    run(Engine(Store(path)), FakeClassifier(), again)
    assert len(again.seen) == 3


def test_wrong_counts_and_missing_fields_are_named():
    engine, model = Engine(Store(":memory:")), FakeClassifier()
    with pytest.raises(RuntimeError, match="counting returned 1 results for 3 examples"):
        run(engine, model, lambda batch: [{"n": 1, "upper": "A"}])
    with pytest.raises(RuntimeError, match="counting gave no upper .*it gave n"):
        run(engine, model, lambda batch: [{"n": 1} for _ in batch])


def test_a_cancel_keeps_the_batches_that_finished(tmp_path):
    path = tmp_path / "s.sqlite"
    cancel = threading.Event()
    seen: list[str] = []

    def compute(batch):
        seen.extend(ex["text"] for ex in batch)
        cancel.set()  # the first batch finishes; the loop stops before the next
        return [{"n": len(ex["text"]), "upper": ex["text"].upper()} for ex in batch]

    with pytest.raises(Cancelled):
        run(Engine(Store(path)), FakeClassifier(), compute, batch_size=1, cancel=cancel)
    assert len(seen) == 1
    again = Counting()
    run(Engine(Store(path)), FakeClassifier(), again)
    assert len(again.seen) == 2 and seen[0] not in again.seen
