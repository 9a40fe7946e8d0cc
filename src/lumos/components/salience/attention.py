"""Attention maps per layer × head (encoder, decoder self- and cross-attention), with
layer and head selection and per-head concentration statistics.

Reads a model's :class:`AttentionHeads` output through the run context's ``predict``
(the engine's: cached like any prediction). For each selected head, ``entropy`` is the
mean over query positions of the attention row's entropy divided by ``log(num keys)``:
0 when every query attends to one key, 1 when attention is uniform.
``head_entropy_summary`` aggregates it over a dataset, which gives thresholds for audits
("no head in layer 0 may be uniform").
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


def attention_fields(model: Model) -> list[str]:
    return T.find_fields(model.output_spec(), T.AttentionHeads)


def parse_indices(value: Any, option: str) -> tuple[int, ...]:
    """``"0,2"``, ``[0, 2]`` or ``()`` (all) as a tuple of ints; errors name the option."""
    if value in (None, "", ()):
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        return tuple(int(str(v).strip()) for v in items)
    except ValueError:
        raise ValueError(f"'{option}' must be a list of integers, got {value!r}") from None


def select(n: int, wanted: tuple[int, ...], what: str, method: str) -> list[int]:
    if not wanted:
        return list(range(n))
    out = []
    for i in wanted:
        j = i if i >= 0 else n + i
        if not 0 <= j < n:
            raise SpecError(f"{method}: config option '{what}': {i} is out of range "
                            f"(the model has {n})")
        out.append(j)
    return out


def head_entropy(maps: np.ndarray) -> np.ndarray:
    """Normalised mean row entropy per head: ``[L, H, Tq, Tk] -> [L, H]`` in [0, 1]."""
    p = np.clip(np.asarray(maps, dtype=np.float64), 1e-12, None)
    p = p / p.sum(-1, keepdims=True)
    ent = -(p * np.log(p)).sum(-1).mean(-1)
    k = maps.shape[-1]
    return ent / np.log(k) if k > 1 else np.zeros(ent.shape)


def head_entropy_summary(results: Sequence[Mapping[str, Any]], key: str
                         ) -> dict[str, Any]:
    """Mean, std and min of each head's entropy over many examples' ``key`` metadata."""
    stack = np.stack([np.asarray(r[key]["entropy"]) for r in results])
    first = results[0][key]
    return {"layers": first["layers"], "heads": first["heads"],
            "mean": stack.mean(0), "std": stack.std(0), "min": stack.min(0),
            "n": len(results)}


def tokens_for(name: str | None, example: Mapping[str, Any], out: Mapping[str, Any],
               n: int) -> list[str]:
    if name and name in out:
        return [str(t) for t in out[name]]
    if name and name in example and not isinstance(example[name], str):
        return [str(t) for t in example[name]]
    return [str(i) for i in range(n)]


def fetch_attention(model: Model, inputs: Sequence[Mapping[str, Any]], fname: str,
                    context: RunContext) -> tuple[list[dict[str, Any]], T.AttentionHeads]:
    spec = model.output_spec()
    fs = spec[fname]
    assert isinstance(fs, T.AttentionHeads)
    wanted = [fname] + [a for a in (fs.align_in, fs.align_out) if a and a in spec]
    return context.predict(model, inputs, fields=sorted(set(wanted))), fs


@register("attention", display_name="Attention")
class Attention(Interpreter):
    """Selected layers × heads of one attention output, with per-head entropy."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config:
        output: str = field(default="", metadata={
            "help": "attention output field (default: the model's first)"})
        layers: tuple[int, ...] = field(default=(), metadata={
            "help": "layers to keep, e.g. 0,5 or -1 (default: all)"})
        heads: tuple[int, ...] = field(default=(), metadata={
            "help": "heads to keep (default: all)"})

        def __post_init__(self) -> None:
            object.__setattr__(self, "layers", parse_indices(self.layers, "layers"))
            object.__setattr__(self, "heads", parse_indices(self.heads, "heads"))

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return model is not None and bool(attention_fields(model))

    def field_name(self, model: Model, config: Any) -> str:
        names = attention_fields(model)
        if config.output:
            if config.output not in names:
                raise SpecError(f"{self.id}: config option 'output': '{config.output}' is "
                                f"not an attention output (attention outputs: {names})")
            return str(config.output)
        if not names:
            raise SpecError(f"{self.id}: the model has no attention output")
        return names[0]

    def output_spec(self, model: Model) -> T.Spec:
        names = attention_fields(model)
        fs = model.output_spec()[names[0]] if names else T.AttentionHeads()
        assert isinstance(fs, T.AttentionHeads)
        return {"attention": T.AttentionHeads(align_in=fs.align_in, align_out=fs.align_out,
                                              kind=fs.kind),
                "attention_info": T.Metadata(description="layers, heads, tokens and "
                                             "per-head entropy of 'attention'")}

    def model_fields(self, model: Model, config: Any) -> tuple[str, ...]:
        """Nothing directly: the attention is read through the engine's ``predict``."""
        return ()

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        fname = self.field_name(model, config)
        outs, fs = fetch_attention(model, inputs, fname, context)
        results = []
        for ex, out in zip(inputs, outs, strict=True):
            maps = np.asarray(out[fname], dtype=np.float32)
            layers = select(maps.shape[0], config.layers, "layers", self.id)
            heads = select(maps.shape[1], config.heads, "heads", self.id)
            sel = np.ascontiguousarray(maps[np.ix_(layers, heads)])
            results.append({
                "attention": sel,
                "attention_info": {
                    "output": fname, "kind": fs.kind, "layers": layers, "heads": heads,
                    "tokens_in": tokens_for(fs.align_in, ex, out, maps.shape[3]),
                    "tokens_out": tokens_for(fs.align_out, ex, out, maps.shape[2]),
                    "entropy": head_entropy(sel).round(6).tolist(),
                }})
        return results
