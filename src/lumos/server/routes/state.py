"""Saved state: selections, named slices, layouts and views, kept in the store."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Request

from lumos.server.deps import workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/state", tags=["state"])

NAMESPACES = ("selections", "slices", "layouts", "views", "settings")
Key = Annotated[str, Path(pattern=r"^[\w.\- ]{1,120}$")]


def _ns(namespace: str) -> str:
    if namespace not in NAMESPACES:
        raise HTTPException(404, f"no state namespace '{namespace}' "
                            f"(namespaces: {list(NAMESPACES)})")
    return namespace


@router.get("/{namespace}", response_class=JSON)
def list_state(namespace: str, request: Request) -> Any:
    return JSON(workspace(request).store.list_state(_ns(namespace)))


@router.get("/{namespace}/{key}", response_class=JSON)
def get(namespace: str, key: Key, request: Request) -> Any:
    value = workspace(request).store.get_state(_ns(namespace), key)
    if value is None:
        raise HTTPException(404, f"nothing saved under {namespace}/'{key}'")
    return JSON(value)


@router.put("/{namespace}/{key}", response_class=JSON)
def put(namespace: str, key: Key, request: Request,
        value: Annotated[Any, Body(description="any JSON value")]) -> Any:
    workspace(request).store.put_state(_ns(namespace), key, value)
    return JSON({"namespace": namespace, "key": key, "saved": True})


@router.delete("/{namespace}/{key}", response_class=JSON)
def delete(namespace: str, key: Key, request: Request) -> Any:
    if not workspace(request).store.delete_state(_ns(namespace), key):
        raise HTTPException(404, f"nothing saved under {namespace}/'{key}'")
    return JSON({"deleted": key})
