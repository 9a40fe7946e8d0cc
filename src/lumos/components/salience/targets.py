"""What a salience map explains: the config options that choose a target (output, class,
token), their resolution against a model and an example, and the score a target selects.

A resolved :class:`Target` is recorded in every map as ``target`` (``{"output": field,
"index": class index or None, "label": class or None, "position": token position or
None}``), next to ``score``, the model's score for it on the unedited input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.types import SpecError

#: output types a salience map can explain
TARGET_TYPES: tuple[type[T.FieldSpec], ...] = (T.MulticlassPreds, T.RegressionScore,
                                               T.TokenProbs)


@dataclass(frozen=True, kw_only=True)
class TargetConfig:
    """Options every salience method has: which output, class and token to explain."""

    output: str = field(default="", metadata={
        "help": "output field to explain (default: the first one the method supports)"})
    target: str = field(default="", metadata={
        "help": "class label to explain (default: the predicted class; per example, a "
                "'grad_target' input wins)"})
    token_index: int = field(default=0, metadata={
        "help": "for per-token outputs (tagging): the token whose prediction is explained"})


@dataclass(frozen=True)
class Target:
    """A resolved target: ``index`` selects a class, ``position`` a token (tagging)."""

    output: str
    index: int | None
    label: str | None
    position: int | None
    #: where ``position`` (a word) sits in the model's own tokens, when they differ
    piece: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"output": self.output, "index": self.index, "label": self.label,
                "position": self.position}

    def captum(self) -> int | tuple[int, int]:
        """Captum's per-example target into scores ``[C]``/``[1]`` or ``[T, C]``."""
        idx = 0 if self.index is None else self.index
        pos = self.piece if self.piece is not None else self.position
        return (pos, idx) if pos is not None else idx


def explainable_outputs(model: Model, allowed: Sequence[str] | None = None) -> list[str]:
    spec = model.output_spec()
    names = [n for n, f in spec.items() if isinstance(f, TARGET_TYPES)]
    if allowed is not None:
        names = [n for n in names if n in allowed]
    return names


def resolve_output(model: Model, config: TargetConfig, allowed: Sequence[str] | None,
                   method: str) -> str:
    names = explainable_outputs(model, allowed)
    if config.output:
        if config.output not in names:
            raise SpecError(f"{method}: config option 'output': '{config.output}' is not an "
                            f"output this method can explain (choices: {names})")
        return config.output
    if not names:
        raise SpecError(f"{method}: the model has no output this method can explain")
    return names[0]


def resolve_target(model: Model, output: str, config: TargetConfig,
                   example: Mapping[str, Any], scores: np.ndarray, method: str) -> Target:
    """Pick the class (and token) to explain from the config, the example and the scores.

    ``scores`` is the output's value on the unedited input: ``[C]``, a scalar or ``[T, C]``.
    """
    fs = model.output_spec()[output]
    if isinstance(fs, T.RegressionScore):
        return Target(output, None, None, None)
    vocab = tuple(getattr(fs, "vocab", ()) or ())
    position = None
    row = np.asarray(scores, dtype=np.float64)
    if isinstance(fs, T.TokenProbs):
        if row.shape[0] == 0:
            raise SpecError(f"{method}: output '{output}' has no tokens to explain")
        position = config.token_index if config.token_index >= 0 else \
            row.shape[0] + config.token_index
        if not 0 <= position < row.shape[0]:
            raise SpecError(f"{method}: config option 'token_index': {config.token_index} is "
                            f"outside the {row.shape[0]} tokens of the example")
        row = row[position]
    wanted = example.get("grad_target") or config.target
    if wanted:
        if wanted not in vocab:
            where = "input 'grad_target'" if example.get("grad_target") else \
                "config option 'target'"
            raise SpecError(f"{method}: {where}: '{wanted}' is not a label of output "
                            f"'{output}' (labels: {list(vocab)})")
        index = vocab.index(wanted)
    else:
        index = int(np.argmax(row))
    label = vocab[index] if index < len(vocab) else None
    return Target(output, index, label, position)


def pick_score(value: Any, target: Target) -> float:
    """The scalar a target selects from one output value."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    if target.position is not None:
        return float(arr[target.position, target.index or 0])
    return float(arr[target.index or 0])


def at_first_piece(tgt: Target, first_piece: Sequence[int | None], method: str) -> Target:
    """A tagging target whose ``position`` counts *words* (as the tags and the black-box
    methods do), pointed for Captum at the word's first piece in the model's tokens."""
    if tgt.position is None:
        return tgt
    piece = first_piece[tgt.position]
    if piece is None:
        raise SpecError(f"{method}: config option 'token_index': word {tgt.position} was cut "
                        "off by the model's max_length, so it has no prediction to explain")
    return dataclasses.replace(tgt, piece=piece)

