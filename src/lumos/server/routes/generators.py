"""Counterfactual generators: which apply, a generation job on selected rows, its rows
and statistics, and keeping rows as datapoints with a named slice.

A thin caller of the engine: ``lumos.engine.generate`` (listing, config checks and the
run the CLI and Python share), ``lumos.engine.counterfactual_rows.page_result`` (the
rows with their changed spans, prediction changes and validity, and
``run_statistics``), ``lumos.engine.datapoints.keep_datapoints`` (saving kept rows
linked to their parents, and their slice). A run is a job (``/api/jobs``: progress,
``DELETE`` cancels it); its result is read from ``GET /jobs/{id}/result``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from lumos.api import types as T
from lumos.api.component import Generator, SpanChange
from lumos.engine.counterfactual_rows import kept_example, page_result
from lumos.engine.datapoints import keep_datapoints
from lumos.engine.generate import (
    check_config,
    generate,
    generator_infos,
    get_generator,
    incompatibility,
)
from lumos.server import data
from lumos.server.deps import dataset_loading, get_dataset, get_model, jobs, workspace
from lumos.store.keys import config_hash

router = APIRouter(prefix="/api/generators", tags=["generators"])

#: parent rows per generation job at most (a search predicts many candidates for each)
MAX_PARENTS = 500
KIND = "generate"


# ------------------------------------------------------------------ models
class ConfigField(BaseModel):
    name: str
    type: str = Field(description="the option's type as declared: int, float, bool, str")
    default: Any = None
    help: str = ""
    choices: list[Any] | None = Field(default=None, description="the values it accepts")
    multiline: bool = Field(default=False, description="a text option of several lines")


class GeneratorInfo(BaseModel):
    id: str
    display_name: str
    description: str
    version: str
    tasks: list[str]
    needs_model: bool
    config: list[ConfigField]
    example_config: dict[str, Any] = Field(
        default_factory=dict, description="options that make it produce something on "
        "ordinary English text (a starting point for the form)")
    compatible: bool = Field(description="whether it runs on the model over the dataset")
    reason: str = Field(default="", description="why not, when it does not")


class GenerateRequest(BaseModel):
    model: str
    dataset: str
    generator: str = Field(description="generator id, e.g. word_replace or group_swap")
    config: dict[str, Any] = Field(default_factory=dict,
                                   description="the generator's options (see GET)")
    ids: list[str] = Field(description="row ids of the parents (dataset rows or saved "
                           "datapoints)", min_length=1)
    reference: str | None = Field(default=None, description="class whose score shift and "
                                  "group gaps are reported (default: the last class)")
    delta: float = Field(default=0.02, ge=0, description="a group gap is flagged when "
                         "its interval lies outside ±delta (probability)")
    min_pairs: int = Field(default=30, ge=1, description="fewer originals with a swap: "
                           "'not enough evidence'")
    seed: int = Field(default=0, description="seed of the bootstrap intervals")


class JobInfo(BaseModel):
    id: str
    kind: str
    label: str
    status: str = Field(description="queued | running | done | error | cancelled")
    done: int
    total: int
    error: str
    stage: str
    key: list[str]
    started: float
    finished: float | None


class Prediction(BaseModel):
    """The model's first class (or regression) output, before and after."""

    field: str | None = Field(description="the output field (None in an audit report's "
                              "rows, which do not name it)")
    kind: str = Field(description="class or regression")
    label: str | None
    score: float | None = Field(description="probability of the predicted class, or the "
                                "value (None in an audit report's rows, which keep only "
                                "the change)")
    parent_label: str | None
    parent_score: float | None
    flipped: bool | None = Field(description="the predicted class differs from the "
                                 "parent's")
    delta: float | None = Field(description="change of the parent's class probability "
                                "(regression: of the value)")


class CounterfactualRow(BaseModel):
    id: str = Field(description="the new row's content key")
    parent: str | None
    parent_status: str | None
    example: dict[str, Any] = Field(description="the new row's dataset fields")
    parent_example: dict[str, Any] = Field(description="the parent's values of the "
                                           "fields that changed")
    changes: list[SpanChange] = Field(description="each edit, in character offsets "
                                      "(lumos.api.component.SpanChange)")
    prediction: Prediction | None
    change: dict[str, Any] | None = Field(description="every output's change, by field")
    valid: bool | None = Field(description="False: a check failed; None: not every check "
                               "could run")
    failed_checks: list[str]
    validity: dict[str, str] = Field(description="check -> passed | failed | not_checked "
                                     "| not_applicable")
    flags: list[str]
    meta: dict[str, Any]
    expect: dict[str, Any] | None


class ParentResult(BaseModel):
    id: str
    status: str = Field(description="ok | no_change | budget_exhausted | skipped | "
                        "truncated")
    notes: dict[str, Any]


class GenerationResult(BaseModel):
    job: str
    model: str
    dataset: str
    generator: str
    version: str
    config: dict[str, Any]
    config_hash: str
    summary: dict[str, Any] = Field(description="counts: parents, rows, statuses, validity")
    parents: list[ParentResult]
    rows: list[CounterfactualRow]
    statistics: dict[str, Any] | None = Field(
        description="run_statistics: 'raw' and 'valid' views (flip rate with Wilson "
        "interval, accuracy drop and score shift with bootstrap intervals, group gap per "
        "direction with its verdict), attack_summary; None for a non-classifier")
    attack_table: list[list[str]] | None = Field(description="TextAttack's summary rows")
    statistics_note: str


class KeepRequest(BaseModel):
    ids: list[str] | None = Field(default=None, description="ids of rows of the result to "
                                  "keep (default: every row)")
    slice: str | None = Field(default=None, description="save the kept rows as this "
                              "named slice")
    description: str = ""


