"""Exports: the rows of a frame (a selection, optionally one error set) with inputs,
predictions, gold and derived fields, written as CSV, JSONL or Parquet
(``lumos.datasets.export.write_table`` writes the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.datasets.export import EXPORT_FORMATS, write_table
from lumos.engine.error_sets import error_rows
from lumos.engine.frames import INDEX_COLUMN, build_frame
from lumos.engine.workspace import Workspace

__all__ = ["EXPORT_FORMATS", "export", "export_rows"]


def export_rows(frame_table: pa.Table, path: str | Path, fmt: str | None = None) -> Path:
    """Write frame rows (inputs, predictions, gold, derived fields) as CSV, JSONL or
    Parquet, without the frame's row index. The format comes from ``fmt`` or the file
    suffix. CSV cells holding lists are JSON."""
    table = frame_table.replace_schema_metadata(None)
    table = table.select([c for c in table.column_names if c != INDEX_COLUMN])
    return write_table(table, path, fmt)


def export(workspace: Workspace, model: str | Model | None, dataset: str | Dataset,
           path: str | Path, indices: Sequence[int] | None = None, *,
           error: tuple[str, str] | tuple[str, str, str | None] | None = None,
           fmt: str | None = None, margin: float = 0.0) -> dict[str, Any]:
    """Export rows (the selection ``indices``, or all) with inputs, predictions and gold;
    ``error=(field, kind[, label])`` keeps only that error set (see ``error_rows``).
    Returns ``{"path", "rows"}``."""
    table = build_frame(workspace, model, dataset, indices, margin=margin)
    if error is not None:
        field, kind, *rest = error
        table = table.take(pa.array(error_rows(table, field, kind, rest[0] if rest else None),
                                    pa.int64()))
    out = export_rows(table, path, fmt)
    return {"path": str(out), "rows": table.num_rows}
