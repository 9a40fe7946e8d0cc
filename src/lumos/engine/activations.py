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
from lumos.engine.batches import ProgressFn
from lumos.engine.concurrency import model_access
from lumos.engine.derived import derived_outputs
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

    def compute(batch: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        with model_access(model, (ACCESS_FIELD,)):
            return model.activations(batch, where)

    return derived_outputs(engine, model, examples, key, FIELDS, compute,
                           name=f"activations {where}", use_cache=use_cache,
                           progress=progress, on_progress=on_progress, cancel=cancel)
