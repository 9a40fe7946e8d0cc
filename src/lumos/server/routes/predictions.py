"""Predictions: a few examples at once (live edits), or a whole dataset as a job.

Every prediction goes through the engine (``Workspace.predict``), which batches and
caches; this module only picks fields and shapes the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from lumos.api import types as T
from lumos.api.dataset import ID_FIELD
from lumos.api.model import Model
from lumos.engine import Cancelled
from lumos.server import data
from lumos.server.arrow import ArrowResponse
from lumos.server.deps import dataset_loading, get_dataset, get_model, jobs, workspace
from lumos.server.responses import JSON
from lumos.store import keys

router = APIRouter(prefix="/api/predictions", tags=["predictions"])

MAX_EXAMPLES = 1000

#: output types shown as table columns (cheap, one value per row)
TABLE_TYPES = (T.MulticlassPreds, T.RegressionScore, T.GeneratedText,
               T.GeneratedTextCandidates, T.SequenceTags)


class PredictRequest(BaseModel):
    model: str
    dataset: str | None = Field(default=None, description="needed when giving ids")
    ids: list[str] | None = Field(default=None, description="rows of the dataset")
    examples: list[dict[str, Any]] | None = Field(
        default=None, description="examples given inline (e.g. an edit in progress)")
    fields: list[str] | None = Field(default=None,
                                     description="output fields; default: the cheap ones")


class JobRequest(BaseModel):
    model: str
    dataset: str


def table_fields(model: Model) -> list[str]:
    return [n for n, f in model.output_spec().items()
            if isinstance(f, TABLE_TYPES) and not f.expensive]


def _check_inputs(model: Model, name: str, examples: list[dict[str, Any]]) -> None:
    spec = {k: v for k, v in model.input_spec().items()}
    for n, ex in enumerate(examples):
        try:
            T.validate_example(spec, ex, where=f"example {n}")
        except T.SpecError as e:
            raise HTTPException(422, f"model '{name}': {e}") from None


@router.post("", response_class=JSON)
def predict(body: PredictRequest, request: Request) -> Any:
    """Outputs for ``ids`` of ``dataset`` or for inline ``examples`` (cached by content)."""
    ws = workspace(request)
    model = get_model(ws, body.model)
    if (body.ids is None) == (body.examples is None):
        raise HTTPException(422, "give either 'ids' (with 'dataset') or 'examples'")
    if body.ids is not None:
        if body.dataset is None:
            raise HTTPException(422, "'ids' needs 'dataset'")
        ds = get_dataset(ws, body.dataset, dataset_loading(request))
        if len(body.ids) > MAX_EXAMPLES:
            raise HTTPException(413, f"ids: at most {MAX_EXAMPLES} per request "
                                "(use a prediction job for a whole dataset)")
        try:
            examples = data.examples_by_id(ws, body.dataset, ds, body.ids)
        except KeyError as e:
            raise HTTPException(404, e.args[0]) from None
    else:
        examples = list(body.examples or [])
        if len(examples) > MAX_EXAMPLES:
            raise HTTPException(413, f"examples: at most {MAX_EXAMPLES} per request")
        _check_inputs(model, body.model, examples)
    spec = model.output_spec()
    for f in body.fields or []:
        if f not in spec:
            raise HTTPException(422, f"fields: model '{body.model}' has no output field "
                                f"'{f}' (fields: {sorted(spec)})")
    try:
        outputs = ws.predict(body.model, examples, fields=body.fields)
    except T.SpecError as e:
        raise HTTPException(500, str(e)) from None
    ids = ws.engine.row_labels(model, examples)
    return JSON({"model": body.model, "ids": ids, "outputs": outputs})


def _column(spec: T.FieldSpec, values: list[Any]) -> pa.Array:
    if isinstance(spec, T.MulticlassPreds):
        return pa.array([None if v is None else np.asarray(v, np.float32) for v in values],
                        pa.list_(pa.float32()))
    if isinstance(spec, T.RegressionScore):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if isinstance(spec, T.GeneratedTextCandidates):
        return pa.array([v[0][0] if v else None for v in values], pa.string())
    if isinstance(spec, T.GeneratedText):
        return pa.array(values, pa.string())
    return pa.array([None if v is None else list(v) for v in values], pa.list_(pa.string()))


def _run_all(request: Request, model_name: str, dataset: str
             ) -> tuple[Model, list[str], Callable[..., list[dict[str, Any]]]]:
    ws = workspace(request)
    model = get_model(ws, model_name)
    ds = get_dataset(ws, dataset, dataset_loading(request))
    table = data.rows_table(ws, dataset, ds)
    fields = table_fields(model)

    def run(**kwargs: Any) -> list[dict[str, Any]]:
        examples = table.drop_columns(["_parent"]).to_pylist()
        return ws.predict(model_name, examples, fields=fields, **kwargs)

    return model, table.column(ID_FIELD).to_pylist(), run


@router.get("/table", response_class=ArrowResponse, responses={200: {"content": {
    "application/vnd.apache.arrow.stream": {}}}})
def table(request: Request, model: str, dataset: str,
          cached_only: bool = Query(True, description="do not run the model; rows not yet "
                                    "predicted are null")) -> Any:
    """Per-row outputs for table columns (probabilities, scores, text, tags) as Arrow.

    A tagger's ``SequenceTags`` field whose gold is a dataset column also gets
    ``<field>:wrong_tags``, the number of tags that differ from gold (null: not predicted).
    Header ``X-Missing`` counts rows without predictions (start a job to fill them).
    """
    from lumos.engine.table_query import wrong_tag_counts

    ws = workspace(request)
    m, ids, run = _run_all(request, model, dataset)
    fields = table_fields(m)
    spec = m.output_spec()
    if cached_only:
        ds = get_dataset(ws, dataset, dataset_loading(request))
        names = list(m.input_spec())
        ckeys = keys.dataset_example_keys(ds, names) + keys.example_keys(
            m, data.user_rows(ws, dataset))
        got = ws.engine.cached(m, ckeys, fields) if fields else {}
        values = {f: [got.get((k, f)) for k in ckeys] for f in fields}
        missing = sum(1 for k in ckeys if any((k, f) not in got for f in fields))
    else:
        outs = run()
        values = {f: [o[f] for o in outs] for f in fields}
        missing = 0
    cols = {ID_FIELD: pa.array(ids, pa.string())}
    cols.update({f: _column(spec[f], values[f]) for f in fields})
    rows = data.rows_table(ws, dataset, get_dataset(ws, dataset, dataset_loading(request)))
    for f in fields:
        gold = getattr(spec[f], "parent", None)
        if isinstance(spec[f], T.SequenceTags) and gold in rows.column_names:
            cols[f"{f}:wrong_tags"] = wrong_tag_counts(cols[f], rows.column(gold))
    return ArrowResponse(pa.table(cols), headers={"X-Missing": str(missing),
                                                  "Access-Control-Expose-Headers": "X-Missing"})


@router.post("/jobs", response_class=JSON, status_code=202)
def start_job(body: JobRequest, request: Request) -> Any:
    """Predict every row of a dataset in the background; poll ``/api/jobs/{id}``."""
    _, ids, run = _run_all(request, body.model, body.dataset)

    def work(progress: Callable[[int, int], None], cancel: threading.Event) -> None:
        progress(0, len(ids))
        try:
            run(on_progress=progress, cancel=cancel)
        except Cancelled:
            if not cancel.is_set():
                raise

    job = jobs(request).submit("predict", (body.model, body.dataset),
                               f"Predicting {body.dataset} with {body.model}", work)
    return JSON(job.to_json(), status_code=202)