class SliceInfo(BaseModel):
    dataset: str
    name: str
    ids: list[str]
    description: str
    count: int


class KeepResult(BaseModel):
    dataset: str
    rows: list[dict[str, Any]] = Field(description="the saved datapoints, each with its "
                                       "id and _parent")
    ids: dict[str, str] = Field(description="generated row id -> saved datapoint id")
    slice: SliceInfo | None


# ------------------------------------------------------------------ helpers
def _generator(gid: str) -> Generator:
    try:
        return get_generator(gid)
    except T.SpecError as e:
        raise HTTPException(404, str(e)) from None


def _job_result(request: Request, job_id: str) -> dict[str, Any]:
    job = jobs(request).get(job_id)
    if job is None or job.kind != KIND:
        raise HTTPException(404, f"no generation job with id '{job_id}'")
    if job.status != "done":
        detail = f": {job.error}" if job.error else ""
        raise HTTPException(409, f"generation job '{job_id}' is {job.status}{detail}")
    return job.result  # type: ignore[no-any-return]


# ------------------------------------------------------------------ routes
@router.get("", response_model=list[GeneratorInfo])
def list_generators(request: Request, model: str = Query(description="a served model"),
                    dataset: str = Query(description="a served dataset")) -> Any:
    """Every registered generator with its typed config form, and whether it runs on
    ``model`` over ``dataset`` (``reason`` says why not); compatible ones first."""
    ws = workspace(request)
    m = get_model(ws, model)
    ds = get_dataset(ws, dataset, dataset_loading(request))
    return generator_infos(m, ds.spec())


@router.post("/jobs", response_model=JobInfo, status_code=202)
def start(body: GenerateRequest, request: Request) -> Any:
    """Generate counterfactuals of rows ``ids`` with ``generator`` and predict them with
    ``model``: a job (poll ``GET /api/jobs/{id}``, ``DELETE`` cancels), whose rows and
    statistics ``GET /api/generators/jobs/{id}/result`` gives when it is done."""
    ws = workspace(request)
    model = get_model(ws, body.model)
    ds = get_dataset(ws, body.dataset, dataset_loading(request))
    gen = _generator(body.generator)
    spec = ds.spec()
    if not gen.is_compatible(model, spec):
        raise HTTPException(422, f"generator: {gen.id} cannot run on model '{body.model}': "
                            f"{incompatibility(gen, model, spec)}")
    try:
        cfg = check_config(gen, body.config)
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    if len(body.ids) > MAX_PARENTS:
        raise HTTPException(413, f"ids: at most {MAX_PARENTS} rows per generation job, "
                            f"got {len(body.ids)}")
    try:
        found = data.examples_by_id(ws, body.dataset, ds, body.ids)
    except KeyError as e:
        raise HTTPException(404, f"ids: {e.args[0]}") from None
    # a saved datapoint's own link (``_parent``) is not a field its children inherit
    parents = [{k: v for k, v in p.items() if not k.startswith("_")} for p in found]
    if body.reference is not None:
        vocab = [v for f in model.output_spec().values() if isinstance(f, T.MulticlassPreds)
                 for v in (f.vocab or ())]
        if vocab and body.reference not in vocab:
            raise HTTPException(422, f"reference: '{body.reference}' is not a class of "
                                f"model '{body.model}' (classes: {vocab})")

    def work(progress: Callable[..., None], cancel: threading.Event) -> Any:
        run = generate(ws, body.model, parents, gen, cfg, dataset_spec=spec,
                       on_progress=progress, cancel=cancel)
        progress(len(parents), len(parents), "statistics")
        out = page_result(run, model, spec, reference=body.reference, delta=body.delta,
                          min_pairs=body.min_pairs, seed=body.seed)
        return {"model": body.model, "dataset": body.dataset, **out}

    rows_sig = hashlib.sha256("\n".join(body.ids).encode()).hexdigest()[:16]
    key = (body.model, body.dataset, gen.id, config_hash(cfg), rows_sig,
           str(body.reference), str(body.delta), str(body.min_pairs), str(body.seed))
    label = (f"{gen.display_name or gen.id} on {len(parents)} row"
             f"{'s' if len(parents) != 1 else ''} · {body.model}")
    job = jobs(request).submit(KIND, key, label, work)
    out = job.to_json()
    out.pop("result", None)
    return out


@router.get("/jobs/{job_id}/result", response_model=GenerationResult)
def result(job_id: str, request: Request) -> Any:
    """The finished job's rows (changed spans, prediction change, flip, validity) and
    paired statistics; 409 while it runs, or when it failed or was cancelled."""
    return {"job": job_id, **_job_result(request, job_id)}


@router.post("/jobs/{job_id}/keep", response_model=KeepResult, status_code=201)
def keep(job_id: str, body: KeepRequest, request: Request) -> Any:
    """Keep rows of a finished job as datapoints of its dataset, each linked to its
    parent, and (with ``slice``) as a named slice of them."""
    res = _job_result(request, job_id)
    by_id = {r["id"]: r for r in res["rows"]}
    ids = list(by_id) if body.ids is None else list(dict.fromkeys(body.ids))
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise HTTPException(404, f"ids: no row '{unknown[0]}' in generation job '{job_id}'")
    if not ids:
        raise HTTPException(422, "ids: nothing to keep (the job made no rows, or none "
                            "was given)")
    try:
        kept = keep_datapoints(workspace(request), res["dataset"],
                               [kept_example(by_id[i]) for i in ids],
                               slice_name=body.slice, description=body.description)
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    saved = kept["slice"]
    return {"dataset": res["dataset"], "rows": kept["rows"],
            "ids": {i: r["id"] for i, r in zip(ids, kept["rows"], strict=True)},
            "slice": None if saved is None else {**saved, "count": len(saved["ids"])}}
