"""The run context: what a component receives from the engine that runs it.

A component never imports ``lumos.engine`` (the import-layer contract in pyproject
enforces it, type-checking imports included). Whatever it needs from outside its own
arguments comes through the ``context`` of its ``run``:

- ``predict(model, inputs, fields=..., transient=...)``: model outputs through the
  engine (batched, de-duplicated, cached). ``transient=True`` marks inputs nobody will
  look up again (a perturbation method's edited copies): kept in memory only.
- ``seed`` and ``rng``: the run's seed and a numpy generator seeded with it.
  :meth:`RunContext.rng_for` and :meth:`RunContext.seed_for` derive independent streams
  for named pieces of work (one example, one target), so a result does not depend on
  which other examples shared its batch or in which order they came.
- ``progress(done, total)``: optional, for a component that reports its own steps.
- ``cancel``: an event the caller sets to stop; :meth:`RunContext.check_cancelled`
  raises :class:`Cancelled` once it is set.
- ``model`` and ``dataset_spec``: for components whose ``run`` takes no model argument
  (generators): the model the run is for (None when there is none) and the spec of the
  rows it is given.

The engine builds contexts (``lumos.engine.context.run_context``); tests may build one
around any predict function.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from lumos.api.model import JsonDict, Model
from lumos.api.types import Spec

ProgressFn = Callable[[int, int], None]


class Cancelled(RuntimeError):
    """A long run was cancelled; work finished before it is kept (cached)."""


class PredictFn(Protocol):
    """Model outputs for ``inputs`` (in order), each holding exactly ``fields``."""

    def __call__(self, model: Model, inputs: Sequence[Mapping[str, Any]], *,
                 fields: Collection[str] | None = None, transient: bool = False
                 ) -> list[JsonDict]: ...


def derive_seed(seed: int, *parts: str) -> int:
    """A seed for the piece of work named by ``parts``, derived from ``seed``."""
    h = hashlib.blake2b("\x00".join(parts).encode(), digest_size=4).digest()
    return seed * 1_000_003 + int.from_bytes(h, "little")


@dataclass(frozen=True, kw_only=True)
class RunContext:
    """What the engine hands to a component's ``run`` (see the module docstring)."""

    predict: PredictFn
    seed: int = 0
    progress: ProgressFn | None = None
    cancel: threading.Event | None = None
    #: the model a generator's rows are for (None: no model)
    model: Model | None = None
    #: the typed fields of the rows a generator is given
    dataset_spec: Spec | None = None
    #: seeded with ``seed``; for draws that may depend on the order of the work
    rng: np.random.Generator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rng", np.random.default_rng(self.seed))

    def seed_for(self, *parts: str) -> int:
        """An integer seed for ``parts`` (for libraries with their own generator)."""
        return derive_seed(self.seed, *parts)

    def rng_for(self, *parts: str) -> np.random.Generator:
        """A generator of its own for the piece of work named by ``parts``."""
        return np.random.default_rng(self.seed_for(*parts))

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled("cancelled")
