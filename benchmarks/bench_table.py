"""Filter and sort over a 1,000,000-row Parquet dataset: lumos's query engine
(``lumos.engine.table_query.query``) against the same query written in raw pyarrow.

Both sides read the same in-memory Arrow table and return the first page (100 rows) of
the sorted result; the figure is the median of several runs, reported as a ratio
(lumos / pyarrow; the goal is <= 1.5).

    .venv/bin/python benchmarks/bench_table.py [--rows 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lumos.api import types as T
from lumos.datasets import load_file
from lumos.engine.table_query import query

WORDS = ("good bad movie day great awful love hate the a of service food plot nice slow "
         "fast happy sad terrible excellent boring").split()


def make_parquet(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    words = np.array(WORDS)
    k = 8
    picks = words[rng.integers(0, len(words), size=(n, k))]
    texts = [" ".join(r) for r in picks.tolist()]
    table = pa.table({
        "id": pa.array([f"r{i:07d}" for i in range(n)]),
        "text": pa.array(texts),
        "label": pa.array(np.array(["negative", "neutral", "positive"])[rng.integers(0, 3, n)]),
        "score": pa.array(rng.random(n)),
        "length": pa.array(rng.integers(1, 200, n)),
    })
    pq.write_table(table, path)


def timed_pair(ours: Callable[[], object], theirs: Callable[[], object], repeat: int
               ) -> tuple[float, float]:
    """Median seconds of each, run alternately so load on the machine hits both alike."""
    ours()
    theirs()
    a, b = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.parquet"
        t0 = time.perf_counter()
        make_parquet(path, args.rows)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        spec = {"text": T.TextSegment(), "label": T.CategoryLabel(
            vocab=("negative", "neutral", "positive")), "score": T.Scalar(),
            "length": T.Scalar()}
        ds = load_file(path, spec=spec)
        loaded = time.perf_counter() - t0
        table = ds.to_arrow()
        chunks = table.column("text").num_chunks
        ids = table.column("id").to_pylist()[:: max(1, args.rows // 1000)]
        page = 100

        cases: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
            "label == positive & score > 0.5, sort score desc": (
                lambda: query(table, filters=[
                    {"field": "label", "op": "==", "value": "positive"},
                    {"field": "score", "op": ">", "value": 0.5}],
                    sort=[("score", "desc")], limit=page),
                lambda: table.filter(pc.and_(pc.equal(table["label"], "positive"),
                                             pc.greater(table["score"], 0.5)))
                .sort_by([("score", "descending")]).slice(0, page),
            ),
            "text contains 'excellent' (any case), sort length asc": (
                lambda: query(table, filters=[
                    {"field": "text", "op": "contains", "value": "excellent"}],
                    sort=[("length", "asc")], limit=page),
                lambda: table.filter(pc.match_substring(table["text"], "excellent",
                                                        ignore_case=True))
                .sort_by([("length", "ascending")]).slice(0, page),
            ),
            "id in set of 1000": (
                lambda: query(table, filters=[{"field": "id", "op": "in", "value": ids}],
                              limit=page),
                lambda: table.filter(pc.is_in(table["id"], value_set=pa.array(ids)))
                .slice(0, page),
            ),
            "sort whole table by score desc": (
                lambda: query(table, sort=[("score", "desc")], limit=page),
                lambda: table.sort_by([("score", "descending")]).slice(0, page),
            ),
            "length between 50 and 60, page 3": (
                lambda: query(table, filters=[
                    {"field": "length", "op": "between", "value": [50, 60]}],
                    offset=2 * page, limit=page),
                lambda: table.filter(pc.and_(pc.greater_equal(table["length"], 50),
                                             pc.less_equal(table["length"], 60)))
                .slice(2 * page, page),
            ),
        }
        # same rows on both sides
        for name, (ours, theirs) in cases.items():
            a, b = ours(), theirs()
            assert a.page.column("id").to_pylist() == b.column("id").to_pylist(), name
        print(f"## Table query over {args.rows:,} rows (pyarrow {pa.__version__})\n")
        print(f"Parquet written in {made:.2f} s; loaded as an ArrowDataset (with checks) "
              f"in {loaded:.2f} s ({chunks} chunk(s) per column). Median of {args.repeat} "
              f"runs, alternating sides, first page of {page} rows.\n")
        print("| query | lumos `table_query` | raw pyarrow | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for name, (ours, theirs) in cases.items():
            t_ours, t_base = timed_pair(ours, theirs, args.repeat)
            print(f"| {name} | {t_ours * 1000:.1f} ms | {t_base * 1000:.1f} ms | "
                  f"{t_ours / t_base:.2f}x |")


if __name__ == "__main__":
    main()
