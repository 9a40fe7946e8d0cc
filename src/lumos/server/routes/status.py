"""Liveness and loading progress: answers at once, while models load behind it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

import lumos
from lumos.server.deps import dataset_loading, jobs, model_status, workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api", tags=["status"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": lumos.__version__}


@router.get("/status", response_class=JSON)
def status(request: Request) -> Any:
    """What is loaded, what is loading (or failed), and the running jobs."""
    ws = workspace(request)
    models = {n: dict(zip(("status", "error"), model_status(ws, n), strict=True))
              for n in [*ws.models, *[m for m in ws.loading if m not in ws.models]]}
    datasets: dict[str, dict[str, str]] = {n: {"status": "ready", "error": ""}
                                           for n in ws.datasets}
    for n, state in dataset_loading(request).items():
        if n not in datasets:
            err = state.removeprefix("error:").strip() if state.startswith("error") else ""
            datasets[n] = {"status": "error" if err else "loading", "error": err}
    running = [j.to_json() for j in jobs(request).all() if j.status in ("queued", "running")]
    ready = all(m["status"] != "loading" for m in models.values()) and \
        all(d["status"] != "loading" for d in datasets.values())
    return JSON({"ready": ready, "models": models, "datasets": datasets, "jobs": running})
