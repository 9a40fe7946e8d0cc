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
    def make_config(cls, values: Mapping[str, Any] | Any = None) -> Any:
        """Build the typed config from plain values (unknown keys name themselves); a
        config already of this component's type is returned as it is."""
        if isinstance(values, cls.Config):
            return values
        if values is not None and not isinstance(values, Mapping):
            raise SpecError(f"{cls.id}: config must be a {cls.Config.__qualname__} or a "
                            f"mapping, got {type(values).__name__}")
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
        """The config's fields with defaults and types, for forms in the UI.

        ``type`` is the annotation as written (``int``, ``float``, ``bool``, ``str``,
        ...); a field whose metadata has ``choices`` lists them (the values it
        accepts), and ``multiline`` says a text option holds several lines (rules,
        word lists)."""
        out = []
        for f in dataclasses.fields(cls.Config):
            default = f.default if f.default is not dataclasses.MISSING else None
            entry = {"name": f.name, "type": str(f.type), "default": default,
                     "help": f.metadata.get("help", "")}
            if f.metadata.get("choices"):
                entry["choices"] = list(f.metadata["choices"])
            if f.metadata.get("multiline"):
                entry["multiline"] = True
            out.append(entry)
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


#: tasks a generator may declare in ``Generator.tasks`` (see :func:`model_task`)
TASKS = ("classification", "regression", "tagging", "generation")


def model_task(model: Model | None) -> str | None:
    """The task a model's output spec says it does: ``classification`` (class
    probabilities), ``regression``, ``tagging`` (tags or spans per token) or
    ``generation`` (seq2seq and language models: generated text). ``None`` without a
    model or for an output spec with none of these."""
    if model is None:
        return None
    from lumos.api import types as T

    kinds = [type(f) for f in model.output_spec().values()]
    for task, types in (("classification", (T.MulticlassPreds,)),
                        ("regression", (T.RegressionScore,)),
                        ("tagging", (T.SequenceTags, T.SpanLabels)),
                        ("generation", (T.GeneratedText, T.GeneratedTextCandidates))):
        if any(issubclass(k, types) for k in kinds):
            return task
    return None


@dataclass(frozen=True, kw_only=True)
class SpanChange:
    """One edit, in character offsets: ``field[start:end] == old`` in the parent became
    ``new == new_field[new_start:new_end]`` in the counterfactual (``end`` exclusive;
    an insertion has ``start == end``, a deletion ``new == ""``). For a tokens field
    (token tagging) offsets index the tokens joined by single spaces."""

    field: str
    start: int
    end: int
    old: str
    new_start: int
    new_end: int
    new: str

    def to_json(self) -> JsonDict:
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True)
class Counterfactual:
    """One generated example and where it came from.

    ``example``: the new row (every field of its parent, the edited ones changed, gold
    labels kept or set by an expectation; ``_parent`` holds the parent's row key; the
    engine adds its ``id``). ``parent``: the parent's row key (``""`` for a template row
    with no parent). ``generator``/``version``/``config_hash``: what made it.
    ``changes``: span-level provenance, in the order of the text. ``meta``: what the
    generator wants to say about this row (the rule, the direction of a group swap, a
    search's steps). ``flags``: facts the validity guard reads (``"pos_out_of_context"``:
    the part of speech came from WordNet, not a tagger). ``expect``: a template's
    expectation (``{"kind": "MFT", "label": ...}``, ``{"kind": "INV"}``, ``{"kind": "DIR",
    "label": ..., "direction": "up" | "down"}``). ``validity``: check id ->
    ``"passed" | "failed" | "not_checked" | "not_applicable"``, filled by the engine's
    validity guard; ``valid``: False once a check failed, True only when every
    applicable check ran and passed, None while any is not checked and none failed.
    """

    example: JsonDict
    parent: str
    generator: str
    version: str
    config_hash: str
    changes: tuple[SpanChange, ...] = ()
    meta: JsonDict = dataclasses.field(default_factory=dict)
    flags: tuple[str, ...] = ()
    expect: JsonDict | None = None
    validity: dict[str, str] = dataclasses.field(default_factory=dict)
    valid: bool | None = None

    @property
    def failed_checks(self) -> list[str]:
        """The validity checks this row failed, in the guard's order."""
        return [k for k, v in self.validity.items() if v == "failed"]

    def to_json(self) -> JsonDict:
        out = dataclasses.asdict(self)
        out["changes"] = [c.to_json() for c in self.changes]
        out["failed_checks"] = self.failed_checks
        return out


#: ``Generated.status`` values
GENERATED_STATUSES = ("ok", "no_change", "budget_exhausted", "skipped", "truncated")


@dataclass(frozen=True, kw_only=True)
class Generated:
    """What a generator made from one parent example.

    ``status``: ``ok``; ``no_change`` (nothing to edit: no rule matched, no synonym);
    ``budget_exhausted`` (the per-example candidate budget ran out before the generator
    had tried or emitted everything; what it has is kept); ``skipped`` (the example
    cannot be used, ``notes["reason"]`` says why); ``truncated`` (a gradient method
    only saw the model's first tokens). ``notes``: counts and reasons (names skipped as
    ambiguous, candidates tried, model queries)."""

    parent: str
    counterfactuals: list[Counterfactual] = dataclasses.field(default_factory=list)
    status: str = "ok"
    notes: JsonDict = dataclasses.field(default_factory=dict)


class Generator(Component):
    """Makes counterfactuals: new examples from a batch of parent examples.

    The contract is batch-wise. ``run(examples, context, config=...)`` gets parent rows
    (dicts holding the dataset's fields and their row key in ``id``) and returns one
    :class:`Generated` per example, in order. ``context`` is the engine's
    :class:`~lumos.api.context.RunContext`: ``context.model`` and
    ``context.dataset_spec`` say what the rows are for; a search that needs the model
    predicts *all* its candidates of a step through ``context.predict(context.model,
    candidates, transient=True)`` (batched, de-duplicated, cached), never one model call
    per candidate; random choices come from ``context.rng_for(...)`` seeded streams.

    ``tasks`` declares the model tasks a generator supports (:data:`TASKS`):
    classification and regression rows keep their gold label; tagging rows get their
    tags realigned through the changed spans (or the generator leaves ``tagging`` out);
    generation rows change the input and the engine reports how the output changed. A
    generator that needs no model at all (rules, templates) also runs with
    ``context.model`` None. ``standalone`` makes rows that have no parent (CheckList's
    minimum-functionality templates).
    """

    kind = "generator"
    #: model tasks this generator supports (``None``: the model is not given)
    tasks: ClassVar[frozenset[str]] = frozenset({"classification", "regression", "generation"})
    #: whether the generator calls the model (searches); they need ``context.model``
    needs_model: ClassVar[bool] = False
    #: options that make the generator produce something on ordinary English text (a
    #: starting point for forms; the registry-wide tests run every generator with it)
    example_config: ClassVar[Mapping[str, Any]] = {}

    def is_compatible(self, model: Model | None, dataset_spec: Spec) -> bool:
        if model is None:
            return not self.needs_model
        return model_task(model) in self.tasks

    @abstractmethod
    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        """One :class:`Generated` per example, in order."""

    def standalone(self, context: RunContext, *, config: Any) -> list[Counterfactual]:
        """Rows with no parent (``parent == ""``); most generators make none."""
        return []


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
