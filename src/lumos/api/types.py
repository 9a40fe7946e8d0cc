"""Field types: the typed vocabulary that models, datasets and components speak.

Every field in a model's input or output spec, and every column of a dataset, is
described by one of these frozen, keyword-only dataclasses. Each one validates a value
and serialises itself to JSON, which is also the single source of the UI's TypeScript
types (see ``lumos.api.schema``).

Shapes are documented per type; arrays are ``numpy.ndarray``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


class SpecError(ValueError):
    """A value, a spec or a pairing of specs is wrong. The message names the field."""


def _fail(name: str, message: str) -> SpecError:
    return SpecError(f"field '{name}': {message}")


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """Base of every field type.

    ``required``: an input the model cannot work without (datasets must supply it).
    ``expensive`` (class attribute): computed only when a caller asks for the field.
    """

    required: bool = True
    description: str = ""

    expensive: ClassVar[bool] = False

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def validate(self, name: str, value: Any) -> None:
        """Raise ``SpecError`` naming ``name`` if ``value`` does not fit this type."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


def _array(name: str, value: Any, ndim: int | tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in dims:
        raise _fail(name, f"expected an array with {ndim} dimension(s), got shape {arr.shape}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise _fail(name, "array contains NaN or infinite values")
    return arr


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, kw_only=True)
class TextSegment(FieldSpec):
    """A piece of free text. Empty strings are rejected unless ``allow_empty``."""

    allow_empty: bool = False

    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, str):
            raise _fail(name, f"expected text, got {type(value).__name__}")
        if not self.allow_empty and not value.strip():
            raise _fail(name, "text is empty")


@dataclass(frozen=True, kw_only=True)
class Tokens(FieldSpec):
    """A list of string tokens; ``parent`` names the text field they come from."""

    parent: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray):
            raise _fail(name, f"expected a list of tokens, got {type(value).__name__}")
        for t in value:
            if not isinstance(t, str):
                raise _fail(name, f"token {t!r} is not a string")


@dataclass(frozen=True, kw_only=True)
class CategoryLabel(FieldSpec):
    """One label from ``vocab`` (if given)."""

    vocab: tuple[str, ...] | None = None

    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, str):
            raise _fail(name, f"expected a label string, got {type(value).__name__}")
        if self.vocab is not None and value not in self.vocab:
            raise _fail(name, f"label {value!r} is not one of {list(self.vocab)}")


@dataclass(frozen=True, kw_only=True)
class Scalar(FieldSpec):
    """A number, optionally bounded."""

    min_val: float | None = None
    max_val: float | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise _fail(name, f"expected a number, got {type(value).__name__}")
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            raise _fail(name, "value is NaN or infinite")
        if self.min_val is not None and v < self.min_val:
            raise _fail(name, f"{v} is below the minimum {self.min_val}")
        if self.max_val is not None and v > self.max_val:
            raise _fail(name, f"{v} is above the maximum {self.max_val}")


@dataclass(frozen=True, kw_only=True)
class RegressionScore(Scalar):
    """A model's real-valued prediction; ``parent`` names the gold field."""

    parent: str | None = None


@dataclass(frozen=True, kw_only=True)
class Boolean(FieldSpec):
    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, bool | np.bool_):
            raise _fail(name, f"expected true/false, got {type(value).__name__}")


@dataclass(frozen=True, kw_only=True)
class SequenceTags(FieldSpec):
    """One tag per token of ``align``; with ``vocab`` the tags are checked."""

    align: str | None = None
    vocab: tuple[str, ...] | None = None
    parent: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray):
            raise _fail(name, f"expected a list of tags, got {type(value).__name__}")
        if self.vocab is not None:
            for t in value:
                if t not in self.vocab:
                    raise _fail(name, f"tag {t!r} is not one of {list(self.vocab)}")


