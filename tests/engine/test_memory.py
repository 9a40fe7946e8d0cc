"""The engine's in-memory cache: bounded by bytes, every table evictable, transient
perturbation copies in their own budget."""

import numpy as np

from lumos.engine import Engine
from lumos.engine.memory import MemoryCache, value_size
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier


def test_the_cache_stays_within_its_bytes():
    cache = MemoryCache(max_bytes=10_000)
    for i in range(100):
        cache.put_many(("m", "emb"), [(f"k{i}", np.zeros(100, np.float32))])
        assert cache.size() <= 10_000
    assert 0 < len(cache) < 100
    # the newest entries are the ones kept
    assert cache.get_many(("m", "emb"), ["k99"]) and not cache.get_many(("m", "emb"), ["k0"])


def test_the_last_table_is_evicted_too():
    cache = MemoryCache(max_bytes=2_000)
    cache.put_many(("m", "emb"), [(f"k{i}", np.zeros(200, np.float32)) for i in range(10)])
    assert cache.size() <= 2_000  # one table only, and still bounded


def test_transient_values_never_push_out_kept_ones():
    cache = MemoryCache(max_bytes=40_000)
    kept = [(f"row{i}", np.zeros(100, np.float32)) for i in range(20)]
    cache.put_many(("m", "probas"), kept)
    cache.put_many(("m", "probas"),
                   [(f"copy{i}", np.zeros(100, np.float32)) for i in range(10_000)],
                   transient=True)
    assert len(cache.get_many(("m", "probas"), [k for k, _ in kept])) == 20
    assert cache.size(transient=True) <= 10_000


def test_sizes_count_array_buffers():
    assert value_size(np.zeros(1000, np.float64)) >= 8000
    assert value_size({"a": [np.zeros(10, np.float32)] * 3}) >= 120


def test_a_bounded_engine_answers_from_the_store_after_eviction(tmp_path):
    engine = Engine(Store(tmp_path / "s.sqlite"), memory_bytes=2_000)
    model = FakeClassifier()
    texts = [{"text": f"good {i}"} for i in range(50)]
    first = engine.predict(model, texts, fields=["probas"])
    seen = model.seen
    again = engine.predict(model, texts, fields=["probas"])
    assert model.seen == seen  # nothing predicted twice: the store answered
    for a, b in zip(first, again, strict=True):
        assert a["probas"].dtype == b["probas"].dtype
        np.testing.assert_array_equal(a["probas"], b["probas"])
