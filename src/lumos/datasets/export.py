"""Rows of values (text, labels, numpy arrays of any rank) to Arrow columns and files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa


def ndarrays_to_arrow(values: Sequence[np.ndarray]) -> pa.Array:
    """Arrays of equal rank (shapes may differ per row) -> nested Arrow lists, vectorised."""
    arrs = [np.asarray(v) for v in values]
    ndim = arrs[0].ndim
    flat = np.concatenate([a.reshape(-1) for a in arrs]) if arrs else np.zeros(0)
    if flat.dtype == np.float64:
        flat = flat.astype(np.float32)
    out: pa.Array = pa.array(flat)
    for level in range(ndim - 1, -1, -1):
        counts = np.concatenate([
            np.full(int(np.prod(a.shape[:level])), a.shape[level], np.int64) for a in arrs])
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        out = pa.ListArray.from_arrays(pa.array(offsets), out)
    return out


def column(values: Sequence[Any]) -> pa.Array:
    first = next((v for v in values if v is not None), None)
    if isinstance(first, np.ndarray) and first.ndim > 0 and all(
            isinstance(v, np.ndarray) and v.ndim == first.ndim for v in values):
        return ndarrays_to_arrow(values)

    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v

    return pa.array([plain(v) for v in values])


def rows_to_table(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> pa.Table:
    return pa.table({n: column([r.get(n) for r in rows]) for n in names})


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write Parquet, CSV or JSONL by suffix; writes to a temp file, then renames."""
    p = Path(path)
    tmp = p.with_name(p.name + ".partial")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, tmp)
    elif suffix == ".csv":
        import pyarrow.csv as pcsv

        flat = pa.table({n: _to_text(table.column(n)) for n in table.column_names})
        pcsv.write_csv(flat, tmp)
    elif suffix in (".jsonl", ".json"):
        import orjson

        with open(tmp, "wb") as f:
            for row in table.to_pylist():
                f.write(orjson.dumps(row) + b"\n")
    else:
        raise ValueError(f"{p}: unsupported output type (use .parquet, .csv or .jsonl)")
    tmp.replace(p)
    return p


def _to_text(col: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_nested(col.type):
        import orjson

        return pa.array([None if v is None else orjson.dumps(v).decode()
                         for v in col.to_pylist()])
    return col
