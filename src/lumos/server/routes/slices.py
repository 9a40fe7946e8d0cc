"""Named slices, error sets and exports of rows with their inputs, predictions and gold.

Slices are sets of example ids kept in the store (``lumos.engine.slices``), so they
survive restarts. Error sets (false positives, false negatives, wrong predictions,
wrong tags) and exports are computed by the engine over the dataset's frame; rows the
user created are not part of the dataset's frame and are skipped (counted in
``skipped`` / ``X-Skipped``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from lumos.api import types as T
from lumos.api.dataset import Dataset
from lumos.engine import error_sets, frames
from lumos.engine import export as exports
from lumos.engine import slices as named_slices
from lumos.engine.workspace import Workspace
from lumos.server.deps import dataset_loading, get_dataset, get_model, workspace
from lumos.server.responses import JSON

router = APIRouter(prefix="/api/slices", tags=["slices"])

MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson",
         "parquet": "application/vnd.apache.parquet"}


# ------------------------------------------------------------------ helpers (also for metrics)


def dataset_of(request: Request, name: str) -> Dataset:
    return get_dataset(workspace(request), name, dataset_loading(request))


def indices_of(ds: Dataset, ids: Sequence[str] | None) -> tuple[list[int] | None, int]:
    """Dataset rows of ``ids`` (None: every row) and how many ids were skipped.

    Ids of rows the user created are skipped; an id known nowhere is a 404.
    """
    if ids is None:
        return None, 0
    out, skipped = [], 0
    for i in ids:
        try:
            out.append(ds.index_of(i))
        except KeyError:
            skipped += 1
    return out, skipped


def check_user_ids(ws: Workspace, dataset: str, ds: Dataset, ids: Sequence[str] | None
                   ) -> None:
    if ids is None:
        return
    known = {r["id"] for r in ws.store.datapoints(dataset)}
    for i in ids:
        if i not in known:
            try:
                ds.index_of(i)
            except KeyError:
                raise HTTPException(404, f"ids: no example with id '{i}' in dataset "
                                    f"'{dataset}'") from None


def ids_of(ds: Dataset, indices: Sequence[int]) -> list[str]:
    all_ids = ds.ids
    return [all_ids[i] for i in indices]


def spec_error(e: Exception) -> HTTPException:
    return HTTPException(422, str(e.args[0] if e.args else e))


# ------------------------------------------------------------------ named slices


class SliceBody(BaseModel):
    ids: list[str] = Field(description="example ids in the slice")
    description: str = ""


def _public(value: dict[str, Any]) -> dict[str, Any]:
    return {**value, "count": len(value.get("ids", []))}


@router.get("/{dataset}", response_class=JSON)
def list_slices(dataset: str, request: Request) -> Any:
    dataset_of(request, dataset)
    saved = named_slices.list_slices(workspace(request), dataset)
    return JSON([_public(v) for v in saved.values()])


@router.put("/{dataset}/{name}", response_class=JSON)
def save(dataset: str, name: str, body: SliceBody, request: Request) -> Any:
    """Save (or replace) a named slice; it is kept in the store."""
    dataset_of(request, dataset)
    try:
        value = named_slices.save_slice(workspace(request), dataset, name, body.ids,
                             description=body.description)
    except T.SpecError as e:
        raise spec_error(e) from None
    return JSON(_public(value))


@router.get("/{dataset}/{name}", response_class=JSON)
def get(dataset: str, name: str, request: Request) -> Any:
    dataset_of(request, dataset)
    try:
        return JSON(_public(named_slices.get_slice(workspace(request), dataset, name)))
    except KeyError as e:
        raise HTTPException(404, e.args[0]) from None


@router.delete("/{dataset}/{name}", response_class=JSON)
def delete(dataset: str, name: str, request: Request) -> Any:
    dataset_of(request, dataset)
    if not named_slices.delete_slice(workspace(request), dataset, name):
        raise HTTPException(404, f"no slice named '{name}' for dataset '{dataset}'")
    return JSON({"deleted": name})


# ------------------------------------------------------------------ error sets


class Decision(BaseModel):
    """How a two-class head turns probabilities into a label (the workbench's threshold
    slider): predict ``positive_label`` when its log-odds reach ``margin``."""

    margin: float = Field(default=0.0, description="binary heads: log-odds of the positive "
                          "class needed to predict it (0: argmax; log(t/(1-t)) for a "
                          "probability threshold t)")
    positive_label: str | None = Field(default=None, description="binary heads: the "
                                       "positive class (default: the second label)")

    def decision(self) -> dict[str, Any]:
        return {"margin": self.margin, "positive_label": self.positive_label}


class ErrorSet(Decision):
    model: str
    dataset: str
    field: str = Field(description="a prediction field with gold (e.g. 'probas')")
    kind: Literal["fp", "fn", "incorrect", "wrong_tags"]
    label: str | None = Field(default=None, description="the class for fp/fn with more "
                              "than two classes (default: the positive class)")


def error_ids(request: Request, body: ErrorSet) -> tuple[Dataset, list[int]]:
    ws = workspace(request)
    model = get_model(ws, body.model)
    ds = dataset_of(request, body.dataset)
    try:
        frame = frames.build_frame(ws, model, ds, fields=[body.field], **body.decision())
        rows = error_sets.error_rows(frame, body.field, body.kind, body.label)
    except T.SpecError as e:
        raise spec_error(e) from None
    idx = frame.column(frames.INDEX_COLUMN).to_numpy()[rows].tolist()
    return ds, idx


@router.post("/errors", response_class=JSON)
def errors(body: ErrorSet, request: Request) -> Any:
    """Ids of an error set: false positives/negatives, wrong predictions or wrong tags."""
    ds, idx = error_ids(request, body)
    return JSON({**body.model_dump(), "ids": ids_of(ds, idx), "count": len(idx)})


# ------------------------------------------------------------------ exports


class ExportRequest(Decision):
    dataset: str
    model: str | None = Field(default=None, description="adds its predictions and the "
                              "derived fields (correct, error, confidence)")
    format: Literal["csv", "jsonl", "parquet"] = "csv"
    ids: list[str] | None = Field(default=None, description="rows to export (default all)")
    error: ErrorSet | None = Field(default=None, description="export this error set instead")
    fields: list[str] | None = Field(default=None, description="prediction fields to add")
    models: list[str] | None = Field(
        default=None, description="more models whose predictions join the export; with "
        "more than one model, each model's columns are named 'model/column'")


@router.post("/export", responses={200: {"content": {m: {} for m in MEDIA.values()}}})
def export(body: ExportRequest, request: Request) -> Any:
    """The rows as a file (CSV, JSONL or Parquet) with inputs, predictions and gold."""
    ws = workspace(request)
    ds = dataset_of(request, body.dataset)
    model = get_model(ws, body.model) if body.model else None
    skipped = 0
    what = "rows"
    if body.error is not None:
        if body.error.dataset != body.dataset:
            raise HTTPException(422, "error.dataset: must be the export's dataset")
        if model is None:
            model = get_model(ws, body.error.model)
        _, indices = error_ids(request, body.error)
        what = body.error.kind
    elif body.ids is not None:
        check_user_ids(ws, body.dataset, ds, body.ids)
        indices, skipped = indices_of(ds, body.ids)
        what = "selection"
    else:
        indices = None
    first = body.model or (body.error.model if body.error is not None else None)
    others = [m for m in dict.fromkeys(body.models or []) if m != first]
    for m in others:
        get_model(ws, m)  # 404 naming the model
    if first is None and others:
        first, others, model = others[0], others[1:], get_model(ws, others[0])
    try:
        frame = exports.models_frame(ws, first, others, ds, indices, fields=body.fields,
                                     **body.decision())
    except T.SpecError as e:
        raise spec_error(e) from None
    name = f"{body.dataset}-{what}.{body.format}"
    with tempfile.TemporaryDirectory(prefix="lumos-export-") as tmp:
        path = exports.export_rows(frame, Path(tmp) / name, body.format, model_name=(
            body.model or (body.error.model if body.error is not None else None)))
        content = path.read_bytes()
    return Response(content, media_type=MEDIA[body.format], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Rows": str(frame.num_rows), "X-Skipped": str(skipped),
        "Access-Control-Expose-Headers": "X-Rows, X-Skipped, Content-Disposition"})
