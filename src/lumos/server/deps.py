"""Lookups shared by the route modules: the workspace, models and datasets by name.

Unknown names answer 404 with a message that lists the known ones; a model that is
still loading answers 503, one that failed to load answers 500 with its error.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.engine import Workspace
from lumos.server.jobs import Jobs


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace  # type: ignore[no-any-return]


def jobs(request: Request) -> Jobs:
    return request.app.state.jobs  # type: ignore[no-any-return]


def model_status(ws: Workspace, name: str) -> tuple[str, str]:
    """``(status, error)`` with status ``ready``, ``loading`` or ``error``."""
    if name in ws.models:
        return "ready", ""
    state = ws.loading.get(name, "")
    if state.startswith("error"):
        return "error", state.removeprefix("error:").strip()
    return "loading", ""


def get_model(ws: Workspace, name: str) -> Model:
    model = ws.models.get(name)
    if model is not None:
        return model
    if name in ws.loading:
        status, error = model_status(ws, name)
        if status == "error":
            raise HTTPException(500, f"model '{name}' failed to load: {error}")
        raise HTTPException(503, f"model '{name}' is still loading")
    known = sorted({*ws.models, *ws.loading})
    raise HTTPException(404, f"no model named '{name}' (models: {known})")


def dataset_loading(request: Request) -> dict[str, str]:
    """Datasets still being built by their factories: name -> ``loading`` or ``error: ...``."""
    return request.app.state.dataset_loading  # type: ignore[no-any-return]


def get_dataset(ws: Workspace, name: str, pending: dict[str, Any] | None = None) -> Dataset:
    ds = ws.datasets.get(name)
    if ds is not None:
        return ds
    pending = pending or {}
    if name in pending:
        state = str(pending[name])
        if state.startswith("error"):
            raise HTTPException(500, f"dataset '{name}' failed to load: "
                                f"{state.removeprefix('error:').strip()}")
        raise HTTPException(503, f"dataset '{name}' is still loading")
    raise HTTPException(404, f"no dataset named '{name}' (datasets: {sorted(ws.datasets)})")
