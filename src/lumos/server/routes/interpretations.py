"""Interpretations: salience maps, attention and sequence salience for a few examples.

A thin caller of ``lumos.engine.interpret.explain`` (the function the CLI and Python
users call, so the page shows the same numbers), with its cache; faithfulness scores
(comprehensiveness, sufficiency, AOPC) come with token salience maps when asked.

``GET /methods`` tells the page which methods apply to each loaded model (each
component's own ``is_compatible``: whether a model is Differentiable is a server-side
fact), with their config forms, whether they are cheap enough to run on every edit, and
whether the model-randomisation check can run them (``randomisation``, with the reason
when not: ``lumos.engine.randomisation.randomisation_problem``).
``POST /agreement`` ranks how far the token salience maps of several methods agree
(``lumos.engine.agreement``); ``POST /randomisation`` starts the model-randomisation
check (``lumos.engine.randomisation``) as a job with progress and cancel (``/api/jobs``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from lumos.api import registry
from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.model import Model
from lumos.engine import Workspace
from lumos.engine.agreement import agreement as method_agreement
from lumos.engine.interpret import explain, get_interpreter
from lumos.engine.randomisation import (
    randomisation_check,
    randomisation_problem,
    randomisation_steps,
)
from lumos.server import data
from lumos.server.deps import dataset_loading, get_dataset, get_model, jobs, workspace
from lumos.server.responses import JSON
from lumos.store.keys import config_hash

router = APIRouter(prefix="/api/interpretations", tags=["interpretations"])

MAX_EXAMPLES = 100

#: methods cheap enough to run whenever the selected example or the edit changes (one or
#: two forward/backward passes); the others (integrated gradients, LIME, SHAP, occlusion,
#: sequence salience) run when the user asks.
AUTORUN = frozenset({"gradient_norm", "grad_dot_input", "attention", "attention_rollout"})

class InterpretRequest(BaseModel):
    model: str
    method: str = Field(description="interpreter id, e.g. integrated_gradients")
    config: dict[str, Any] = Field(default_factory=dict, description="the method's options")
    dataset: str | None = Field(default=None, description="needed when giving ids")
    ids: list[str] | None = None
    examples: list[dict[str, Any]] | None = None
    faithfulness: bool = Field(default=False,
                               description="add erasure scores to token salience maps")


class MethodChoice(BaseModel):
    method: str
    config: dict[str, Any] = Field(default_factory=dict)


class AgreementRequest(BaseModel):
    model: str
    methods: list[MethodChoice] = Field(description="two or more token salience methods")
    dataset: str | None = Field(default=None, description="needed when giving ids")
    ids: list[str] | None = None
    examples: list[dict[str, Any]] | None = None
    absolute: bool = Field(default=False, description="compare magnitudes, not signed maps")


class RandomisationRequest(BaseModel):
    model: str
    method: str = Field(description="a token salience method, e.g. grad_dot_input")
    config: dict[str, Any] = Field(default_factory=dict)
    dataset: str | None = Field(default=None, description="needed when giving ids")
    ids: list[str] | None = None
    examples: list[dict[str, Any]] | None = None
    max_steps: int | None = Field(default=None, ge=1,
                                  description="re-initialise at most this many layers")


def _examples(request: Request, ws: Workspace, dataset: str | None, ids: list[str] | None,
              examples: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if (ids is None) == (examples is None):
        raise HTTPException(422, "give either 'ids' (with 'dataset') or 'examples'")
    if ids is not None:
        if dataset is None:
            raise HTTPException(422, "'ids' needs 'dataset'")
        ds = get_dataset(ws, dataset, dataset_loading(request))
        try:
            out = data.examples_by_id(ws, dataset, ds, ids)
        except KeyError as e:
            raise HTTPException(404, e.args[0]) from None
    else:
        out = list(examples or [])
    if len(out) > MAX_EXAMPLES:
        raise HTTPException(413, f"at most {MAX_EXAMPLES} examples per request")
    return out


def _interpreter(method: str, model: Model, model_name: str) -> Interpreter:
    try:
        interp = get_interpreter(method)
    except T.SpecError as e:
        raise HTTPException(404, str(e)) from None
    if not interp.is_compatible(model, {}):
        raise HTTPException(422, f"method: {interp.id} does not apply to model "
                            f"'{model_name}'")
    return interp


def _first_type(spec: T.Spec) -> T.FieldSpec:
    return next(iter(spec.values()))


@router.post("", response_class=JSON)
def interpret(body: InterpretRequest, request: Request) -> Any:
    ws = workspace(request)
    model = get_model(ws, body.model)
    try:
        get_interpreter(body.method)
    except T.SpecError as e:
        raise HTTPException(404, str(e)) from None
    examples = _examples(request, ws, body.dataset, body.ids, body.examples)
    interp = _interpreter(body.method, model, body.model)
    spec = interp.output_spec(model)
    want_faith = body.faithfulness and isinstance(_first_type(spec), T.TokenSalience)
    try:
        results = explain(ws, body.model, examples, interp, body.config,
                          faithfulness=want_faith)
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    return JSON({"model": body.model, "method": interp.id,
                 "ids": ws.engine.row_labels(model, examples),
                 "spec": T.spec_to_json(spec), "results": results})


def method_info(interp: Interpreter, model: Model) -> dict[str, Any]:
    spec = interp.output_spec(model)
    first = _first_type(spec)
    problem = randomisation_problem(model, interp)
    return {"id": interp.id, "display_name": interp.display_name or interp.id,
            "description": (type(interp).__doc__ or "").strip().split("\n")[0],
            "output": type(first).__name__, "signed": bool(getattr(first, "signed", False)),
            "autorun": interp.id in AUTORUN or bool(getattr(first, "autorun", False)),
            "randomisation": problem is None, "randomisation_problem": problem or "",
            "config": type(interp).config_schema()}


def compatible_methods(model: Model) -> list[dict[str, Any]]:
    """Every registered interpreter that applies to ``model``, cheap ones first."""
    out = []
    for _, cls in sorted(registry.available("interpreter").items()):
        try:
            interp = cls()
            if interp.is_compatible(model, {}):
                out.append(method_info(interp, model))
        except Exception:  # a component that cannot judge this model does not apply
            continue
    return sorted(out, key=lambda m: (not m["autorun"], m["id"]))


@router.get("/methods", response_class=JSON)
def list_methods(request: Request, model: str | None = None) -> Any:
    """Per loaded model: the interpretation methods that apply to it.

    Each entry has ``id``, ``display_name``, ``output`` (TokenSalience, AttentionHeads or
    SequenceSalience), ``signed``, ``autorun`` (cheap enough to run on every edit) and
    ``config`` (the method's options with defaults and help).
    """
    ws = workspace(request)
    names = [model] if model is not None else list(ws.models)
    if model is not None:
        get_model(ws, model)
    return JSON({"models": {n: compatible_methods(ws.models[n]) for n in names}})


@router.post("/agreement", response_class=JSON)
def agreement(body: AgreementRequest, request: Request) -> Any:
    """Spearman and Kendall rank correlation of each pair of methods' maps (mean over the
    examples). Maps come from the cache when the methods already ran."""
    ws = workspace(request)
    model = get_model(ws, body.model)
    if len(body.methods) < 2:
        raise HTTPException(422, "methods: give at least two methods to compare")
    examples = _examples(request, ws, body.dataset, body.ids, body.examples)
    for choice in body.methods:
        _interpreter(choice.method, model, body.model)
    try:
        result = method_agreement(ws, body.model, examples,
                                  [(c.method, c.config) for c in body.methods],
                                  absolute=body.absolute)
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None
    return JSON({"model": body.model, **result})


@router.post("/randomisation", response_class=JSON, status_code=202)
def randomisation(body: RandomisationRequest, request: Request) -> Any:
    """Model-randomisation sanity check (Adebayo et al., 2018): re-initialise the model's
    layers top-down, one more each step, and give the rank correlation between the trained
    model's map and each randomised model's map. Low correlation means the map depends on
    what the model learned; a map that survives randomisation explains little.

    Starts a job (it runs the method once per layer): poll ``GET /api/jobs/{id}``, whose
    ``result`` holds the steps when it is done; ``DELETE`` cancels it."""
    ws = workspace(request)
    model = get_model(ws, body.model)
    interp = _interpreter(body.method, model, body.model)
    problem = randomisation_problem(model, interp)
    if problem is not None:
        raise HTTPException(422, f"method: the randomisation check cannot run on model "
                            f"'{body.model}': {problem}")
    examples = _examples(request, ws, body.dataset, body.ids, body.examples)
    try:
        steps = randomisation_steps(model, max_steps=body.max_steps)
        cfg_key = config_hash(interp.make_config(body.config))
    except T.SpecError as e:
        raise HTTPException(422, str(e)) from None

    def work(progress: Callable[[int, int], None], cancel: threading.Event) -> Any:
        return randomisation_check(ws, model, examples, interp.id, body.config,
                                   max_steps=body.max_steps, on_progress=progress,
                                   cancel=cancel)

    ids = ws.engine.cache_keys(model, examples)
    key = (body.model, interp.id, cfg_key, str(body.max_steps), *ids)
    label = (f"randomisation check of {interp.id} on {body.model} · {len(steps)} layers, "
             f"{len(examples)} examples")
    job = jobs(request).submit("randomisation", key, label, work)
    return JSON(job.to_json(), status_code=202)
