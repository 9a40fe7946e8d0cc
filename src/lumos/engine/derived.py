"""Per-example results derived from a model, cached under one derived key.

Salience maps, activations and the audit's per-row statistics all follow one rule, kept
here: the store's ``outputs`` table holds them under ``key`` (a ``lumos.store.keys``
derived key) per example cache key. Examples already cached are read back when the
model's cache persists; the rest are computed by ``compute`` in batches (cheapest first,
or through the model's pool) and written batch by batch, so a cancelled or killed run
keeps every finished batch. Repeated examples (one cache key) are computed once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lumos.api.model import BatchPool, Model
from lumos.engine.batches import ProgressFn, plan_batches, run_batches
from lumos.engine.predict import Engine

Compute = Callable[[list[Mapping[str, Any]]], Sequence[Mapping[str, Any]]]


def derived_outputs(engine: Engine, model: Model, examples: Sequence[Mapping[str, Any]],
                    key: str, fields: Sequence[str], compute: Compute, *, name: str,
                    desc: str | None = None,
                    use_cache: bool = True, batch_size: int | None = None,
                    pool: BatchPool | None = None, spread: bool = False,
                    progress: bool | str = False, on_progress: ProgressFn | None = None,
                    cancel: threading.Event | None = None) -> list[dict[str, Any]]:
    """``fields`` of each example, in order, from the store or from ``compute``.

    ``compute(batch)`` returns one mapping per example of ``batch`` holding every field;
    ``name`` names it in messages, ``desc`` (default ``name``) labels the progress bar
    when ``progress`` is not itself a label. ``batch_size`` defaults to the
    model's ``max_batch_size``; ``pool`` and ``spread`` are ``plan_batches``'.
    """
    ids = engine.cache_keys(model, examples)
    results: dict[str, dict[str, Any]] = {i: {} for i in ids}
    persist = model.persistent_cache()
    if use_cache and persist:
        for (i, f), v in engine.store.get_outputs(key, list(results), list(fields)).items():
            results[i][f] = v
    first: dict[str, int] = {}
    for n, i in enumerate(ids):
        first.setdefault(i, n)
    todo = sorted((i for i in results if len(results[i]) < len(fields)),
                  key=lambda i: model.length_key(examples[first[i]]))

    def work(chunk: Sequence[str]) -> Sequence[Mapping[str, Any]]:
        batch = [examples[first[i]] for i in chunk]
        outs = compute(batch)
        if len(outs) != len(batch):
            raise RuntimeError(f"{name} returned {len(outs)} results for "
                               f"{len(batch)} examples")
        return outs

    def finish(chunk: Sequence[str], outs: Sequence[Mapping[str, Any]]) -> None:
        rows = []
        for i, out in zip(chunk, outs, strict=True):
            missing = [f for f in fields if f not in out]
            if missing:
                raise RuntimeError(f"{name} gave no {', '.join(missing)} for an example "
                                   f"(it gave {', '.join(sorted(out)) or 'nothing'})")
            for f in fields:
                results[i][f] = out[f]
                rows.append((i, f, out[f]))
        if persist:
            engine.store.put_outputs(key, rows)

    run_batches(plan_batches(todo, batch_size or model.max_batch_size, pool, spread=spread),
                work, finish=finish, pool=pool, progress=progress, default_desc=desc or name,
                on_progress=on_progress, cancel=cancel)
    return [dict(results[i]) for i in ids]


__all__ = ["Compute", "derived_outputs"]
