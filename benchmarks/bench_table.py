"""Filter and sort over a 1,000,000-row Parquet dataset: lumos's query engine
(``lumos.engine.table_query.query``) against the same query written in raw pyarrow.

Both sides read the same in-memory Arrow table and return the first page (100 rows) of
the sorted result; the figure is the median of several runs, reported as a ratio
(lumos / pyarrow; the goal is <= 1.5).

    .venv/bin/python benchmarks/bench_table.py [--rows 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lumos.api import types as T
from lumos.datasets import load_file
from lumos.engine.table_query import query
from lumos.server.arrow import from_ipc
from lumos.server.serve import make_server

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

        q_pos = {"filters": [{"field": "label", "op": "==", "value": "positive"},
                             {"field": "score", "op": ">", "value": 0.5}],
                 "sort": [{"field": "score", "order": "desc"}], "limit": page}
        q_text = {"filters": [{"field": "text", "op": "contains", "value": "excellent"}],
                  "sort": [{"field": "length", "order": "asc"}], "limit": page}
        q_ids = {"filters": [{"field": "id", "op": "in", "value": ids}], "limit": page}
        q_sort = {"sort": [{"field": "score", "order": "desc"}], "limit": page}
        q_len = {"filters": [{"field": "length", "op": "between", "value": [50, 60]}],
                 "offset": 2 * page, "limit": page}
        cases: dict[str, tuple[dict, Callable[[], pa.Table]]] = {
            "label == positive & score > 0.5, sort score desc": (
                q_pos, lambda: table.filter(pc.and_(pc.equal(table["label"], "positive"),
                                                    pc.greater(table["score"], 0.5)))
                .sort_by([("score", "descending")]).slice(0, page)),
            "text contains 'excellent' (any case), sort length asc": (
                q_text, lambda: table.filter(pc.match_substring(table["text"], "excellent",
                                                               ignore_case=True))
                .sort_by([("length", "ascending")]).slice(0, page)),
            "id in set of 1000": (
                q_ids, lambda: table.filter(pc.is_in(table["id"], value_set=pa.array(ids)))
                .slice(0, page)),
            "sort whole table by score desc": (
                q_sort, lambda: table.sort_by([("score", "descending")]).slice(0, page)),
            "length between 50 and 60, page 3": (
                q_len, lambda: table.filter(pc.and_(pc.greater_equal(table["length"], 50),
                                                    pc.less_equal(table["length"], 60)))
                .slice(2 * page, page)),
        }
        server = make_server({}, {"big": ds}, port=free_port(), store=Path(d) / "s.sqlite",
                             quiet=True).start()
        http = httpx.Client(base_url=server.url.rstrip("/"), timeout=60)

        def engine_side(q: dict) -> Callable[[], object]:
            return lambda: query(table, filters=q.get("filters", ()), sort=q.get("sort", ()),
                                 offset=q.get("offset", 0), limit=q["limit"]).page

        def server_side(q: dict) -> Callable[[], object]:
            def run() -> pa.Table:
                r = http.post("/api/datasets/big/query", json={**q, "format": "arrow"})
                r.raise_for_status()
                return from_ipc(r.content)
            return run

        try:
            # same rows on every side
            for name, (q, theirs) in cases.items():
                want = theirs().column("id").to_pylist()
                assert engine_side(q)().column("id").to_pylist() == want, name
                assert server_side(q)().column("id").to_pylist() == want, name
            print(f"## Table query over {args.rows:,} rows (pyarrow {pa.__version__})\n")
            print(f"Parquet written in {made:.2f} s; loaded as an ArrowDataset (with checks) "
                  f"in {loaded:.2f} s ({chunks} chunk(s) per column). Median of "
                  f"{args.repeat} runs, alternating sides, first page of {page} rows. "
                  "'server' is the HTTP round trip to POST /api/datasets/big/query (Arrow "
                  "page decoded by the client).\n")
            print("| query | raw pyarrow | lumos engine | ratio | lumos server (HTTP) | ratio |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for name, (q, theirs) in cases.items():
                t_eng, t_base = timed_pair(engine_side(q), theirs, args.repeat)
                t_srv, t_base2 = timed_pair(server_side(q), theirs, args.repeat)
                base = statistics.median([t_base, t_base2])
                print(f"| {name} | {base * 1000:.1f} ms | {t_eng * 1000:.1f} ms | "
                      f"{t_eng / base:.2f}x | {t_srv * 1000:.1f} ms | {t_srv / base:.2f}x |")
        finally:
            http.close()
            server.stop()

if __name__ == "__main__":
    main()
