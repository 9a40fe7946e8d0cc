"""Seeded draws from torch's one global random generator, one thread at a time.

Perturbation methods seed their samplers from the run context
(:meth:`RunContext.seed_for`, per example and target); the engine's randomisation check
re-initialises a model copy under the same lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

#: held while a section draws from torch's global generator with its own seed: torch has
#: one generator per process, so two threads seeding and drawing at once (two requests
#: served together) would each get the other's numbers
TORCH_RNG_LOCK = threading.RLock()


def seeded(seed: int) -> contextlib.AbstractContextManager[Any]:
    """Torch's global RNG forked and seeded with ``seed`` (e.g. a run context's
    ``seed_for(...)``), for one thread at a time (:data:`TORCH_RNG_LOCK`)."""
    import torch

    @contextlib.contextmanager
    def run() -> Iterator[None]:
        with TORCH_RNG_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield

    return run()
