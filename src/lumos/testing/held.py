"""A generator that holds its run until a test releases or cancels it.

Tests of job progress and cancellation need a job that is still running when they look
at it, and a cancel that lands before the job can end. Neither may depend on timing, so
:class:`HeldGenerator` does not return until one of two things happens:

* the test sets :attr:`HeldGenerator.release`: every row comes back ``no_change``;
* the run is cancelled (the job's cancel event, seen through the run context): it raises
  :class:`~lumos.api.context.Cancelled`, as a real generator does between its steps.

So "click Cancel, then expect 'Cancelled'" holds whichever of the cancel request and the
test's next step arrives first. A run that is neither released nor cancelled fails after
:attr:`HeldGenerator.limit` seconds instead of hanging.

``held_generator()`` registers it (id ``test_held``) for the duration of a ``with`` block.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from lumos.api import registry
from lumos.api.component import Generated, Generator
from lumos.api.context import RunContext

__all__ = ["HeldGenerator", "held_generator"]


class HeldGenerator(Generator):
    """Holds each run until the test releases it or the run is cancelled."""

    id = "test_held"
    display_name = "Held until the test lets it go"
    version = "1"
    release: ClassVar[threading.Event] = threading.Event()
    #: seconds a run may be held before it fails (a guard against a test that forgets)
    limit: ClassVar[float] = 60.0

    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        deadline = time.monotonic() + self.limit
        while not self.release.wait(0.02):
            context.check_cancelled()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.id}: held {self.limit:.0f} s, never released "
                                   "or cancelled")
        return [Generated(parent=str(e["id"]), status="no_change") for e in examples]


@contextmanager
def held_generator() -> Iterator[threading.Event]:
    """Register :class:`HeldGenerator` and yield its release event (cleared on entry, set
    and unregistered on exit, so no run outlives the test)."""
    registry.load_all()
    table = registry._registry.setdefault("generator", {})
    before = table.get(HeldGenerator.id)
    table[HeldGenerator.id] = HeldGenerator
    HeldGenerator.release.clear()
    try:
        yield HeldGenerator.release
    finally:
        HeldGenerator.release.set()
        if before is None:
            table.pop(HeldGenerator.id, None)
        else:
            table[HeldGenerator.id] = before
