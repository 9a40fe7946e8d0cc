"""Embedding projections: points as Arrow (float32 columns), computed once as a job.

Nothing is fitted when the page loads: ``GET /points`` answers only from the store's
cache (``204 No Content`` with ``X-Projection: missing`` otherwise: not computed yet is
a state, not an error, so the browser logs no failed request) and the page offers a
Compute button that starts ``POST /jobs``, whose progress names its real steps
(embeddings, pooling, fitting the method, storing the layout) in the job's ``stage``.
Fitting and caching are the engine's (``lumos.engine.projection``); this module picks
settings and shapes answers.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from lumos.api import registry
from lumos.api import types as T
from lumos.engine import projection as P
from lumos.server import data
from lumos.server.arrow import ArrowResponse
from lumos.server.deps import dataset_loading, get_dataset, get_model, jobs, workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/projections", tags=["projections"])


class Settings(BaseModel):
    """Which projection: the same settings give the same cached layout."""

    model: str
    dataset: str
    field: str = Field(default="embedding", description="an Embeddings/TokenEmbeddings output")
    method: str = Field(default="pca", description="a registered projector id")
    dims: int = Field(default=2, ge=2, le=3, description="2 or 3 components")
    config: dict[str, Any] = Field(default_factory=dict, description="projector options")
    layer: int | None = None
    tokens: str = "mean"


def _config(s: Settings) -> Any:
    try:
        cls = registry.get("projector", s.method)
    except KeyError:
        known = sorted(registry.available("projector"))
        raise HTTPException(422, f"method: no projector '{s.method}' (projectors: {known})"
                            ) from None
    values = {**s.config, "n_components": s.dims}
    try:
        return cls.make_config(values)
    except T.SpecError as e:
        raise HTTPException(422, f"config: {e}") from None


def _check(request: Request, s: Settings) -> tuple[Any, Any, Any]:
    ws = workspace(request)
    model = get_model(ws, s.model)
    ds = get_dataset(ws, s.dataset, dataset_loading(request))
    cfg = _config(s)
    fields = P.embedding_fields(model)
    if s.field not in fields:
        raise HTTPException(422, f"field: '{s.field}' is not an embeddings output of model "
                            f"'{s.model}' (embeddings fields: {fields})")
    return model, ds, cfg


def _key(request: Request, s: Settings, model: Any, ds: Any, cfg: Any) -> str:
    return P.cache_key(model, ds, s.field, s.method, cfg, s.layer, s.tokens)


@router.get("/options", response_class=JSON)
def options(request: Request, model: str) -> Any:
    """Embeddings fields of ``model`` and the projectors with their config forms."""
    m = get_model(workspace(request), model)
    methods = [{"id": cid, "display_name": cls.display_name, "config": cls.config_schema(),
                "can_place": "transform" in vars(cls)}
               for cid, cls in sorted(registry.available("projector").items())]
    return JSON({"model": model, "fields": P.embedding_fields(m), "methods": methods})


def _settings(model: str, dataset: str, field: str, method: str, dims: int,
              layer: int | None, tokens: str) -> Settings:
    return Settings(model=model, dataset=dataset, field=field, method=method, dims=dims,
                    layer=layer, tokens=tokens)


@router.get("/points", response_class=ArrowResponse, responses={200: {"content": {
    "application/vnd.apache.arrow.stream": {}}}, 204: {"description": "not computed yet"}})
def points(request: Request, model: str, dataset: str, field: str = "embedding",
           method: str = "pca", dims: int = Query(2, ge=2, le=3), layer: int | None = None,
           tokens: str = "mean",
           created: bool = Query(True, description="place the user's own datapoints too")
           ) -> Any:
    """Cached coordinates as Arrow: ``id``, ``index``, ``x``, ``y`` (``z``) as float32.

    Rows the user created are placed into the same layout when the method can place new
    points (column ``created`` marks them). Never fits: 204 with ``X-Projection: missing``
    (and ``X-Projection-Detail`` saying what to do) when not computed yet.
    """
    s = _settings(model, dataset, field, method, dims, layer, tokens)
    m, ds, cfg = _check(request, s)
    ws = workspace(request)
    key = _key(request, s, m, ds, cfg)
    if ws.store.get_state(P.NAMESPACE, key) is None:
        detail = (f"projection {method} of '{field}' for model '{model}' on dataset "
                  f"'{dataset}' is not computed yet (start a job: POST /api/projections/jobs)")
        return Response(status_code=204, headers={
            "X-Projection": "missing", "X-Projection-Detail": detail,
            "Access-Control-Expose-Headers": "X-Projection, X-Projection-Detail"})
    result = P.project(ws, m, ds, s.field, s.method, cfg, layer=s.layer, tokens=s.tokens)
    table: pa.Table = result["points"]
    table = table.append_column("created", pa.array(np.zeros(table.num_rows, bool)))
    extra = data.user_rows(ws, dataset) if created else []
    if extra and s.tokens == "mean":
        try:
            coords = P.place(ws, m, ds, [{k: v for k, v in r.items() if not k.startswith("_")}
                                         for r in extra], s.field, s.method, cfg,
                             layer=s.layer, tokens=s.tokens)
        except NotImplementedError:
            coords = None
        if coords is not None:
            cols: dict[str, Any] = {"id": pa.array([r["id"] for r in extra], pa.string()),
                                    "index": pa.array([-1] * len(extra), pa.int64())}
            for k, axis in enumerate("xyz"[:coords.shape[1]]):
                cols[axis] = pa.array(coords[:, k].astype(np.float32))
            cols["created"] = pa.array([True] * len(extra))
            more = pa.table(cols).select(table.column_names)
            table = pa.concat_tables([table, more])
    return ArrowResponse(table, headers={"X-Projection-Key": result["key"],
                                         "Access-Control-Expose-Headers": "X-Projection-Key"})


@router.post("/jobs", response_class=JSON, status_code=202)
def start(body: Settings, request: Request) -> Any:
    """Fit a projection in the background (predicting embeddings first); poll the job."""
    m, ds, cfg = _check(request, body)
    ws = workspace(request)
    key = _key(request, body, m, ds, cfg)

    def work(progress: Callable[..., None], cancel: threading.Event) -> None:
        progress(0, 1, "embeddings")
        P.project(ws, m, ds, body.field, body.method, cfg, layer=body.layer,
                  tokens=body.tokens, on_progress=progress, cancel=cancel)
        progress(1, 1, "done")

    label = f"{body.method.upper()} of {body.model} · {body.field} on {body.dataset}"
    job = jobs(request).submit("projection", (body.model, body.dataset, key), label, work)
    return JSON({**job.to_json(), "projection": key,
                 "config": dataclasses.asdict(cfg)}, status_code=202)


class PlaceRequest(Settings):
    examples: list[dict[str, Any]] = Field(description="new examples, e.g. an edit")


@router.post("/place", response_class=JSON)
def place_points(body: PlaceRequest, request: Request) -> Any:
    """Coordinates of new examples in a computed layout (methods that can place points)."""
    m, ds, cfg = _check(request, body)
    ws = workspace(request)
    if ws.store.get_state(P.NAMESPACE, _key(request, body, m, ds, cfg)) is None:
        raise HTTPException(404, f"projection {body.method} of '{body.field}' is not "
                            "computed yet")
    try:
        coords = P.place(ws, m, ds, body.examples, body.field, body.method, cfg,
                         layer=body.layer, tokens=body.tokens)
    except NotImplementedError as e:
        raise HTTPException(422, f"method: {e}") from None
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    return JSON({"coords": coords.tolist()})
