"""The model contract.

A model declares typed input and output specs and predicts on batches of examples.
Optional capabilities (gradients, attention, embeddings) are declared by the output
spec. Fields whose type is ``expensive`` (attention, per-token embeddings, gradients)
are computed only when the caller names them in ``fields``.

Models that can be differentiated implement :class:`Differentiable` as well, which is
what gradient-based salience methods (Captum) call.

Concurrency is a capability a model declares, and the engine enforces it
(``lumos.engine.concurrency``). A model names in :meth:`Model.concurrent_fields` the
output fields it can compute on several threads at once; for a :class:`Differentiable`
model a field named there also covers ``embed(..., field)`` and
``forward_from_embeds(field, ...)``. Every other field is *exclusive*: it switches state
that other calls see (eager attention kernels, hooks, a shared buffer), so while one
call computes it no other call runs on that model, from any thread. The engine holds
that per-model lock around each batch it hands the model, whoever called the engine
(the server, the CLI, a notebook, a component), and runs a call's batches in parallel
on :meth:`Model.batch_pool` only when every field the call asks for is concurrent. The
default declares nothing: the engine then calls the model from one thread at a time.
Code that calls a model directly, outside the engine, holds
``lumos.engine.concurrency.model_access(model, fields)`` to get the same guarantee.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from lumos.api.model_identity import default_identity, unhashable_attributes
from lumos.api.types import FieldSpec, Spec, SpecError, TextSegment, Tokens, validate_example

JsonDict = dict[str, Any]

#: a ``torch.Tensor``; spelled ``Any`` because the contracts import no torch, not even
#: for type checkers (the import-layer contract counts TYPE_CHECKING imports)
Tensor = Any
#: a ``torch.nn.Module``, for the same reason
TorchModule = Any


@dataclass(frozen=True)
class BatchPool:
    """Threads on which the engine may run ``workers`` of a model's batches at once."""

    executor: Executor
    workers: int


class Model(ABC):
    """Base class of every model adapter.

    Concurrency rule: the engine calls ``predict`` (and, for a Differentiable model,
    ``embed``/``forward_from_embeds``) on several threads at once only for fields named in
    :meth:`concurrent_fields`; a call that asks for any other field runs alone on the
    model (the engine holds the model's lock), and its batches run one after another.
    """

    #: the largest batch ``predict`` is called with
    max_batch_size: int = 32
    #: instance attributes the default :meth:`fingerprint` leaves out, because they never
    #: change an output (batch size, call counters); subclasses add their own
    fingerprint_ignore: tuple[str, ...] = ("max_batch_size",)

    @abstractmethod
    def input_spec(self) -> Spec:
        """Fields the model reads from an example."""

    @abstractmethod
    def output_spec(self) -> Spec:
        """Fields ``predict`` returns."""

    @abstractmethod
    def predict(
        self, inputs: Sequence[Mapping[str, Any]], *, fields: Collection[str] | None = None
    ) -> list[JsonDict]:
        """Predict on a batch (``len(inputs) <= max_batch_size``).

        ``fields`` names the outputs wanted; ``None`` means every field whose type is not
        expensive. An adapter may return more than asked; it must return what was asked.
        """

    def fingerprint(self) -> str:
        """A stable id of this model's weights and settings, the base of its cache key.

        Adapters override this with a hash of their weights, tokenizer and settings. The
        default (``lumos.api.model_identity``) hashes the model's code (its classes'
        source), its instance attributes by content, and its specs, so two objects of a
        user's subclass built with different settings never share cached outputs. An
        attribute whose content cannot be hashed is left out and makes
        :meth:`persistent_cache` ``False``. It is computed fresh on every call: the engine
        keeps the result with the model (``lumos.store.keys.model_key``) and asks again
        only when :meth:`state_token` changes or after :meth:`invalidate_fingerprint`.
        """
        return default_identity(self, Model)[0]

    def state_token(self) -> Hashable:
        """A cheap value that changes whenever the weights change in place.

        Torch adapters return their parameters' version counters, data pointers and
        shapes (``lumos.models.torch_state``), so fine-tuning or ``load_state_dict`` in a
        notebook is noticed without hashing the weights again. A model on the default
        :meth:`fingerprint` returns that fingerprint itself (its settings hashed again on
        each engine call, its code once per class), so changing an attribute in place is
        noticed too; override this when the attributes are large. ``None`` means "fixed
        after construction": call :meth:`invalidate_fingerprint` after changing such a
        model."""
        if type(self).fingerprint is Model.fingerprint:
            return default_identity(self, Model)[0]
        return None

    def invalidate_fingerprint(self) -> None:
        """Make the engine fingerprint this model again before its next use."""
        self._fingerprint_generation = getattr(self, "_fingerprint_generation", 0) + 1

    def persistent_cache(self) -> bool:
        """Whether outputs may be cached across processes (in the store's file).

        ``False`` for a model whose fingerprint cannot vouch for its weights: a remote
        model whose server sends none, or a model on the default :meth:`fingerprint`
        holding an attribute whose content cannot be hashed (a function, a foreign
        object). Its outputs are then cached in memory only, for the life of this object.
        """
        if type(self).fingerprint is Model.fingerprint:
            return not unhashable_attributes(self)
        return True

    def description(self) -> str:
        doc = type(self).__doc__
        return doc.strip().splitlines()[0] if doc else ""

    def length_key(self, example: Mapping[str, Any]) -> int:
        """A cheap proxy for an example's cost, used to sort inputs into batches."""
        total = 0
        for name, fs in self.input_spec().items():
            v = example.get(name)
            if isinstance(fs, TextSegment) and isinstance(v, str):
                total += len(v)
            elif isinstance(fs, Tokens) and v is not None:
                total += sum(len(t) + 1 for t in v)
        return total

    def default_fields(self) -> list[str]:
        return [n for n, f in self.output_spec().items() if not f.expensive]

    def concurrent_fields(self) -> frozenset[str]:
        """Output fields this model can compute on several threads at once.

        A field belongs here only when computing it touches no state that another call
        on the same model could see or change: no hooks, no switched kernels or flags,
        no shared buffers. For a :class:`Differentiable` model, naming a gradient field
        also declares that ``embed`` and ``forward_from_embeds`` for it are safe to run
        on several threads. Empty (the default): every call runs alone on the model.
        """
        return frozenset()

    def batch_pool(self) -> BatchPool | None:
        """Where the engine may run several batches of one call at the same time.

        ``None`` (the default) runs them one after another on the caller's thread. The
        engine uses the pool only for calls whose every field is in
        :meth:`concurrent_fields`; an adapter returns one when that gains something
        (see ``lumos.models.torch_threads``).
        """
        return None

    def close(self) -> None:
        """Release resources (sessions, files). Optional."""
        return None


