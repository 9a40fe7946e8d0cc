"""Component contracts: interpreters, generators, metrics and projectors.

A component has a stable snake_case ``id`` (set by ``@register``), a ``display_name``,
a typed ``Config`` dataclass, ``is_compatible(model, dataset_spec)`` and a ``run``-like
method of its kind. Components never depend on the UI; the server and the CLI call them
through the engine. What a component needs from the engine (predictions, a seeded random
generator, progress, cancel) comes in the :class:`~lumos.api.context.RunContext` its
``run`` receives; components never import ``lumos.engine``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from lumos.api.context import RunContext
from lumos.api.model import JsonDict, Model
from lumos.api.types import FieldSpec, Spec, SpecError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, kw_only=True)
class NoConfig:
    """For components without settings."""


class Component(ABC):  # noqa: B024 - an ABC for its subclasses, no abstract method of its own
    kind: ClassVar[str] = "component"
    id: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    #: raise it whenever the component's results change: cached results are keyed by
    #: it (``lumos.store.keys.derived_key``); the registry refuses a component without
    version: ClassVar[str] = ""
    Config: ClassVar[type[Any]] = NoConfig

    def is_compatible(self, model: Model | None, dataset_spec: Spec) -> bool:
        return True

    @classmethod
    def make_config(cls, values: Mapping[str, Any] | None = None) -> Any:
        """Build the typed config from plain values; unknown keys name themselves."""
        values = dict(values or {})
        known = {f.name: f for f in dataclasses.fields(cls.Config)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise SpecError(f"{cls.id}: unknown config option '{unknown[0]}' "
                            f"(options: {sorted(known)})")
        try:
            return cls.Config(**values)
        except (TypeError, ValueError) as e:
            raise SpecError(f"{cls.id}: bad config: {e}") from None

    @classmethod
    def config_schema(cls) -> list[dict[str, Any]]:
        """The config's fields with defaults and types, for forms in the UI."""
        out = []
        for f in dataclasses.fields(cls.Config):
            default = f.default if f.default is not dataclasses.MISSING else None
            out.append({"name": f.name, "type": str(f.type), "default": default,
                        "help": f.metadata.get("help", "")})
        return out


class Interpreter(Component):
    """Explains predictions of one model on a batch of examples (salience, attention)."""

    kind = "interpreter"
    #: whether ``explain`` may run several batches of examples at once on the model's
    #: batch pool (:meth:`lumos.api.model.Model.batch_pool`)
    parallel_batches: ClassVar[bool] = True

    @abstractmethod
    def output_spec(self, model: Model) -> Spec: ...

    def model_fields(self, model: Model, config: Any) -> Collection[str] | None:
        """Output fields of ``model`` that ``run`` computes by calling the model itself
        (``embed``, ``forward_from_embeds``, ``predict``), not through the engine's
        ``predict``, which holds the model's lock by itself. The engine holds the model
        for these fields around each chunk and runs chunks in parallel only when the
        model declares all of them concurrent. ``None`` (the default: the method does
        not say) holds the model exclusively; ``()`` means the method reaches the model
        only through the engine."""
        return None

    @abstractmethod
    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[JsonDict]:
        """One result per input; model outputs come from ``context.predict``."""


class Generator(Component):
    """Makes new examples from one (counterfactuals)."""

    kind = "generator"

    @abstractmethod
    def generate(self, example: Mapping[str, Any], model: Model | None, dataset_spec: Spec,
                 *, config: Any, context: RunContext) -> list[JsonDict]: ...


class Metric(Component):
    """Scores predictions against gold labels; declares the output types it applies to."""

    kind = "metric"
    #: output field types this metric reads
    applies_to: ClassVar[tuple[type[FieldSpec], ...]] = ()

    def is_field_compatible(self, pred_spec: FieldSpec, gold_spec: FieldSpec | None) -> bool:
        return isinstance(pred_spec, self.applies_to) and gold_spec is not None

    @abstractmethod
    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: FieldSpec,
                gold_spec: FieldSpec | None, *, config: Any) -> dict[str, Any]: ...


class Projector(Component):
    """Maps embeddings to 2 or 3 dimensions."""

    kind = "projector"

    @abstractmethod
    def fit_transform(self, x: np.ndarray, *, config: Any) -> np.ndarray: ...

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Place new points after ``fit_transform``; not every method can."""
        raise NotImplementedError(f"{self.id} cannot place new points incrementally")


KINDS: dict[str, type[Component]] = {
    c.kind: c for c in (Interpreter, Generator, Metric, Projector)
}
