"""Groups of frame rows: facets (one group per value of a categorical column), numeric
bins (equal-width or quantile) and the scatter of two fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api.dataset import ID_FIELD
from lumos.api.types import SpecError
from lumos.engine.frames import INDEX_COLUMN

MISSING = "(missing)"


@dataclass
class Group:
    """A set of frame rows: a facet value, a bin or a slice."""

    label: str
    rows: np.ndarray  # positions in the frame
    kind: str = "facet"
    lo: float | None = None
    hi: float | None = None

    def to_json(self, frame: pa.Table | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "kind": self.kind,
                               "count": int(len(self.rows))}
        if self.lo is not None:
            out.update(lo=self.lo, hi=self.hi)
        if frame is not None:
            out["indices"] = frame.column(INDEX_COLUMN).take(
                pa.array(self.rows, pa.int64())).to_pylist()
        return out


def frame_column(frame: pa.Table, field: str) -> pa.ChunkedArray:
    if field not in frame.column_names:
        shown = [c for c in frame.column_names if c != INDEX_COLUMN]
        raise SpecError(f"field '{field}' is not in the dataset or its derived fields "
                        f"(fields: {shown})")
    return frame.column(field)


def is_numeric(col: pa.ChunkedArray | pa.Array) -> bool:
    t = col.type
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t))


def facet(frame: pa.Table, field: str) -> list[Group]:
    """One group per distinct value of a categorical field (missing values last)."""
    col = frame_column(frame, field)
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        raise SpecError(f"field '{field}' holds lists; facet by a categorical field")
    values = col.to_pylist()
    groups: dict[Any, list[int]] = {}
    for i, v in enumerate(values):
        groups.setdefault(v, []).append(i)
    keys = sorted((k for k in groups if k is not None), key=lambda k: (str(type(k)), k))
    out = [Group(_label(k), np.asarray(groups[k], np.int64)) for k in keys]
    if None in groups:
        out.append(Group(MISSING, np.asarray(groups[None], np.int64)))
    return out


def _label(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def bin_edges(values: np.ndarray, n_bins: int, method: str = "equal_width") -> np.ndarray:
    """Bin edges over the finite values: equal width or quantiles (duplicates merged)."""
    if n_bins < 1:
        raise SpecError(f"bins: need at least one bin, got {n_bins}")
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.zeros(0)
    lo, hi = float(v.min()), float(v.max())
    if method == "equal_width":
        if lo == hi:
            return np.array([lo, hi])
        return np.linspace(lo, hi, n_bins + 1)
    if method == "quantile":
        edges = np.quantile(v, np.linspace(0, 1, n_bins + 1))
        return np.unique(edges)
    raise SpecError(f"binning: unknown method {method!r} (use 'equal_width' or 'quantile')")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def bin_numeric(frame: pa.Table, field: str, n_bins: int = 10, method: str = "equal_width",
                *, keep_empty: bool = False) -> list[Group]:
    """Rows grouped into bins ``[lo, hi)`` (the last bin includes ``hi``)."""
    col = frame_column(frame, field)
    if not is_numeric(col):
        raise SpecError(f"field '{field}' is {col.type}, not numeric; facet it instead")
    values = np.asarray(pc.fill_null(pc.cast(col, pa.float64()), np.nan).to_numpy(),
                        np.float64)
    edges = bin_edges(values, n_bins, method)
    finite = np.isfinite(values)
    out = []
    if edges.size:
        if edges.size == 2 and edges[0] == edges[1]:
            which = np.where(finite, 0, -1)
        else:
            which = np.searchsorted(edges, values, side="right") - 1
            which = np.clip(which, 0, edges.size - 2)
            which = np.where(finite, which, -1)
        for b in range(max(edges.size - 1, 1)):
            rows = np.flatnonzero(which == b)
            if len(rows) == 0 and not keep_empty:
                continue
            lo, hi = float(edges[b]), float(edges[min(b + 1, edges.size - 1)])
            last = b == edges.size - 2 or edges.size == 2
            label = f"[{_fmt(lo)}, {_fmt(hi)}{']' if last else ')'}"
            out.append(Group(label, rows, kind="bin", lo=lo, hi=hi))
    missing = np.flatnonzero(~finite)
    if len(missing):
        out.append(Group(MISSING, missing, kind="bin"))
    return out


def group_by(frame: pa.Table, field: str, *, bins: int = 10, binning: str = "equal_width",
             max_facets: int = 50) -> list[Group]:
    """Facet a categorical field; bin a numeric one with more than ``bins`` values."""
    col = frame_column(frame, field)
    if is_numeric(col):
        distinct = len(pc.unique(col))
        if distinct > bins or distinct > max_facets:
            return bin_numeric(frame, field, bins, binning)
    return facet(frame, field)


def scatter(frame: pa.Table, x: str, y: str) -> dict[str, Any]:
    """Points (x, y) of two numeric (or boolean) frame columns, with dataset rows."""
    out: dict[str, Any] = {"x_field": x, "y_field": y}
    for axis, name in (("x", x), ("y", y)):
        col = frame_column(frame, name)
        if pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.int8())
        if not is_numeric(col):
            raise SpecError(f"field '{name}' is {col.type}, not numeric (scatter {axis})")
        out[axis] = pc.cast(col, pa.float64()).to_pylist()
    out["indices"] = frame.column(INDEX_COLUMN).to_pylist()
    out["ids"] = frame.column(ID_FIELD).to_pylist()
    return out
