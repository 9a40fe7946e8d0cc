from concurrent.futures import ThreadPoolExecutor

from lumos.api.model import BatchPool
from lumos.engine.batches import plan_batches

ITEMS = list(range(10))  # sorted by cost, cheapest first


def test_one_at_a_time_cheapest_first_in_full_batches():
    assert plan_batches(ITEMS, 4, None) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert plan_batches(ITEMS, 4, None, spread=True) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_pool_gets_the_costliest_first_and_spread_work_in_smaller_batches():
    with ThreadPoolExecutor(2) as ex:
        pool = BatchPool(ex, 2)
        assert plan_batches(ITEMS, 4, pool) == [[9, 8, 7, 6], [5, 4, 3, 2], [1, 0]]
        spread = plan_batches(ITEMS, 4, pool, spread=True)  # about four per worker
        assert spread == [[9, 8], [7, 6], [5, 4], [3, 2], [1, 0]]
        assert plan_batches(ITEMS[:3], 4, pool) == [[0, 1, 2]]  # one batch: as it came
