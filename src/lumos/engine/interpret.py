"""Run an interpreter (salience, attention) over examples, with caching.

``explain`` is the one entry point the CLI, the server and Python users share, so all
three get the same numbers. Results are cached in the store's ``outputs`` table under
the key ``"<model fingerprint>|<method id>|<config hash>"`` per (example id, field), and
written chunk by chunk, so a killed run keeps every finished chunk.

Each chunk's ``run`` gets a :class:`~lumos.api.context.RunContext` built here
(``lumos.engine.context``): predictions through this engine, the config's seed, and the
caller's cancel event.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api import registry
from lumos.api.component import Interpreter
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.engine.batches import ProgressFn
from lumos.engine.concurrency import model_access, pool_for
from lumos.engine.context import config_seed, run_context
from lumos.engine.derived import derived_outputs
from lumos.engine.faithfulness import add_faithfulness
from lumos.engine.predict import Engine
from lumos.engine.workspace import Workspace
from lumos.store import keys


def get_interpreter(method: str | Interpreter | type[Interpreter]) -> Interpreter:
    inst: Interpreter = registry.instance("interpreter", method, Interpreter, flag="method")
    return inst


def cache_key(engine: Engine, model: Model, interp: Interpreter, config: Any) -> str:
    """The derived key of ``interp``'s results on ``model`` (``lumos.store.keys``)."""
    return keys.derived_key(model, interp, config)


def explain(
    target: Workspace | Engine | None,
    model: Model | str,
    examples: Sequence[Mapping[str, Any]],
    method: str | Interpreter | type[Interpreter],
    config: Any = None,
    *,
    chunk_size: int | None = None,
    use_cache: bool = True,
    progress: bool | str = False,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    faithfulness: bool = False,
) -> list[dict[str, Any]]:
    """Run ``method`` (an interpreter id such as ``"integrated_gradients"``) on ``examples``.

    ``target`` is a Workspace (then ``model`` may be a model name), an Engine, or None (a
    throwaway in-memory engine). ``config`` is the method's Config or a mapping of its
    options. Returns one dict per example holding the interpreter's output fields; with
    ``faithfulness`` each also holds ``"faithfulness"``: the erasure scores of its salience
    map (``lumos.engine.faithfulness``).
    """
    name = "model"
    if isinstance(target, Workspace):
        engine = target.engine
        if isinstance(model, str):
            name, model = model, target.model(model)
        else:
            name = next((n for n, m in target.models.items() if m is model), name)
    else:
        if target is None:
            from lumos.store import Store

            target = Engine(Store(":memory:"))
        engine = target
    if isinstance(model, str):
        raise SpecError(f"model: '{model}' is a name, but no workspace was given to look it "
                        "up in")
    interp = get_interpreter(method)
    cfg = interp.make_config(config)
    fields = list(interp.output_spec(model))
    key = cache_key(engine, model, interp, cfg)
    if model.persistent_cache():  # so `lumos cache info` names the model its maps belong to
        engine.store.touch_model(engine.fingerprint(model), name, model.description)
    seed = config_seed(cfg)

    # what the method computes by calling the model itself (not through engine.predict,
    # which holds the model's lock by itself): each chunk holds the model for it, and
    # chunks run in parallel only if the model declared all of it concurrent
    direct = interp.model_fields(model, cfg)

    def compute(batch: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        context = run_context(engine, seed=seed, cancel=cancel)
        with model_access(model, direct):
            return interp.run(batch, model, config=cfg, context=context)

    pool = pool_for(model, direct) if interp.parallel_batches else None
    final = derived_outputs(engine, model, examples, key, fields, compute, name=interp.id,
                            use_cache=use_cache, batch_size=chunk_size, pool=pool,
                            spread=chunk_size is None, progress=progress,
                            desc=f"explain {interp.id}", on_progress=on_progress, cancel=cancel)
    if faithfulness:
        add_faithfulness(engine, model, examples, final, fields[0], cancel=cancel)
    return final
