"""Models: their specs (which decide the page's modules) and loading state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lumos.api import types as T
from lumos.engine import Workspace, compatibility_problem
from lumos.server.deps import get_model, model_status, workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/models", tags=["models"])


def model_info(ws: Workspace, name: str) -> dict[str, Any]:
    status, error = model_status(ws, name)
    info: dict[str, Any] = {"name": name, "status": status, "error": error,
                            "description": "", "input_spec": None, "output_spec": None,
                            "datasets": []}
    model = ws.models.get(name)
    if model is not None:
        info.update(
            description=model.description(),
            input_spec=T.spec_to_json(model.input_spec()),
            output_spec=T.spec_to_json(model.output_spec()),
            datasets=[d for d, ds in ws.datasets.items()
                      if compatibility_problem(model, ds.spec()) is None],
        )
    return info


@router.get("", response_class=JSON)
def list_models(request: Request) -> Any:
    """Every model, ready or still loading, with its input and output specs."""
    ws = workspace(request)
    names = [*ws.models, *[m for m in ws.loading if m not in ws.models]]
    return JSON([model_info(ws, n) for n in names])


@router.get("/{name}", response_class=JSON)
def get(name: str, request: Request) -> Any:
    ws = workspace(request)
    if name not in ws.loading:
        get_model(ws, name)  # 404 with the known names
    return JSON(model_info(ws, name))
