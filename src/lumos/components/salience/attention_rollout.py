"""Attention rollout (Abnar & Zuidema, 2020): attention propagated through the layers.

Per layer, heads are averaged (or max-pooled), the residual connection is added as
``0.5·A + 0.5·I`` and rows are renormalised; the layer matrices are multiplied from the
first layer up. The salience of a token is its row in the rolled-out matrix for the
chosen query position (the first token, e.g. [CLS], by default) or the mean over rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.context import RunContext
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.salience.attention import (
    attention_fields,
    fetch_attention,
    parse_indices,
    select,
    tokens_for,
)


def rollout(maps: np.ndarray, *, head_fusion: str = "mean", residual: float = 0.5
            ) -> np.ndarray:
    """``[L, H, T, T] -> [T, T]``: rows are queries, columns the input tokens."""
    maps = np.asarray(maps, dtype=np.float64)
    fused = maps.max(1) if head_fusion == "max" else maps.mean(1)
    n = fused.shape[-1]
    eye = np.eye(n)
    out = eye
    for layer in fused:
        a = (1.0 - residual) * layer + residual * eye
        a = a / a.sum(-1, keepdims=True)
        out = a @ out
    return out


def self_attention_fields(model: Model) -> list[str]:
    spec = model.output_spec()
    return [n for n in attention_fields(model) if getattr(spec[n], "kind", "") != "cross"]


@register("attention_rollout", display_name="Attention rollout")
class AttentionRollout(Interpreter):
    """Token salience from rolled-out self-attention (unsigned)."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config:
        output: str = field(default="", metadata={
            "help": "self-attention output field (default: the model's first)"})
        layers: tuple[int, ...] = field(default=(), metadata={
            "help": "layers to roll out, in order (default: all)"})
        head_fusion: str = field(default="mean", metadata={
            "help": "how heads are combined in a layer: mean or max"})
        residual: float = field(default=0.5, metadata={
            "help": "weight of the identity added for the residual connection"})
        query: int = field(default=0, metadata={
            "help": "query position whose row is the salience (-1: mean over rows)"})

        def __post_init__(self) -> None:
            object.__setattr__(self, "layers", parse_indices(self.layers, "layers"))
            if self.head_fusion not in ("mean", "max"):
                raise ValueError(f"'head_fusion' must be mean or max, got '{self.head_fusion}'")
            if not 0.0 <= self.residual < 1.0:
                raise ValueError(f"'residual' must be in [0, 1), got {self.residual}")

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return model is not None and bool(self_attention_fields(model))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.TokenSalience(signed=False)}

    def model_fields(self, model: Model, config: Any) -> tuple[str, ...]:
        """Nothing directly: the attention is read through the engine's ``predict``."""
        return ()

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        names = self_attention_fields(model)
        if config.output and config.output not in names:
            raise SpecError(f"{self.id}: config option 'output': '{config.output}' is not a "
                            f"self-attention output (choices: {names})")
        if not names:
            raise SpecError(f"{self.id}: the model has no self-attention output")
        fname = config.output or names[0]
        outs, fs = fetch_attention(model, inputs, fname, context)
        results = []
        for ex, out in zip(inputs, outs, strict=True):
            maps = np.asarray(out[fname])
            layers = select(maps.shape[0], config.layers, "layers", self.id)
            mat = rollout(maps[layers], head_fusion=config.head_fusion,
                          residual=config.residual)
            n = mat.shape[0]
            if config.query == -1:
                sal = mat.mean(0)
            else:
                if not 0 <= config.query < n:
                    raise SpecError(f"{self.id}: config option 'query': {config.query} is "
                                    f"outside the {n} tokens")
                sal = mat[config.query]
            tokens = tokens_for(fs.align_in, ex, out, n)
            results.append({self.id: {
                "tokens": tokens, "salience": sal.astype(np.float32),
                "matrix": mat.astype(np.float32), "granularity": "model_token",
                "positions": list(range(n)), "layers": layers,
                "target": {"output": fname, "index": None, "label": None,
                           "position": config.query if config.query >= 0 else None},
            }})
        return results
