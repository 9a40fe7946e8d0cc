"""Torch models run several batches at once, each on one intra-op thread."""

import threading

import numpy as np
import pytest
import torch

from lumos.engine import Engine
from lumos.models.torch_threads import cpu_batch_pool
from lumos.store import Store
from lumos.testing.tiny import TINY_BUILDERS


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def classifier(tmp_path):
    return TINY_BUILDERS["hf_classifier"](tmp_path)[0]


def test_workers_use_one_thread_each_and_leave_the_callers_count_alone(two_threads,
                                                                       classifier):
    pool = cpu_batch_pool(classifier.model)
    assert pool is not None and pool.workers == 2
    counts = [pool.executor.submit(torch.get_num_threads).result() for _ in range(4)]
    assert counts == [1, 1, 1, 1]
    assert torch.get_num_threads() == 2
    seen = []
    fresh = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    fresh.start()
    fresh.join()
    assert seen == [2]  # the process-wide count, which new threads start from, is back
    assert classifier.batch_pool() is pool  # one pool per process, shared by models


def test_no_pool_when_torch_has_one_thread(classifier):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert classifier.batch_pool() is None
    finally:
        torch.set_num_threads(before)


def test_engine_runs_a_torch_models_batches_on_the_pool_with_the_same_outputs(
        two_threads, classifier, tmp_path):
    texts = [{"text": " ".join(["word"] * (i % 13 + 1)) + f" number {i}"} for i in range(40)]
    classifier.max_batch_size = 4
    threads = set()
    predict = classifier.predict

    def spy(batch, fields=None):
        threads.add(threading.current_thread().name)
        return predict(batch, fields=fields)

    classifier.predict = spy
    pooled = Engine(Store(tmp_path / "a.sqlite")).predict(classifier, texts,
                                                          fields=["probas", "tokens"])
    assert threads and all(name.startswith("lumos-torch") for name in threads)
    alone = [predict([ex], fields=["probas", "tokens"])[0] for ex in texts]
    for p, a in zip(pooled, alone, strict=True):
        assert p["tokens"] == a["tokens"]
        np.testing.assert_allclose(p["probas"], a["probas"], atol=1e-6)
