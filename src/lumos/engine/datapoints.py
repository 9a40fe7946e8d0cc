"""Datapoints the user keeps: checked against the dataset's spec, given their content
key, stored with the row they came from (``Store.put_datapoint``), so they survive a
restart and show in the table linked to their parent.

The editor saves one at a time (``make_datapoint`` then the store); kept counterfactuals
come many at once with a named slice of them (:func:`keep_datapoints`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.dataset import ID_FIELD, PARENT_FIELD, Dataset
from lumos.engine import slices as named_slices
from lumos.engine.workspace import Workspace
from lumos.store.keys import datapoint_key


def content_fields(ds: Dataset) -> list[str]:
    """Spec fields present in the dataset's table (the fields its ids hash over)."""
    cols = set(ds.to_arrow().column_names)
    return [n for n in ds.spec() if n in cols]


def make_datapoint(ds: Dataset, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``values`` against the dataset's spec and give it its content id."""
    spec = ds.spec()
    unknown = sorted(k for k in values if k not in spec and k != ID_FIELD
                     and not k.startswith("_"))
    if unknown:
        raise T.SpecError(f"field '{unknown[0]}' is not in the dataset (fields: {sorted(spec)})")
    example = {k: values[k] for k in spec if values.get(k) is not None}
    T.validate_example(spec, example, where="new datapoint")
    names = content_fields(ds)
    example[ID_FIELD] = datapoint_key(example, names)
    return example


def keep_datapoints(ws: Workspace, dataset: str,
                    items: Sequence[tuple[Mapping[str, Any], str | None]], *,
                    slice_name: str | None = None, description: str = ""
                    ) -> dict[str, Any]:
    """Save each ``(values, parent)`` as a datapoint of ``dataset`` linked to its parent,
    then (with ``slice_name``) save them as a named slice. Every item is checked before
    any is stored, so a bad one stores nothing. Returns ``rows`` (as saved, with
    ``_parent``) and ``slice`` (or None)."""
    ds = ws.dataset(dataset)
    if slice_name is not None and not slice_name.strip():
        raise T.SpecError("slice: the slice name must not be empty")
    made = []
    for n, (values, parent) in enumerate(items):
        try:
            made.append((make_datapoint(ds, values), parent))
        except T.SpecError as e:
            raise T.SpecError(f"row {n}: {e}") from None
    for example, parent in made:
        ws.store.put_datapoint(dataset, example, parent=parent)
    rows = [{**ex, PARENT_FIELD: parent} for ex, parent in made]
    saved = None
    if slice_name is not None:
        saved = named_slices.save_slice(ws, dataset, slice_name.strip(),
                                        [r[ID_FIELD] for r in rows], description=description)
    return {"rows": rows, "slice": saved}


__all__ = ["content_fields", "keep_datapoints", "make_datapoint"]
