"""Rows of values (text, labels, numpy arrays of any rank) to Arrow columns, and Arrow
tables to files (CSV, JSONL, Parquet): the one writer of tables for predictions and
exports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from lumos.api.types import SpecError


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


#: what ``write_table`` writes (``pq`` is read as parquet, ``json`` as jsonl)
EXPORT_FORMATS = ("csv", "jsonl", "parquet")
_ALIASES = {"pq": "parquet", "json": "jsonl"}


def write_table(table: pa.Table, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``table`` as Parquet, CSV or JSONL, chosen by ``fmt`` or the file suffix;
    writes to a temp file, then renames (a reader never sees half a file). CSV cells
    holding lists or structs are JSON text."""
    p = Path(path)
    kind = (fmt or p.suffix.lstrip(".")).lower()
    kind = _ALIASES.get(kind, kind)
    if kind not in EXPORT_FORMATS:
        raise SpecError(f"{p}: unknown export format '{kind}' (use "
                        f"{', '.join(EXPORT_FORMATS)})")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".partial")
    if kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, tmp)
    elif kind == "csv":
        import pyarrow.csv as pcsv

        flat = pa.table({n: _to_text(table.column(n)) for n in table.column_names})
        pcsv.write_csv(flat, tmp)
    else:
        import orjson

        with open(tmp, "wb") as f:
            for row in table.to_pylist():
                f.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    tmp.replace(p)
    return p


def _to_text(col: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_nested(col.type):
        import orjson

        return pa.array([None if v is None else orjson.dumps(v).decode()
                         for v in col.to_pylist()], pa.string())
    return col
