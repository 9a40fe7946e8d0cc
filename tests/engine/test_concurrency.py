"""The engine's per-model locks, and which calls it runs in parallel."""

import gc
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lumos.api.model import BatchPool
from lumos.engine import Engine
from lumos.engine.concurrency import ModelLock, model_lock, pool_for
from lumos.engine.interpret import explain
from lumos.store import Store
from lumos.testing import FakeClassifier

pytestmark = pytest.mark.timeout(60)

EXAMPLES = [{"text": f"good words {'very ' * i}number {i}"} for i in range(12)]


class Recorder(FakeClassifier):
    """A FakeClassifier with a two-thread pool that records, per predict call, its
    thread and how the calling thread holds the model's lock."""

    def __init__(self, concurrent=()):
        super().__init__(max_batch_size=2)
        self.pool = BatchPool(ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool"), 2)
        self.concurrent = frozenset(concurrent)
        self.log = []
        self.lock = threading.Lock()

    def concurrent_fields(self):
        return self.concurrent

    def batch_pool(self):
        return self.pool

    def predict(self, inputs, *, fields=None):
        with self.lock:
            self.log.append((threading.current_thread().name, model_lock(self).my_hold(),
                               tuple(sorted(fields or ()))))
        return super().predict(inputs, fields=fields)


def run_in_thread(fn):
    """Run ``fn`` on a fresh thread; returns (thread, result)."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("out", fn()), name="caller")
    t.start()
    t.join()
    return t, box["out"]


def test_a_model_that_declares_nothing_runs_one_batch_at_a_time_holding_its_lock(tmp_path):
    m = Recorder()
    run_in_thread(lambda: Engine(Store(tmp_path / "s.sqlite")).predict(
        m, EXAMPLES, fields=["probas"]))
    assert len(m.log) == 6
    assert {(name, hold) for name, hold, _ in m.log} == {("caller", "exclusive")}


def test_concurrent_fields_run_on_the_pool_and_exclusive_ones_on_the_caller(tmp_path):
    m = Recorder(concurrent={"probas", "tokens"})
    engine = Engine(Store(tmp_path / "s.sqlite"))
    run_in_thread(lambda: engine.predict(m, EXAMPLES, fields=["probas", "tokens"]))
    assert {hold for _, hold, _ in m.log} == {"shared"}
    assert {name.split("_")[0] for name, _, _ in m.log} == {"pool"}
    m.log.clear()
    # attention is not declared: the whole call runs alone, on the caller's thread
    run_in_thread(lambda: engine.predict(m, EXAMPLES, fields=["probas", "attention"]))
    assert {(name, hold) for name, hold, _ in m.log} == {("caller", "exclusive")}
    assert pool_for(m, ["probas", "attention"]) is None
    assert pool_for(m, ["probas"]) is m.pool


def test_an_explain_chunk_holds_the_model_for_what_the_method_computes_itself(tmp_path):
    """A gradient method calls the model itself: its chunks hold the model (here
    exclusively: the fake declares nothing), whatever thread called explain."""
    from lumos.testing.linear import LinearTextModel

    model = LinearTextModel()
    holds = []
    forward = model.forward_from_embeds

    def spy(field, inputs_embeds, **kw):
        holds.append(model_lock(model).my_hold())
        return forward(field, inputs_embeds, **kw)

    model.forward_from_embeds = spy
    run_in_thread(lambda: explain(Engine(Store(tmp_path / "s.sqlite")), model,
                                  [{"text": "good movie"}, {"text": "bad"}], "grad_dot_input"))
    assert holds and set(holds) == {"exclusive"}


def test_shared_holders_overlap_and_an_exclusive_one_waits_for_them():
    lock = ModelLock()
    both_in = threading.Barrier(3, timeout=20)  # two readers and this thread
    order = []

    def reader(k):
        with lock.shared():
            both_in.wait()  # both readers hold it at once, or BrokenBarrierError
            if k == 0:
                assert lock.wait_for_blocked(1, timeout=20)  # the writer is waiting
                order.append("reader out")

    def writer():
        with lock.exclusive():
            order.append("writer in")

    readers = [threading.Thread(target=reader, args=(k,)) for k in range(2)]
    for t in readers:
        t.start()
    both_in.wait()
    w = threading.Thread(target=writer)  # started once both readers hold the lock
    w.start()
    for t in [*readers, w]:
        t.join()
    assert order == ["reader out", "writer in"]


def test_an_exclusive_holder_keeps_every_other_thread_out():
    lock = ModelLock()
    order = []

    def other():
        with lock.shared():
            order.append("other in")

    with lock.exclusive():
        t = threading.Thread(target=other)
        t.start()
        assert lock.wait_for_blocked(1, timeout=20)  # it tried, and it waits
        order.append("owner out")
    t.join()
    assert order == ["owner out", "other in"]


def test_re_entry_is_allowed_but_an_upgrade_is_refused():
    lock = ModelLock()
    with lock.exclusive():
        with lock.exclusive(), lock.shared():
            assert lock.my_hold() == "exclusive"
    assert lock.my_hold() is None
    with lock.shared():
        with lock.shared():
            assert lock.my_hold() == "shared"
        with pytest.raises(RuntimeError, match="concurrent_fields"), lock.exclusive():
            pass
    assert lock.my_hold() is None


def test_a_models_lock_goes_with_the_model():
    import weakref

    m = FakeClassifier()
    lock = model_lock(m)
    assert model_lock(m) is lock and model_lock(FakeClassifier()) is not lock
    gone = weakref.ref(lock)
    del m, lock
    gc.collect()
    assert gone() is None  # held by the model only: a new model never inherits it