@dataclass(frozen=True, kw_only=True)
class SpanLabels(FieldSpec):
    """Labelled spans ``{"start": int, "end": int, "label": str}`` over ``align``.

    Offsets are token offsets when ``align`` names a Tokens field and character offsets
    when it names a TextSegment; ``end`` is exclusive.
    """

    align: str | None = None
    parent: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise _fail(name, "expected a list of spans")
        for s in value:
            if not isinstance(s, Mapping) or not {"start", "end"} <= set(s):
                raise _fail(name, f"span {s!r} needs 'start' and 'end'")
            if int(s["end"]) < int(s["start"]):
                raise _fail(name, f"span {s!r} ends before it starts")


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, kw_only=True)
class MulticlassPreds(FieldSpec):
    """Class probabilities, shape ``[len(vocab)]``; ``parent`` names the gold field."""

    vocab: tuple[str, ...] = ()
    parent: str | None = None
    null_idx: int | None = None

    def validate(self, name: str, value: Any) -> None:
        arr = _array(name, value, 1)
        if self.vocab and arr.shape[0] != len(self.vocab):
            raise _fail(
                name, f"expected {len(self.vocab)} probabilities ({list(self.vocab)}), "
                f"got {arr.shape[0]}"
            )
        if arr.size and (arr.min() < -1e-4 or abs(float(arr.sum()) - 1.0) > 1e-2):
            raise _fail(name, f"probabilities must be >= 0 and sum to 1 (sum={arr.sum():.4f})")


@dataclass(frozen=True, kw_only=True)
class TokenProbs(FieldSpec):
    """Per-token class probabilities, shape ``[num_tokens, len(vocab)]``."""

    vocab: tuple[str, ...] = ()
    align: str | None = None

    def validate(self, name: str, value: Any) -> None:
        arr = _array(name, value, 2)
        if self.vocab and arr.shape[1] != len(self.vocab):
            raise _fail(name, f"expected {len(self.vocab)} columns, got {arr.shape[1]}")


@dataclass(frozen=True, kw_only=True)
class GeneratedText(FieldSpec):
    """Text a model generated; ``parent`` names the reference field, if any."""

    parent: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, str):
            raise _fail(name, f"expected generated text, got {type(value).__name__}")


@dataclass(frozen=True, kw_only=True)
class GeneratedTextCandidates(FieldSpec):
    """Several candidates, each ``[text, score]`` (score: sequence log-probability)."""

    parent: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise _fail(name, "expected a list of [text, score] candidates")
        for c in value:
            if not (isinstance(c, Sequence) and len(c) == 2 and isinstance(c[0], str)):
                raise _fail(name, f"candidate {c!r} is not [text, score]")


@dataclass(frozen=True, kw_only=True)
class TopTokens(FieldSpec):
    """Per position, the top-k predicted tokens: ``[[(token, prob), ...], ...]``."""

    align: str | None = None

    def validate(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise _fail(name, "expected a list (one entry per position)")


@dataclass(frozen=True, kw_only=True)
class Embeddings(FieldSpec):
    """A pooled vector ``[dim]``, or ``[num_layers, dim]`` when ``per_layer``."""

    layer: int | None = None
    per_layer: bool = False

    @property
    def expensive(self) -> bool:  # type: ignore[override]
        return self.per_layer

    def validate(self, name: str, value: Any) -> None:
        _array(name, value, 2 if self.per_layer else 1)


@dataclass(frozen=True, kw_only=True)
class TokenEmbeddings(FieldSpec):
    """Per-token vectors ``[num_tokens, dim]``, or ``[layers, tokens, dim]``."""

    align: str | None = None
    layer: int | None = None
    per_layer: bool = False
    expensive: ClassVar[bool] = True

    def validate(self, name: str, value: Any) -> None:
        _array(name, value, 3 if self.per_layer else 2)


@dataclass(frozen=True, kw_only=True)
class TokenGradients(FieldSpec):
    """Gradient of the target score w.r.t. input embeddings, ``[num_tokens, dim]``.

    ``grad_for`` names the output field whose target was differentiated; ``target``
    names the optional input field that chooses the target (class, tag or position).
    """

    align: str | None = None
    grad_for: str | None = None
    target: str | None = None
    expensive: ClassVar[bool] = True

    def validate(self, name: str, value: Any) -> None:
        _array(name, value, 2)


@dataclass(frozen=True, kw_only=True)
class AttentionHeads(FieldSpec):
    """Attention weights ``[layers, heads, num_out_tokens, num_in_tokens]``.

    ``kind`` is ``encoder``, ``decoder`` (self-attention) or ``cross``.
    """

    align_in: str | None = None
    align_out: str | None = None
    num_layers: int | None = None
    num_heads: int | None = None
    kind: str = "encoder"
    expensive: ClassVar[bool] = True

    def validate(self, name: str, value: Any) -> None:
        arr = _array(name, value, 4)
        if self.num_layers is not None and arr.shape[0] != self.num_layers:
            raise _fail(name, f"expected {self.num_layers} layers, got {arr.shape[0]}")
        if self.num_heads is not None and arr.shape[1] != self.num_heads:
            raise _fail(name, f"expected {self.num_heads} heads, got {arr.shape[1]}")


@dataclass(frozen=True, kw_only=True)
class TokenSalience(FieldSpec):
    """``{"tokens": [...], "salience": array[num_tokens]}``; ``signed`` salience may be < 0."""

    signed: bool = True
    autorun: bool = False

    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, Mapping) or not {"tokens", "salience"} <= set(value):
            raise _fail(name, "expected a mapping with 'tokens' and 'salience'")
        sal = _array(name, value["salience"], 1)
        if len(value["tokens"]) != sal.shape[0]:
            raise _fail(name, f"{len(value['tokens'])} tokens but {sal.shape[0]} scores")


