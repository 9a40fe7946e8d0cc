"""The one loop that runs work in batches: progress bar, progress callback, cancellation.

``Engine.predict`` (model outputs) and ``interpret.explain`` (salience, attention) both
sort their missing examples by cost and hand them here. ``work`` computes one batch;
``finish`` (optional) then stores it, on the caller's thread and in batch order, so a
cancelled or killed run keeps every batch that finished. Given a model's
:class:`~lumos.api.model.BatchPool`, ``work`` runs on the pool's threads, up to
``pool.workers`` batches at once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

from lumos.api.context import Cancelled, ProgressFn
from lumos.api.model import BatchPool

__all__ = ["Cancelled", "ProgressFn", "plan_batches", "run_batches"]

T = TypeVar("T")
R = TypeVar("R")

_worker = threading.local()  # .busy: this thread is running a batch for run_batches


def _marked(work: Callable[[Sequence[T]], R]) -> Callable[[Sequence[T]], R]:
    def run(batch: Sequence[T]) -> R:
        _worker.busy = True
        try:
            return work(batch)
        finally:
            _worker.busy = False

    return run


def plan_batches(items: Sequence[T], size: int, pool: BatchPool | None, *,
                 spread: bool = False) -> list[Sequence[T]]:
    """Cut ``items`` (sorted by cost, cheapest first) into batches of at most ``size``,
    in the order to run them.

    One batch at a time: cheapest first. On a pool: costliest first, so that no worker is
    left alone with a long batch at the end while the others idle (longest processing
    time first). ``spread`` also makes the batches small enough that each worker gets
    about four, for work whose batches are few and large (an explainer's chunks).
    """
    size = max(1, int(size))
    if pool is None or pool.workers < 2 or len(items) <= size and not spread:
        return [items[s:s + size] for s in range(0, len(items), size)]
    if spread:
        size = max(1, min(size, -(-len(items) // (4 * pool.workers))))
    costliest = list(reversed(items))
    return [costliest[s:s + size] for s in range(0, len(costliest), size)]


def run_batches(batches: Sequence[Sequence[T]], work: Callable[[Sequence[T]], R], *,
                finish: Callable[[Sequence[T], R], None] | None = None,
                pool: BatchPool | None = None,
                progress: bool | str = False, default_desc: str = "",
                on_progress: ProgressFn | None = None,
                cancel: threading.Event | None = None) -> None:
    """Run ``work`` on each batch, then ``finish(batch, result)``; show a tqdm bar when
    ``progress`` (a string is its label), report ``on_progress(done, total)`` after each
    batch, and stop with :class:`Cancelled` between batches once ``cancel`` is set (batches
    already running on a pool are finished and kept). Up to twice ``pool.workers``
    batches are handed to the pool ahead of the one being finished, so a worker that is
    done picks up the next batch at once. Called from a batch that is itself running on
    a pool, it runs its batches one after another on that thread."""
    total = sum(len(b) for b in batches)
    bar = None
    if progress and total:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="ex",
                   desc=progress if isinstance(progress, str) else default_desc)
    done = 0

    def finished(batch: Sequence[T], result: R) -> None:
        nonlocal done
        if finish is not None:
            finish(batch, result)
        done += len(batch)
        if bar is not None:
            bar.update(len(batch))
        if on_progress is not None:
            on_progress(done, total)

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled after {done} of {total} examples; finished "
                            "batches are cached")

    try:
        # a batch already running on a pool (an explainer's batch whose method calls the
        # model through the engine) runs its inner batches itself: waiting for the pool
        # from inside the pool could wait forever
        if pool is None or pool.workers < 2 or len(batches) < 2 or \
                getattr(_worker, "busy", False):
            for batch in batches:
                check_cancel()
                finished(batch, work(batch))
            return
        running: deque[tuple[Sequence[T], Future[R]]] = deque()
        try:
            for batch in batches:
                check_cancel()
                while len(running) >= 2 * pool.workers:
                    oldest, fut = running.popleft()
                    finished(oldest, fut.result())
                    check_cancel()
                running.append((batch, pool.executor.submit(_marked(work), batch)))
            while running:
                oldest, fut = running.popleft()
                finished(oldest, fut.result())
        finally:
            for batch, fut in running:  # after an error or a cancel: keep what finished
                if fut.cancel() or finish is None:
                    continue
                try:
                    res = fut.result()
                except BaseException:  # the first error is the one raised
                    continue
                finish(batch, res)
    finally:
        if bar is not None:
            bar.close()
