"""Datasets: specs, rows (paged JSON or one Arrow table) and user-created datapoints."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from lumos.api import types as T
from lumos.api.dataset import PARENT_FIELD
from lumos.server import data
from lumos.server.arrow import ArrowResponse
from lumos.server.deps import dataset_loading, get_dataset, workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/datasets", tags=["datasets"])

MAX_PAGE = 5000


class NewDatapoint(BaseModel):
    """A datapoint the user made, usually by editing ``parent``."""

    example: dict[str, Any] = Field(description="field values, checked against the spec")
    parent: str | None = Field(default=None, description="id of the row it was edited from")


def _dataset(request: Request, name: str) -> Any:
    return get_dataset(workspace(request), name, dataset_loading(request))


@router.get("", response_class=JSON)
def list_datasets(request: Request) -> Any:
    ws = workspace(request)
    out = [{"name": n, "size": data.total_rows(ws, n, ds), "description": ds.description(),
            "spec": T.spec_to_json(ds.spec()), "status": "ready"}
           for n, ds in ws.datasets.items()]
    for n, state in dataset_loading(request).items():
        if n not in ws.datasets:
            out.append({"name": n, "size": 0, "description": "", "spec": None,
                        "status": "error" if state.startswith("error") else "loading"})
    return JSON(out)


@router.get("/{name}", response_class=JSON)
def get(name: str, request: Request) -> Any:
    ws = workspace(request)
    ds = _dataset(request, name)
    return JSON({"name": name, "size": data.total_rows(ws, name, ds),
                 "description": ds.description(), "spec": T.spec_to_json(ds.spec()),
                 "status": "ready"})


@router.get("/{name}/rows", responses={200: {"content": {
    "application/json": {}, "application/vnd.apache.arrow.stream": {}}}})
def rows(name: str, request: Request, offset: int = Query(0, ge=0),
         limit: int = Query(100, ge=0, le=MAX_PAGE),
         format: Literal["json", "arrow"] = "json") -> Any:
    """Rows ``offset`` to ``offset+limit`` (the dataset, then user datapoints).

    ``format=arrow`` answers with an Arrow IPC stream; ``limit=0`` with it means every
    row, which is how the page loads a large table in one binary transfer.
    """
    ws = workspace(request)
    table = data.rows_table(ws, name, _dataset(request, name))
    total = table.num_rows
    if format == "arrow":
        part = table if limit == 0 else table.slice(offset, limit)
        return ArrowResponse(part, headers={"X-Total-Count": str(total)})
    part = table.slice(offset, limit)
    return JSON({"total": total, "offset": offset, "rows": part.to_pylist()})


class QueryBody(BaseModel):
    """A filter/sort/page query, run column-wise over Arrow by the engine."""

    filters: list[dict[str, Any]] = Field(
        default_factory=list, description='ANDed, e.g. {"field": "score", "op": ">", "value": 0.5}')
    sort: list[dict[str, str]] = Field(
        default_factory=list, description='e.g. [{"field": "score", "order": "desc"}]')
    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=0, le=MAX_PAGE)
    columns: list[str] | None = None
    format: Literal["json", "arrow"] = "arrow"


@router.post("/{name}/query", responses={200: {"content": {
    "application/json": {}, "application/vnd.apache.arrow.stream": {}}}})
def query_rows(name: str, body: QueryBody, request: Request) -> Any:
    """One page of the rows that pass ``filters``, in ``sort`` order (``X-Total-Count``
    says how many passed). Runs in the engine's table query, never row by row."""
    from lumos.engine.table_query import query

    ws = workspace(request)
    table = data.rows_table(ws, name, _dataset(request, name))
    try:
        res = query(table, filters=body.filters, sort=body.sort, offset=body.offset,
                    limit=body.limit, columns=body.columns)
    except (T.SpecError, KeyError) as e:
        raise HTTPException(422, str(e.args[0] if e.args else e)) from None
    if body.format == "arrow":
        return ArrowResponse(res.page, headers={"X-Total-Count": str(res.total)})
    return JSON({"total": res.total, "offset": res.offset, "rows": res.page.to_pylist()})


@router.get("/{name}/datapoints", response_class=JSON)
def list_datapoints(name: str, request: Request) -> Any:
    _dataset(request, name)
    return JSON(data.user_rows(workspace(request), name))


@router.post("/{name}/datapoints", response_class=JSON, status_code=201)
def add_datapoint(name: str, body: NewDatapoint, request: Request) -> Any:
    """Save a datapoint (kept in the store, so it survives a restart)."""
    ws = workspace(request)
    ds = _dataset(request, name)
    if body.parent is not None:
        try:
            data.examples_by_id(ws, name, ds, [body.parent])
        except KeyError as e:
            raise HTTPException(404, f"parent: {e.args[0]}") from None
    try:
        example = data.make_datapoint(ds, body.example)
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    ws.store.put_datapoint(name, example, parent=body.parent)
    return JSON({**example, PARENT_FIELD: body.parent}, status_code=201)


@router.delete("/{name}/datapoints/{ex_id}", response_class=JSON)
def delete_datapoint(name: str, ex_id: str, request: Request) -> Any:
    _dataset(request, name)
    if not workspace(request).store.delete_datapoint(name, ex_id):
        raise HTTPException(404, f"no saved datapoint with id '{ex_id}' in dataset '{name}'")
    return JSON({"deleted": ex_id})
