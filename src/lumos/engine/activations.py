"""Per-token activations of a model (a hidden-state layer or a named submodule), cached.

Reads through the :class:`~lumos.api.model.Activations` capability; results live in the
store's ``outputs`` table under ``lumos.store.keys.activation_key`` (model key + what is
read) per example cache key, as fields ``tokens`` and ``values`` (``[tokens, dim]``).
Reading a module installs a forward hook, so each batch holds the model exclusively
(``model_access`` with a field no model declares concurrent).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api.model import Activations, Model
from lumos.api.types import SpecError
from lumos.engine.batches import ProgressFn, plan_batches, run_batches
from lumos.engine.concurrency import model_access
from lumos.engine.predict import Engine
from lumos.store import keys

#: not an output field: a name no model lists in ``concurrent_fields`` (exclusive access)
ACCESS_FIELD = "activations"
FIELDS = ("tokens", "values")


def supports(model: Model) -> bool:
    return isinstance(model, Activations)


def activations(engine: Engine, model: Model, examples: Sequence[Mapping[str, Any]],
                where: int | str, *, use_cache: bool = True, progress: bool | str = False,
                on_progress: ProgressFn | None = None,
                cancel: threading.Event | None = None) -> list[dict[str, Any]]:
    """``{"tokens", "values"}`` per example, in order (see the module docstring)."""
    if not isinstance(model, Activations):
        raise SpecError(f"source: {type(model).__name__} exposes no activations (it does "
                        "not implement lumos.api.model.Activations)")
    key = keys.activation_key(model, where)
    ids = engine.cache_keys(model, examples)
    results: dict[str, dict[str, Any]] = {i: {} for i in ids}
    persist = model.persistent_cache()
    if use_cache and persist:
        for (i, f), v in engine.store.get_outputs(key, list(results), list(FIELDS)).items():
            results[i][f] = v
    first: dict[str, int] = {}
    for n, i in enumerate(ids):
        first.setdefault(i, n)
    todo = sorted((i for i in results if len(results[i]) < len(FIELDS)),
                  key=lambda i: model.length_key(examples[first[i]]))

    def work(chunk: Sequence[str]) -> list[dict[str, Any]]:
        batch = [examples[first[i]] for i in chunk]
        with model_access(model, (ACCESS_FIELD,)):
            outs = model.activations(batch, where)
        if len(outs) != len(batch):
            raise RuntimeError(f"activations returned {len(outs)} results for "
                               f"{len(batch)} examples")
        return outs

    def finish(chunk: Sequence[str], outs: list[dict[str, Any]]) -> None:
        rows = []
        for i, out in zip(chunk, outs, strict=True):
            for f in FIELDS:
                results[i][f] = out[f]
                rows.append((i, f, out[f]))
        if persist:
            engine.store.put_outputs(key, rows)

    run_batches(plan_batches(todo, model.max_batch_size, None), work, finish=finish,
                progress=progress, default_desc=f"activations {where}",
                on_progress=on_progress, cancel=cancel)
    return [dict(results[i]) for i in ids]
