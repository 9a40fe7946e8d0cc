"""Pooled salience equals one-at-a-time salience, on a pool that provably ran two at once.

``check_pooled(model, method, examples)`` forces the model's batch pool to two workers
and arms a gate on the model's torch module: the first two forward passes that run on
the pool's threads wait for each other on a two-party barrier (with a timeout). The
method then runs through the engine on every example at once, and again on each example
alone with no pool; every map must equal its one-at-a-time map within
``1e-5 * max|salience|`` of that map, with the same tokens and target.

The check cannot pass by accident: if the barrier is never met (the model did not opt in
to concurrency, so the engine kept its batches off the pool; or the pool ran them one at
a time), the gate times out instead of hanging and the check fails saying so. Test
suites parametrise it over the registry's gradient and perturbation methods and the
tiny models of :mod:`lumos.testing.tiny`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import BatchPool, Model

#: names of the forced pool's threads (the gate waits only on these)
POOL_THREADS = "lumos-pooled-check"
#: how long the first pooled forward waits for a second one before the check fails
GATE_TIMEOUT = 20.0
#: extra words that make distinct examples out of a builder's few
WORDS = ("very", "good", "bad", "movie", "plot", "today", "not", "really", "fun", "dull")


class PoolGate:
    """A forward pre-hook: the first two forwards on the pool's threads meet."""

    def __init__(self, timeout: float = GATE_TIMEOUT) -> None:
        self.barrier = threading.Barrier(2, timeout=timeout)
        self._lock = threading.Lock()
        self.arrived = 0
        self.met = False
        self.broken = False

    def __call__(self, module: Any, args: Any) -> None:
        if not threading.current_thread().name.startswith(POOL_THREADS):
            return
        with self._lock:
            self.arrived += 1
            n = self.arrived
        if n > 2:
            return
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.broken = True
        else:
            self.met = True

    def verdict(self, what: str) -> str | None:
        """Why the run does not prove two pooled forwards at once, or None."""
        if self.met:
            return None
        if self.arrived == 0:
            return (f"{what}: no forward pass ran on the pool: the engine ran the batches "
                    "serially (is every field the method needs in concurrent_fields()?)")
        return (f"{what}: the first forward on the pool waited {self.barrier._timeout:g} s "
                "for a second one: the pool ran the batches one at a time")


def torch_module_of(model: Model) -> Any:
    import torch

    for attr in ("model", "module"):
        m = getattr(model, attr, None)
        if isinstance(m, torch.nn.Module):
            return m
    raise TypeError(f"{type(model).__name__} holds no torch module ('model' or 'module')")


@contextmanager
def forced_pool(model: Model, workers: int | None) -> Iterator[None]:
    """The model's ``batch_pool()`` returns a fresh pool of ``workers`` threads (None:
    no pool) until the block ends."""
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=POOL_THREADS) \
        if workers else None
    pool = BatchPool(executor, workers) if executor is not None and workers else None
    model.batch_pool = lambda: pool  # type: ignore[method-assign]
    try:
        yield
    finally:
        del model.batch_pool  # type: ignore[method-assign]
        if executor is not None:
            executor.shutdown(wait=True)


def distinct_examples(model: Model, examples: Sequence[Mapping[str, Any]], n: int = 40
                      ) -> list[dict[str, Any]]:
    """``n`` distinct examples made from a builder's few: each text input gets a few
    extra words (a tokens input extra tokens); optional inputs are left out."""
    spec = model.input_spec()
    out = []
    for i in range(n):
        base = examples[i % len(examples)]
        extra = [WORDS[(i + k) % len(WORDS)] for k in range(i // len(examples) % 5 + 1)]
        ex: dict[str, Any] = {}
        for name, fs in spec.items():
            if not fs.required or name not in base:
                continue
            v = base[name]
            if isinstance(fs, T.Tokens):
                v = [*v, *extra, str(i)]
            elif isinstance(fs, T.TextSegment):
                v = f"{v} {' '.join(extra)} {i}"
            ex[name] = v
        out.append(ex)
    return out


def _same_map(got: Mapping[str, Any], want: Mapping[str, Any], where: str) -> None:
    assert got.get("tokens") == want.get("tokens"), f"{where}: tokens differ"
    assert got.get("target") == want.get("target"), f"{where}: target differs"
    a = np.asarray(got["salience"], dtype=np.float64)
    b = np.asarray(want["salience"], dtype=np.float64)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    worst = float(np.max(np.abs(a - b))) if b.size else 0.0
    assert worst <= 1e-5 * scale, (f"{where}: pooled map differs from the one-at-a-time map "
                                   f"by {worst:.3g} (allowed {1e-5 * scale:.3g})")


def check_pooled(model: Model, method: str, examples: Sequence[Mapping[str, Any]], *,
                 config: Any = None, timeout: float = GATE_TIMEOUT) -> list[dict[str, Any]]:
    """Run the check; returns the pooled results."""
    from lumos.engine import Engine
    from lumos.engine.interpret import explain
    from lumos.store import Store

    module = torch_module_of(model)
    gate = PoolGate(timeout)
    handle = module.register_forward_pre_hook(gate)
    try:
        with forced_pool(model, 2):
            pooled = explain(Engine(Store(":memory:")), model, examples, method, config)
    finally:
        handle.remove()
    problem = gate.verdict(f"{method} on {type(model).__name__}")
    assert problem is None, problem
    with forced_pool(model, None):
        alone = [explain(Engine(Store(":memory:")), model, [ex], method, config)[0]
                 for ex in examples]
    for n, (p, a) in enumerate(zip(pooled, alone, strict=True)):
        _same_map(p[method], a[method], f"{method} on {type(model).__name__}, example {n}")
    return pooled
