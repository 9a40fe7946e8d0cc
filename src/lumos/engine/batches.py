"""The one loop that runs work in batches: progress bar, progress callback, cancellation.

``Engine.predict`` (model outputs) and ``interpret.explain`` (salience, attention) both
sort their missing examples by cost and hand them here; the ``step`` they pass runs one
batch and writes it to the store, so a cancelled or killed run keeps every batch that
finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

ProgressFn = Callable[[int, int], None]
T = TypeVar("T")


class Cancelled(RuntimeError):
    """A long run was cancelled; batches finished before it are cached."""


def run_batches(batches: Sequence[Sequence[T]], step: Callable[[Sequence[T]], None], *,
                progress: bool | str = False, default_desc: str = "",
                on_progress: ProgressFn | None = None,
                cancel: threading.Event | None = None) -> None:
    """Call ``step`` on each batch in turn; show a tqdm bar when ``progress`` (a string
    is its label), report ``on_progress(done, total)`` after each batch, and stop with
    :class:`Cancelled` between batches once ``cancel`` is set."""
    total = sum(len(b) for b in batches)
    bar = None
    if progress and total:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="ex",
                   desc=progress if isinstance(progress, str) else default_desc)
    done = 0
    try:
        for batch in batches:
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"cancelled after {done} of {total} examples; finished "
                                "batches are cached")
            step(batch)
            done += len(batch)
            if bar is not None:
                bar.update(len(batch))
            if on_progress is not None:
                on_progress(done, total)
    finally:
        if bar is not None:
            bar.close()
