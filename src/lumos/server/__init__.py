"""The workbench server: a thin FastAPI app over the engine, plus the built web UI.

``serve`` builds a :class:`~lumos.engine.Workspace` and runs uvicorn; ``create_app``
assembles the app for a workspace (tests use it with ``fastapi.testclient``). FastAPI is
imported only when one of them is used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name == "serve":
        from lumos.server.serve import serve

        return serve
    if name == "create_app":
        from lumos.server.app import create_app

        return create_app
    raise AttributeError(f"module 'lumos.server' has no attribute '{name}'")