@dataclass
class EmbeddedBatch:
    """What a :class:`Differentiable` model hands to gradient-based methods.

    ``inputs_embeds``: ``[batch, tokens, dim]`` word embeddings (no position embeddings).
    ``forward_kwargs``: tensors the forward pass needs besides embeddings (attention mask).
    ``input_ids``: ``[batch, tokens]``, so baselines can be built from token ids.
    ``tokens``: the readable tokens of each example, unpadded (length ``lengths[i]``).
    ``special``: ``[batch, tokens]`` bool, True for special and padding tokens.
    """

    inputs_embeds: Tensor
    input_ids: Tensor
    forward_kwargs: dict[str, Tensor]
    tokens: list[list[str]]
    special: Tensor
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Differentiable(Protocol):
    """A model whose output can be differentiated w.r.t. its input word embeddings."""

    def gradient_fields(self) -> list[str]:
        """Output fields that ``forward_from_embeds`` can produce scores for."""

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str) -> EmbeddedBatch:
        """Tokenise a batch and look up its word embeddings."""

    def forward_from_embeds(
        self, field: str, inputs_embeds: Tensor, **forward_kwargs: Tensor
    ) -> Tensor:
        """Scores for ``field``: ``[B, C]`` (classes), ``[B, 1]`` (regression) or
        ``[B, T, C]`` (per token: tags, next-token logits)."""

    def embedding_layer(self) -> TorchModule:
        """The word-embedding module (for layer methods such as LayerIntegratedGradients)."""

    def special_token_ids(self) -> Mapping[str, int]:
        """Ids of ``pad``, ``mask``, ``unk`` (those the tokenizer has), for baselines."""


@runtime_checkable
class Activations(Protocol):
    """A model whose internal activations can be read per input token.

    ``where`` names what to read: an ``int`` is a hidden-state layer (0: the embeddings,
    ``i``: the output of the ``i``-th layer, negative counts from the last), a ``str``
    the dotted name of a submodule (``"bert.encoder.layer.3.output"``) whose output is
    ``[batch, tokens, dim]``. Reading a module installs a forward hook for the call:
    the engine holds the model exclusively around it (``lumos.engine.activations``).
    """

    def activation_layers(self) -> int:
        """How many hidden-state layers ``where=int`` can name (embeddings included)."""

    def activation_modules(self) -> list[str]:
        """Dotted names of the submodules ``where=str`` can name."""

    def activations(self, inputs: Sequence[Mapping[str, Any]], where: int | str
                    ) -> list[JsonDict]:
        """Per example: ``{"tokens": [...], "values": [tokens, dim] float array}``, the
        tokens being the model's own (special tokens included), aligned with the rows."""


def check_outputs(model: Model, outputs: Sequence[Mapping[str, Any]],
                  fields: Collection[str], model_name: str = "model") -> None:
    """Raise ``SpecError`` when outputs miss a requested field or a value misfits."""
    spec = model.output_spec()
    sub: dict[str, FieldSpec] = {}
    for name in fields:
        if name not in spec:
            raise SpecError(f"{model_name}: field '{name}' is not in the output spec "
                            f"(fields: {sorted(spec)})")
        sub[name] = spec[name]
    for i, out in enumerate(outputs):
        missing = [n for n in sub if n not in out]
        if missing:
            raise SpecError(f"{model_name}: output {i} lacks field '{missing[0]}' "
                            "declared in its output spec")
        validate_example(sub, out, where=f"{model_name} output {i}")
