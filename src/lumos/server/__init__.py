"""The workbench server: a thin FastAPI app over the engine, plus the built web UI.

``lumos.server.serve.serve`` (also ``lumos.serve``) builds a
:class:`~lumos.engine.Workspace` and runs uvicorn; ``create_app`` assembles the app for a
workspace (tests use it with ``fastapi.testclient``). FastAPI is imported only when one of
them is used. (``serve`` is not re-exported here: the submodule of the same name would
shadow it as soon as it is imported.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from lumos.server.app import create_app

        return create_app
    raise AttributeError(f"module 'lumos.server' has no attribute '{name}'")