@dataclass(frozen=True, kw_only=True)
class SequenceSalience(FieldSpec):
    """Per generated token, salience over source and earlier tokens.

    ``{"source": [...], "target": [...], "salience": array[num_target, num_source+num_target]}``.
    """

    signed: bool = True

    def validate(self, name: str, value: Any) -> None:
        if not isinstance(value, Mapping) or not {"source", "target", "salience"} <= set(value):
            raise _fail(name, "expected a mapping with 'source', 'target' and 'salience'")
        sal = _array(name, value["salience"], 2)
        if sal.shape[0] != len(value["target"]):
            raise _fail(name, f"{len(value['target'])} target tokens but {sal.shape[0]} rows")


@dataclass(frozen=True, kw_only=True)
class TokenLogProbs(FieldSpec):
    """Log-probability a language model gives each token of ``align`` given the tokens
    before it, shape ``[num_tokens]``; perplexity is ``exp(-mean)`` over tokens."""

    align: str | None = None

    def validate(self, name: str, value: Any) -> None:
        arr = _array(name, value, 1)
        if arr.size and float(arr.max()) > 1e-4:
            raise _fail(name, "log-probabilities must be <= 0")


@dataclass(frozen=True, kw_only=True)
class Metadata(FieldSpec):
    """Free-form JSON-serialisable data (ids, provenance) that no component interprets."""

    required: bool = False


# ------------------------------------------------------------------- spec helpers

Spec = dict[str, FieldSpec]

#: every concrete field type, by name (used by the schema generator and decoders)
FIELD_TYPES: dict[str, type[FieldSpec]] = {
    cls.__name__: cls
    for cls in (
        TextSegment, Tokens, CategoryLabel, Scalar, RegressionScore, Boolean, SequenceTags,
        SpanLabels, MulticlassPreds, TokenProbs, GeneratedText, GeneratedTextCandidates,
        TopTokens, Embeddings, TokenEmbeddings, TokenGradients, AttentionHeads, TokenSalience,
        SequenceSalience, TokenLogProbs, Metadata,
    )
}


def spec_to_json(spec: Mapping[str, FieldSpec]) -> dict[str, dict[str, Any]]:
    return {name: f.to_json() for name, f in spec.items()}


def spec_from_json(data: Mapping[str, Mapping[str, Any]]) -> Spec:
    """Rebuild a spec from ``spec_to_json`` output (used by the remote adapter)."""
    out: Spec = {}
    for name, d in data.items():
        tname = d.get("type")
        cls = FIELD_TYPES.get(str(tname))
        if cls is None:
            raise _fail(name, f"unknown field type {tname!r}")
        kwargs: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(cls)}
        for k, v in d.items():
            if k in names:
                kwargs[k] = tuple(v) if isinstance(v, list) else v
        out[name] = cls(**kwargs)
    return out


def find_fields(spec: Mapping[str, FieldSpec], *types: type[FieldSpec]) -> list[str]:
    """Names of the fields in ``spec`` that are instances of any of ``types``."""
    return [n for n, f in spec.items() if isinstance(f, types)]


def validate_example(spec: Mapping[str, FieldSpec], example: Mapping[str, Any],
                     where: str = "") -> None:
    """Check an example against a spec: required fields present, values valid."""
    prefix = f"{where}: " if where else ""
    for name, fs in spec.items():
        if name not in example or example[name] is None:
            if fs.required:
                raise SpecError(f"{prefix}field '{name}' is required but missing")
            continue
        try:
            fs.validate(name, example[name])
        except SpecError as e:
            raise SpecError(f"{prefix}{e}") from None


__all__ = [
    "FieldSpec", "SpecError", "Spec", "FIELD_TYPES",
    *FIELD_TYPES, "spec_to_json", "spec_from_json", "find_fields", "validate_example",
]
