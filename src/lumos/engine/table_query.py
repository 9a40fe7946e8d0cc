"""Filter, sort and page a dataset's Arrow table (plus prediction columns) with pyarrow.compute.

The server's data table calls ``query``: nothing becomes a Python row until the page is
cut, so a million-row table filters and sorts in columnar code.

A filter is ``{"field": name, "op": op, "value": v}`` (or a :class:`Filter`); filters are
ANDed. Ops: ``== != < <= > >=``, ``in`` / ``not_in`` (a list of values; ``{"field": "id",
"op": "in", "value": [...]}`` selects an id set), ``between`` (``[lo, hi]``, inclusive),
``contains`` / ``startswith`` (text; ``case_sensitive`` optional, default False),
``is_null`` / ``not_null``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api.types import SpecError

OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between", "contains", "startswith",
       "is_null", "not_null")
_CMP = {"==": pc.equal, "!=": pc.not_equal, "<": pc.less, "<=": pc.less_equal,
        ">": pc.greater, ">=": pc.greater_equal}


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any = None
    case_sensitive: bool = False

    @classmethod
    def of(cls, f: Filter | Mapping[str, Any]) -> Filter:
        if isinstance(f, Filter):
            return f
        unknown = sorted(set(f) - {"field", "op", "value", "case_sensitive"})
        if unknown:
            raise SpecError(f"filter: unknown key '{unknown[0]}'")
        if "field" not in f or "op" not in f:
            raise SpecError(f"filter {dict(f)!r}: needs 'field' and 'op'")
        return cls(str(f["field"]), str(f["op"]), f.get("value"),
                   bool(f.get("case_sensitive", False)))


@dataclass(frozen=True)
class QueryResult:
    """``indices``: matching row positions in sorted order; ``page``: the rows asked for."""

    indices: pa.Array
    total: int
    page: pa.Table
    offset: int


def _col(table: pa.Table, extra: Mapping[str, Any], name: str) -> Any:
    if name in extra:
        return extra[name]
    if name in table.column_names:
        return table.column(name)
    raise SpecError(f"filter/sort field '{name}' is not a column "
                    f"(columns: {table.column_names + sorted(extra)})")


def _mask(col: Any, f: Filter) -> Any:
    op, v = f.op, f.value
    if op not in OPS:
        raise SpecError(f"filter on '{f.field}': unknown op '{op}' (ops: {list(OPS)})")
    if op == "is_null":
        return pc.is_null(col)
    if op == "not_null":
        return pc.is_valid(col)
    if op in _CMP:
        if v is None:
            raise SpecError(f"filter on '{f.field}': op '{op}' needs a value")
        return _CMP[op](col, pa.scalar(v).cast(col.type) if _castable(v, col) else v)
    if op in ("in", "not_in"):
        if isinstance(v, str) or not isinstance(v, Sequence | set | frozenset):
            raise SpecError(f"filter on '{f.field}': op '{op}' needs a list of values")
        values = pa.array(list(v))
        if values.type != col.type and len(values):
            try:
                values = values.cast(col.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise SpecError(f"filter on '{f.field}': values {list(v)[:3]} do not fit "
                                f"the column's type {col.type}") from None
        m = pc.is_in(col, value_set=values)
        return pc.invert(m) if op == "not_in" else m
    if op == "between":
        if not isinstance(v, Sequence) or len(v) != 2:
            raise SpecError(f"filter on '{f.field}': op 'between' needs [low, high]")
        return pc.and_(pc.greater_equal(col, v[0]), pc.less_equal(col, v[1]))
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        raise SpecError(f"filter on '{f.field}': op '{op}' needs a text column, "
                        f"found {col.type}")
    fn = pc.match_substring if op == "contains" else pc.starts_with
    return fn(col, str(v), ignore_case=not f.case_sensitive)


def _castable(v: Any, col: Any) -> bool:
    t = col.type
    return isinstance(v, int | float) and not isinstance(v, bool) and \
        (pa.types.is_integer(t) or pa.types.is_floating(t))


def filter_mask(table: pa.Table, filters: Sequence[Filter | Mapping[str, Any]],
                extra: Mapping[str, Any] | None = None) -> Any:
    """Boolean mask of the rows passing every filter (nulls count as not passing)."""
    extra = dict(extra or {})
    mask = None
    for raw in filters:
        f = Filter.of(raw)
        m = _mask(_col(table, extra, f.field), f)
        mask = m if mask is None else pc.and_kleene(mask, m)
    return mask


def query(table: pa.Table, *, filters: Sequence[Filter | Mapping[str, Any]] = (),
          sort: Sequence[tuple[str, str]] | Sequence[Mapping[str, str]] = (),
          offset: int = 0, limit: int | None = 100, columns: Sequence[str] | None = None,
          extra: Mapping[str, Any] | None = None, within: Sequence[int] | None = None
          ) -> QueryResult:
    """Rows of ``table`` passing ``filters``, sorted by ``sort`` (``[(field, "asc"|"desc")]``),
    paged by ``offset``/``limit``. ``extra`` adds columns (same length as the table), e.g.
    predictions; ``within`` restricts to a set of row positions first. The page holds
    ``columns`` (default: all, plus extra) and an ``_index`` column of row positions.
    """
    extra = dict(extra or {})
    for name, col in extra.items():
        if len(col) != table.num_rows:
            raise SpecError(f"column '{name}' has {len(col)} values for {table.num_rows} rows")
    if offset < 0 or (limit is not None and limit < 0):
        raise SpecError("offset/limit: must not be negative")
    mask = filter_mask(table, filters, extra) if filters else None
    if within is not None:
        w = pa.array(sorted(set(int(i) for i in within)), pa.int64())
        if mask is None:
            idx = w
        else:
            idx = pc.filter(w, pc.fill_null(take(mask, w), False))
    elif mask is None:
        idx = None
    else:
        idx = pc.indices_nonzero(pc.fill_null(mask, False))
    keys = [_sort_key(s) for s in sort]
    if keys:
        cols = {}
        for name, _ in keys:
            c = _col(table, extra, name)
            cols[name] = c if idx is None else take(c, idx)
        # nulls sort last (pyarrow's default)
        order = pc.sort_indices(pa.table(cols), sort_keys=[(n, o) for n, o in keys])
        idx = order if idx is None else pc.take(idx, order)
    total = table.num_rows if idx is None else len(idx)
    stop = total if limit is None else min(total, offset + limit)
    start = min(offset, total)
    if idx is None:
        page_idx = pa.array(np.arange(start, stop, dtype=np.int64))
    else:
        page_idx = idx.slice(start, stop - start)
    names = list(columns) if columns is not None else table.column_names + list(extra)
    page_cols = [take(_col(table, extra, n), page_idx) for n in names]
    page = pa.table([page_idx.cast(pa.int64()), *page_cols], names=["_index", *names])
    all_idx = pa.array(np.arange(table.num_rows, dtype=np.int64)) if idx is None else idx
    return QueryResult(indices=all_idx, total=total, page=page, offset=start)


def take(col: Any, indices: Any) -> pa.Array:
    """``col[indices]`` without concatenating a chunked column first.

    ``pc.take`` on a ChunkedArray joins its chunks (a copy of the whole column) before
    taking; here each run of indices that falls in one chunk is taken from that chunk.
    """
    if not isinstance(col, pa.ChunkedArray):
        return pc.take(col, indices)
    if col.num_chunks == 1:
        return pc.take(col.chunk(0), indices)
    idx = np.asarray(indices.to_numpy(zero_copy_only=False) if hasattr(indices, "to_numpy")
                     else indices, dtype=np.int64)
    if idx.size == 0:
        return pa.array([], col.type)
    offsets = np.cumsum([0] + [len(c) for c in col.chunks])
    which = np.searchsorted(offsets, idx, side="right") - 1
    breaks = np.flatnonzero(np.diff(which)) + 1
    starts = np.concatenate([[0], breaks])
    stops = np.concatenate([breaks, [idx.size]])
    pieces = [pc.take(col.chunk(int(which[a])), pa.array(idx[a:b] - offsets[which[a]]))
              for a, b in zip(starts, stops, strict=True)]
    return pa.concat_arrays(pieces)


def wrong_tag_counts(pred: Any, gold: Any) -> pa.Array:
    """Per row, how many of the predicted tags differ from the gold tags (two list-of-text
    columns, e.g. a tagger's ``SequenceTags`` and the dataset's gold). A tag missing on
    one side counts as wrong; null where either side is null. Column-wise: rows of equal
    length (the usual case) are compared as two flat arrays, in one pass."""
    p = pred.combine_chunks() if isinstance(pred, pa.ChunkedArray) else pred
    g = gold.combine_chunks() if isinstance(gold, pa.ChunkedArray) else gold
    if len(p) != len(g):
        raise SpecError(f"wrong tags: {len(p)} predicted rows for {len(g)} gold rows")
    n = len(p)
    valid = np.asarray(pc.and_(pc.is_valid(p), pc.is_valid(g)).to_numpy(zero_copy_only=False),
                       bool)
    lp = np.asarray(pc.fill_null(pc.list_value_length(p), 0).to_numpy(), np.int64)
    lg = np.asarray(pc.fill_null(pc.list_value_length(g), 0).to_numpy(), np.int64)
    counts = np.zeros(n, np.int64)
    same = valid & (lp == lg) & (lp > 0)
    if same.any():
        rows = pa.array(np.flatnonzero(same))
        fp = pc.list_flatten(pc.take(p, rows)).cast(pa.string())
        fg = pc.list_flatten(pc.take(g, rows)).cast(pa.string())
        differ = np.asarray(pc.fill_null(pc.not_equal(fp, fg), True).to_numpy(
            zero_copy_only=False), np.int64)
        starts = np.concatenate([[0], np.cumsum(lp[same])[:-1]])
        counts[same] = np.add.reduceat(differ, starts)
    for i in np.flatnonzero(valid & ~same & ((lp > 0) | (lg > 0))):  # lengths differ
        a, b = p[int(i)].as_py(), g[int(i)].as_py()
        counts[i] = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
    return pa.array(counts, pa.int64(), mask=~valid)


def _sort_key(s: Any) -> tuple[str, str]:
    if isinstance(s, Mapping):
        name, order = str(s.get("field")), str(s.get("order", "asc"))
    else:
        name, order = str(s[0]), str(s[1]) if len(s) > 1 else "asc"
    order = {"asc": "ascending", "desc": "descending"}.get(order, order)
    if order not in ("ascending", "descending"):
        raise SpecError(f"sort on '{name}': order must be 'asc' or 'desc', got '{order}'")
    return name, order
