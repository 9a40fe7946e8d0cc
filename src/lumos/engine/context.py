"""Run contexts: the engine's side of :class:`lumos.api.context.RunContext`.

Every component the engine runs gets its context from here, so predictions a component
asks for go through the same cache and batching as everyone else's, and cancelling a
run reaches into the component's own model calls.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from lumos.api.context import ProgressFn, RunContext
from lumos.api.model import JsonDict, Model
from lumos.api.types import Spec
from lumos.engine.predict import Engine


def run_context(engine: Engine, *, seed: int = 0, progress: ProgressFn | None = None,
                cancel: threading.Event | None = None, model: Model | None = None,
                dataset_spec: Spec | None = None) -> RunContext:
    """A context whose ``predict`` is ``engine.predict`` (transient inputs are kept in
    memory only, never written to the store)."""

    def predict(model: Model, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None, transient: bool = False
                ) -> list[JsonDict]:
        return engine.predict(model, inputs, fields=fields, persist=not transient,
                              cancel=cancel)

    return RunContext(predict=predict, seed=seed, progress=progress, cancel=cancel,
                      model=model, dataset_spec=dataset_spec)


def config_seed(config: Any) -> int:
    """The seed a component's config declares (its ``seed`` option), else 0. It is part
    of the config, so of the cache key: a different seed is a different result."""
    return int(getattr(config, "seed", 0) or 0)
