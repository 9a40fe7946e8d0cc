"""An Arrow-backed dataset: rows stay columnar; checks and ids are computed per column."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api import types as T
from lumos.api.dataset import ID_FIELD, Dataset
from lumos.api.types import Spec, SpecError
from lumos.store.keys import row_keys


class DatasetError(SpecError):
    """A dataset file or table is unusable; the message names the file, column and row."""


class ArrowDataset(Dataset):
    """A dataset over a ``pyarrow.Table`` whose columns are the spec's fields."""

    def __init__(self, table: pa.Table, spec: Spec, *, name: str = "dataset",
                 description: str = "", source: str = "", check: bool = True,
                 locate: Callable[[int], str] | None = None) -> None:
        self.name = name
        self._spec = dict(spec)
        self._description = description
        where = source or name
        #: where the rows come from (a file's path), and how a row is named in messages
        self.source, self.locate = where, locate
        self._checked: set[str] = set()
        if check:
            check_table(table, self._spec, where, locate)
        keep = [c for c in self._spec if c in table.column_names]
        # row keys: the user's id column (checked: no blanks, no repeats), else content
        # plus occurrence; never the cache key, which is over a model's inputs
        ids = row_keys(table, keep, where=where, locate=locate)
        self._table = table.select(keep).append_column(ID_FIELD, ids)
        self._ids: list[str] | None = None

    # --- contract
    def spec(self) -> Spec:
        return dict(self._spec)

    def __len__(self) -> int:
        return int(self._table.num_rows)

    @property
    def ids(self) -> Sequence[str]:
        if self._ids is None:
            self._ids = self._table.column(ID_FIELD).to_pylist()
        return self._ids

    def examples(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        idx = pa.array(list(indices), pa.int64())
        rows: list[dict[str, Any]] = self._table.take(idx).to_pylist()
        return rows

    def to_arrow(self) -> pa.Table:
        return self._table

    def description(self) -> str:
        return self._description

    def check_fields(self, spec: Spec) -> None:
        """Check the values of the fields a model uses against that model's types (e.g.
        no blank text where the model needs text); the message names the file, the
        column and the row. Columns no model uses are never checked this way."""
        key = repr(sorted(spec.items(), key=lambda kv: kv[0]))
        if key in self._checked:
            return
        check_table(self._table, {k: v for k, v in spec.items() if k in self._spec},
                    self.source, self.locate)
        self._checked.add(key)

    def with_rows(self, rows: Sequence[Mapping[str, Any]]) -> ArrowDataset:
        """A new dataset with ``rows`` appended (for user-created datapoints)."""
        if not rows:
            return self
        extra = pa.Table.from_pylist([{c: r.get(c) for c in self._table.column_names}
                                      for r in rows], schema=self._table.schema)
        table = pa.concat_tables([self._table, extra])
        return ArrowDataset(table, self._spec, name=self.name,
                            description=self._description, check=False,
                            source=self.source, locate=self.locate)


def _first_true(mask: pa.ChunkedArray | pa.Array) -> int | None:
    idx = pc.index(mask, True).as_py()
    return None if idx is None or idx < 0 else int(idx)


def row_at(row: int) -> str:
    """A row as messages name it when there is no file line to point at (from 0)."""
    return f"row {row}"


def check_table(table: pa.Table, spec: Spec, where: str,
                locate: Callable[[int], str] | None = None) -> None:
    """Vectorised checks of each column against its field type.

    Raises DatasetError naming ``where`` (file), the column and the first bad row, as
    ``locate(row)`` names it (a file's line; default ``row N``, counted from 0).
    """
    at = locate or row_at
    cols = table.column_names
    for name, fs in spec.items():
        if name not in cols:
            if fs.required:
                raise DatasetError(f"{where}: column '{name}' is required but missing "
                                   f"(columns: {cols})")
            continue
        col = table.column(name)
        nulls = col.is_null()
        if fs.required and col.null_count:
            first = _first_true(nulls) or 0
            raise DatasetError(f"{where}: column '{name}' has a missing value "
                               f"(empty, null or NaN) at {at(first)}")
        if isinstance(fs, T.TextSegment | T.CategoryLabel | T.GeneratedText):
            if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
                raise DatasetError(f"{where}: column '{name}' should hold text, "
                                   f"found {col.type}")
        if isinstance(fs, T.TextSegment) and not fs.allow_empty:
            empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0)
            row = _first_true(pc.fill_null(empty, False))
            if row is not None:
                raise DatasetError(f"{where}: column '{name}' has empty text at {at(row)}")
        elif isinstance(fs, T.CategoryLabel) and fs.vocab is not None:
            bad = pc.invert(pc.is_in(col, value_set=pa.array(list(fs.vocab))))
            row = _first_true(pc.and_(bad, pc.invert(nulls)))
            if row is not None:
                raise DatasetError(
                    f"{where}: column '{name}' has label {col[row].as_py()!r} at {at(row)}, "
                    f"which is not one of {list(fs.vocab)}")
        elif isinstance(fs, T.Scalar):
            if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
                raise DatasetError(f"{where}: column '{name}' should be numeric, "
                                   f"found {col.type}")
            if pa.types.is_floating(col.type):
                nan = pc.fill_null(pc.is_nan(col), False)
                row = _first_true(nan)
                if row is not None:
                    raise DatasetError(f"{where}: column '{name}' is NaN at {at(row)}")
        elif isinstance(fs, T.Tokens | T.SequenceTags):
            if not pa.types.is_list(col.type) and not pa.types.is_large_list(col.type):
                raise DatasetError(f"{where}: column '{name}' should hold lists of "
                                   f"tokens, found {col.type}")
            if isinstance(fs, T.SequenceTags) and fs.vocab is not None:
                flat = pc.list_flatten(col)
                bad = pc.invert(pc.is_in(flat, value_set=pa.array(list(fs.vocab))))
                pos = _first_true(bad)
                if pos is not None:
                    ends = np.cumsum(pc.fill_null(pc.list_value_length(col), 0).to_numpy())
                    row = int(np.searchsorted(ends, pos, side="right"))
                    raise DatasetError(f"{where}: column '{name}' has tag "
                                       f"{flat[pos].as_py()!r} at {at(row)}, not one of "
                                       f"{list(fs.vocab)}")
            align = getattr(fs, "align", None)
            if align and align in cols:
                diff = pc.not_equal(pc.list_value_length(col),
                                    pc.list_value_length(table.column(align)))
                row = _first_true(pc.fill_null(diff, False))
                if row is not None:
                    raise DatasetError(f"{where}: {at(row)} has a different number of "
                                       f"'{name}' than '{align}'")
