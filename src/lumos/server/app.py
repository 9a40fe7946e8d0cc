"""Assemble the FastAPI app for a workspace: routers from a list, guard, static UI.

Route modules are listed by name in ``ROUTERS``; a module that is not there yet (a
resource whose engine part is still being built) is skipped, so new resources plug in by
adding a module with a ``router``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

import lumos
from lumos.engine import Workspace
from lumos.server.jobs import Jobs
from lumos.server.responses import JSON
from lumos.server.security import DEFAULT_MAX_BODY, SELF_ONLY, Guard, check_frame_sources
from lumos.server.static import static_app

ROUTERS: tuple[str, ...] = (
    "lumos.server.routes.status",
    "lumos.server.routes.models",
    "lumos.server.routes.datasets",
    "lumos.server.routes.predictions",
    "lumos.server.routes.jobs",
    "lumos.server.routes.state",
    "lumos.server.routes.components",
    "lumos.server.routes.interpretations",
    "lumos.server.routes.metrics",
    "lumos.server.routes.projections",
    "lumos.server.routes.slices",
    "lumos.server.routes.selections",
    "lumos.server.routes.generators",
    "lumos.server.routes.audits",
)


def load_routers(names: Iterable[str]) -> list[Any]:
    routers = []
    for name in names:
        routers.append(importlib.import_module(name).router)
    return routers


def create_app(workspace: Workspace, *, token: str | None = None,
               max_body: int = DEFAULT_MAX_BODY, allowed_hosts: Sequence[str] | None = None,
               routers: Iterable[str] = ROUTERS, static_dir: Path | None = None,
               dataset_loading: dict[str, str] | None = None, jobs: Jobs | None = None,
               audit_dir: str | Path | None = None,
               forwarded_hosts: Sequence[str] | None = None,
               frame_ancestors: Sequence[str] = SELF_ONLY) -> FastAPI:
    """The app. ``token``: required on every request but ``/api/health`` when set.

    ``allowed_hosts``: Host header names accepted (``serve`` passes the loopback names
    when bound to loopback). ``dataset_loading``: datasets still being built, by name.
    ``audit_dir``: the directory audit reports are opened from by name (none: upload only).
    ``forwarded_hosts``: the public host names a reverse proxy may send in
    ``X-Forwarded-Host`` (none: that header is ignored). ``frame_ancestors``: who may
    show the page in a frame (``'self'``; the notebook adds its front-ends' origins).
    """
    app = FastAPI(title="lumos", version=lumos.__version__, default_response_class=JSON,
                  description="The lumos workbench API: models, datasets, predictions and "
                  "saved state. Large tables travel as Arrow IPC streams.")
    app.state.workspace = workspace
    app.state.jobs = jobs or Jobs()
    app.state.dataset_loading = dataset_loading if dataset_loading is not None else {}
    app.state.audit_dir = Path(audit_dir) if audit_dir is not None else None
    for router in load_routers(routers):
        app.include_router(router)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(Guard, token=token, max_body=max_body, allowed_hosts=allowed_hosts,
                       forwarded_hosts=forwarded_hosts,
                       frame_ancestors=check_frame_sources(frame_ancestors))
    app.mount("/", static_app(static_dir), name="ui")
    return app
