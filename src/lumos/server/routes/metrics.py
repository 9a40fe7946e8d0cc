"""Metrics by facet or bin, confusion matrices whose cells list their rows, score scatters.

Every number comes from the engine (``lumos.engine.aggregate``, ``frames``, ``grouping``
and ``error_sets``); rows travel as example ids so the page can select them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pyarrow as pa
from fastapi import APIRouter, HTTPException, Request
from pydantic import Field

from lumos.api import types as T
from lumos.engine import error_sets, frames, grouping
from lumos.engine.aggregate import applicable_metrics, compute_metrics
from lumos.server.deps import get_model, workspace
from lumos.server.responses import JSON
from lumos.server.routes.slices import (
    Decision,
    check_user_ids,
    dataset_of,
    ids_of,
    indices_of,
    spec_error,
)

router = APIRouter(prefix="/api/metrics", tags=["metrics"])


def _kind(t: pa.DataType) -> str:
    if pa.types.is_boolean(t) or pa.types.is_string(t) or pa.types.is_large_string(t) \
            or pa.types.is_dictionary(t):
        return "categorical"
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return "numeric"
    return "other"


@router.get("/fields", response_class=JSON)
def fields(request: Request, model: str, dataset: str) -> Any:
    """Fields to group, bin and plot by (dataset fields and derived ones), from one row.

    ``heads``: prediction fields with gold, each with the error sets that apply and, for
    classes, the vocabulary.
    """
    ws = workspace(request)
    m = get_model(ws, model)
    ds = dataset_of(request, dataset)
    if not len(ds):
        raise HTTPException(422, f"dataset '{dataset}' has no rows")
    try:
        frame = frames.build_frame(ws, m, ds, [0])
        pfs = frames.prediction_fields(m, ds.spec())
        scored = {pf.name for pf, _ in applicable_metrics(pfs)}
    except T.SpecError as e:
        raise spec_error(e) from None
    out = []
    for f in frame.schema:
        if f.name == frames.INDEX_COLUMN or f.name == "id":
            continue
        kind = _kind(f.type)
        if kind != "other":
            out.append({"name": f.name, "kind": kind, "derived": ":" in f.name})
    vocab = json.loads((frame.schema.metadata or {}).get(b"lumos.vocab", b"{}"))
    heads = []
    for pf in pfs:
        if pf.gold is None:
            continue
        if isinstance(pf.spec, T.MulticlassPreds):
            kinds = ["incorrect", "fp", "fn"]
        elif isinstance(pf.spec, T.SequenceTags):
            kinds = ["wrong_tags"]
        else:
            kinds = []
        heads.append({"field": pf.name, "gold": pf.gold, "type": pf.spec.type_name,
                      "vocab": vocab.get(pf.name), "errors": kinds,
                      "scored": pf.name in scored})
    return JSON({"model": model, "dataset": dataset, "fields": out, "heads": heads})


class Scope(Decision):
    model: str
    dataset: str
    ids: list[str] | None = Field(default=None, description="the selection (default: all)")


class MetricsRequest(Scope):
    by: str | None = Field(default=None, description="facet or bin by this field")
    bins: int = Field(default=10, ge=1, le=1000)
    binning: Literal["equal_width", "quantile"] = "equal_width"
    slices: bool = Field(default=True, description="add a row per saved slice")
    metrics: list[str] | None = None
    configs: dict[str, dict[str, Any]] | None = None


def with_decision(body: MetricsRequest) -> dict[str, dict[str, Any]] | None:
    """The request's metric configs with its binary decision folded into the
    classification metric's (an explicit config there wins)."""
    configs = dict(body.configs or {})
    if body.margin != 0.0 or body.positive_label is not None:
        configs["classification"] = {**body.decision(), **configs.get("classification", {})}
    return configs or None


@router.post("", response_class=JSON)
def metrics(body: MetricsRequest, request: Request) -> Any:
    """The metrics table: dataset, selection, slices and each facet value or bin.

    Each row carries the ``ids`` of its examples; a value undefined for a group is
    ``null`` with the reason in the row's ``undefined`` (by column), ``intervals`` holds
    95% intervals ``[lo, hi]`` and ``small`` marks groups under ``min_group_size`` rows.
    ``column_info`` gives each column's header (naming its averaging) and definition.
    """
    ws = workspace(request)
    m = get_model(ws, body.model)
    ds = dataset_of(request, body.dataset)
    check_user_ids(ws, body.dataset, ds, body.ids)
    indices, skipped = indices_of(ds, body.ids)
    try:
        result = compute_metrics(ws, m, ds, indices, by=body.by, bins=body.bins,
                                 binning=body.binning, slices=body.slices,
                                 metrics=body.metrics, configs=with_decision(body),
                                 with_indices=True)
    except T.SpecError as e:
        raise spec_error(e) from None
    except KeyError as e:
        raise HTTPException(404, str(e.args[0] if e.args else e)) from None
    result["model"], result["dataset"] = body.model, body.dataset
    for row in result["rows"]:
        row["ids"] = ids_of(ds, row.pop("indices"))
    result["skipped"] = skipped
    return JSON(result)


class ConfusionRequest(Scope):
    field: str = Field(description="a classification output with gold")


def _frame(request: Request, body: Scope, fields: list[str] | None = None) -> Any:
    ws = workspace(request)
    m = get_model(ws, body.model)
    ds = dataset_of(request, body.dataset)
    check_user_ids(ws, body.dataset, ds, body.ids)
    indices, _ = indices_of(ds, body.ids)
    try:
        return ds, frames.build_frame(ws, m, ds, indices, fields=fields, **body.decision())
    except T.SpecError as e:
        raise spec_error(e) from None


@router.post("/confusion", response_class=JSON)
def confusion(body: ConfusionRequest, request: Request) -> Any:
    """Confusion matrix (rows gold, columns predicted); ``ids[g][p]`` lists each cell's rows."""
    ds, frame = _frame(request, body, [body.field])
    try:
        cells = error_sets.confusion_cells(frame, body.field)
    except T.SpecError as e:
        raise spec_error(e) from None
    cells["ids"] = [[ids_of(ds, cell) for cell in row] for row in cells.pop("rows")]
    return JSON(cells)


class ScatterRequest(Scope):
    x: str
    y: str


@router.post("/scatter", response_class=JSON)
def scatter(body: ScatterRequest, request: Request) -> Any:
    """(x, y) of two numeric fields (e.g. a score against text length), with row ids."""
    _, frame = _frame(request, body)
    try:
        out = grouping.scatter(frame, body.x, body.y)
    except T.SpecError as e:
        raise spec_error(e) from None
    out.pop("indices", None)
    return JSON(out)
