"""A dataset's rows as the page sees them: the dataset, then the user's own datapoints.

User-created datapoints live in the store (``Store.put_datapoint``), keyed by dataset
name, so they survive a restart; each keeps the id of the row it was edited from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from lumos.api.dataset import ID_FIELD, PARENT_FIELD, Dataset
from lumos.engine import Workspace
from lumos.engine.datapoints import content_fields, make_datapoint


def user_rows(ws: Workspace, dataset: str) -> list[dict[str, Any]]:
    return ws.store.datapoints(dataset)  # type: ignore[no-any-return]


def total_rows(ws: Workspace, dataset: str, ds: Dataset) -> int:
    return len(ds) + len(user_rows(ws, dataset))


def examples_by_id(ws: Workspace, dataset: str, ds: Dataset,
                   ids: Sequence[str]) -> list[dict[str, Any]]:
    """Rows by id, from the dataset or the user's datapoints; KeyError names a missing id."""
    index: dict[str, int] = {}
    for i in ids:
        try:
            index[i] = ds.index_of(i)
        except KeyError:
            pass
    known = list(index)
    found = dict(zip(known, ds.examples([index[i] for i in known]), strict=True))
    missing = [i for i in ids if i not in found]
    if missing:
        extra = {r[ID_FIELD]: r for r in user_rows(ws, dataset)}
        for i in missing:
            if i not in extra:
                raise KeyError(f"no example with id '{i}' in dataset '{dataset}'")
            found[i] = extra[i]
    return [found[i] for i in ids]


def rows_table(ws: Workspace, dataset: str, ds: Dataset) -> pa.Table:
    """The dataset's table plus the user's datapoints, with a ``_parent`` column."""
    base = ds.to_arrow()
    extra = user_rows(ws, dataset)
    parents = pa.nulls(base.num_rows, pa.string())
    if extra:
        cols = base.column_names
        more = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in extra],
                                    schema=base.schema)
        base = pa.concat_tables([base, more])
        parents = pa.concat_arrays([parents, pa.array([r.get(PARENT_FIELD) for r in extra],
                                                      pa.string())])
    return base.append_column(PARENT_FIELD, parents)


__all__ = ["content_fields", "examples_by_id", "make_datapoint", "rows_table", "total_rows",
           "user_rows"]
