"""Named slices: sets of example ids of a dataset, kept in the store's ``slices``
namespace under ``"<dataset>/<name>"``, so they survive restarts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from lumos.api.types import SpecError
from lumos.engine.workspace import Workspace

SLICES = "slices"


def _slice_key(dataset: str, name: str) -> str:
    if not name or not name.strip():
        raise SpecError("slice name: must not be empty")
    return f"{dataset}/{name}"


def save_slice(workspace: Workspace, dataset: str, name: str, ids: Sequence[str], *,
               description: str = "") -> dict[str, Any]:
    """Save (or replace) a named slice of ``dataset``: a set of example ids (rows of the
    dataset or datapoints saved for it)."""
    ds = workspace.dataset(dataset)
    known = set(ds.ids) | {r["id"] for r in workspace.store.datapoints(dataset)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SpecError(f"slice '{name}': id '{unknown[0]}' is not in dataset '{dataset}'")
    value = {"dataset": dataset, "name": name, "ids": list(dict.fromkeys(ids)),
             "description": description, "created": time.time()}
    workspace.store.put_state(SLICES, _slice_key(dataset, name), value)
    return value


def get_slice(workspace: Workspace, dataset: str, name: str) -> dict[str, Any]:
    value = workspace.store.get_state(SLICES, _slice_key(dataset, name))
    if value is None:
        raise KeyError(f"no slice named '{name}' for dataset '{dataset}' "
                       f"(slices: {sorted(list_slices(workspace, dataset))})")
    return dict(value)


def list_slices(workspace: Workspace, dataset: str) -> dict[str, dict[str, Any]]:
    prefix = f"{dataset}/"
    return {v["name"]: v for k, v in workspace.store.list_state(SLICES).items()
            if k.startswith(prefix)}


def delete_slice(workspace: Workspace, dataset: str, name: str) -> bool:
    return bool(workspace.store.delete_state(SLICES, _slice_key(dataset, name)))


def slice_indices(workspace: Workspace, dataset: str, name: str) -> list[int]:
    """Row indices of a saved slice (ids no longer in the dataset are skipped)."""
    ds = workspace.dataset(dataset)
    out = []
    for i in get_slice(workspace, dataset, name)["ids"]:
        try:
            out.append(ds.index_of(i))
        except KeyError:
            continue
    return out
