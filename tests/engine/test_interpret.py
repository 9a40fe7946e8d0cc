"""explain() on a model whose batches run on a pool."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.model import BatchPool
from lumos.engine import Engine
from lumos.engine.interpret import explain
from lumos.store import Store
from lumos.testing import FakeClassifier

TEXTS = ["good movie but a bad ending", "awful awful day", "great fun and nice people",
         "plain words here", "I love it", "sad and poor service", "happy happy joy",
         "the worst thing ever"]


class Pooled(FakeClassifier):
    def __init__(self):
        super().__init__(max_batch_size=8)
        self.pool = BatchPool(ThreadPoolExecutor(max_workers=2), 2)

    def concurrent_fields(self):
        return frozenset(self.output_spec())

    def batch_pool(self):
        return self.pool


class ScoreOfEachWord(Interpreter):
    """Scores every word on its own through the engine, from inside its batch: each of
    its batches calls the model on more examples than one model batch holds, through
    the run context the engine gives it."""

    id = "score_of_each_word"
    version = "1"

    def __init__(self, first_two=None):
        self.engine = None
        self.first_two = first_two  # a Barrier(2) the first two batches wait on
        self.threads = set()
        self.batches = 0
        self.lock = threading.Lock()

    def output_spec(self, model):
        return {"word_scores": T.Scalar()}

    def model_fields(self, model, config):
        return ()  # it reaches the model only through the engine

    def run(self, inputs, model, *, config, context, model_outputs=None):
        with self.lock:
            self.batches += 1
            n = self.batches
            self.threads.add(threading.current_thread().name)
        if self.first_two is not None and n <= 2:
            self.first_two.wait()  # two batches in flight at once, or BrokenBarrierError
        out = []
        for ex in inputs:
            words = [{"text": w + p} for w in ex["text"].split() for p in ("", "!", "?", ".")]
            probas = context.predict(model, words, fields=["probas"], transient=True)
            out.append({"word_scores": float(sum(p["probas"][1] for p in probas))})
        return out


def test_batches_on_a_pool_that_call_the_engine_finish_and_match_a_serial_run(tmp_path):
    """explain() runs the interpreter's batches on the pool; their own engine calls must
    run on the worker's thread (waiting for the pool from inside the pool never ends)."""
    model = Pooled()
    examples = [{"text": t} for t in TEXTS]
    interp = ScoreOfEachWord(threading.Barrier(2, timeout=30))
    interp.engine = Engine(Store(tmp_path / "a.sqlite"))
    got = {}

    def run():
        got["scores"] = explain(interp.engine, model, examples, interp, chunk_size=2)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive(), "explain() deadlocked on the model's pool"
    assert len(interp.threads - {t.name}) == 2  # the batches did run on the pool
    serial = ScoreOfEachWord()
    serial.engine = Engine(Store(tmp_path / "b.sqlite"))
    want = explain(serial.engine, FakeClassifier(max_batch_size=8), examples, serial,
                   chunk_size=2)
    assert [g["word_scores"] for g in got["scores"]] == \
        pytest.approx([w["word_scores"] for w in want])


def test_sampling_methods_give_the_same_maps_when_requests_overlap(tmp_path):
    """Two requests sampling at the same time (the server serves them on two threads)
    draw from torch's one global generator; each must still get its seeded map."""
    examples = [{"text": t} for t in TEXTS]
    want = explain(Engine(Store(tmp_path / "a.sqlite")), FakeClassifier(), examples,
                   "kernel_shap", {"n_samples": 200})
    got = [None] * 4
    start = threading.Barrier(4, timeout=60)

    def run(k):
        start.wait()
        got[k] = explain(Engine(Store(tmp_path / f"{k}.sqlite")), FakeClassifier(),
                         examples, "kernel_shap", {"n_samples": 200})

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for maps in got:
        for a, b in zip(maps, want, strict=True):
            np.testing.assert_allclose(a["kernel_shap"]["salience"],
                                       b["kernel_shap"]["salience"], atol=1e-6)
