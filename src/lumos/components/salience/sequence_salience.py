"""Sequence salience for generation models: for each generated token, how much each
input token (and, for causal LMs, each earlier generated token) raised its log-probability.

The result is a target × source matrix (``SequenceSalience``), like Captum's
``LLMGradientAttribution``. Two adapter contracts are read (both ``Differentiable``):

- causal LM: ``embed`` returns prompt + greedy response with ``extra["prompt_lengths"]``;
  ``forward_from_embeds`` gives next-token logits ``[B, T, V]`` (position t predicts
  t+1). Columns are the prompt and response tokens; a row is zero from its own token on.
- seq2seq: ``embed`` returns the source with ``decoder_input_ids`` in ``forward_kwargs``
  and ``extra["target_ids"]``/``["target_mask"]``/``["target_tokens"]``; logits are
  ``[B, T_target, V]``. Columns are the source tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.context import RunContext
from lumos.api.model import Differentiable, Model
from lumos.api.registry import register
from lumos.api.types import SpecError

GENERATION_TYPES = (T.GeneratedText, T.GeneratedTextCandidates)


def generation_fields(model: Model) -> list[str]:
    if not isinstance(model, Differentiable):
        return []
    spec = model.output_spec()
    return [n for n in model.gradient_fields()
            if n in spec and isinstance(spec[n], GENERATION_TYPES)]


@register("sequence_salience", display_name="Sequence salience")
class SequenceSalienceInterpreter(Interpreter):
    """Per generated token: gradient × input or integrated gradients of its log-prob."""
    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config:
        method: str = field(default="grad_dot_input", metadata={
            "help": "grad_dot_input or integrated_gradients"})
        steps: int = field(default=16, metadata={
            "help": "integration steps (integrated_gradients only)"})
        max_target_tokens: int = field(default=32, metadata={
            "help": "explain at most this many generated tokens"})

        def __post_init__(self) -> None:
            if self.method not in ("grad_dot_input", "integrated_gradients"):
                raise ValueError(f"'method' must be grad_dot_input or integrated_gradients, "
                                 f"got '{self.method}'")
            if self.steps < 2:
                raise ValueError(f"'steps' must be >= 2, got {self.steps}")
            if self.max_target_tokens < 1:
                raise ValueError(f"'max_target_tokens' must be >= 1, got "
                                 f"{self.max_target_tokens}")

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return model is not None and bool(generation_fields(model))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.SequenceSalience(signed=True)}

    def model_fields(self, model: Model, config: Any) -> list[str]:
        """The generation output: ``run`` calls ``forward_from_embeds`` for it."""
        return generation_fields(model)[:1]

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        names = generation_fields(model)
        if not names:
            raise SpecError(f"{self.id}: the model is not a differentiable generation model")
        return [{self.id: self._one(ex, model, names[0], config)} for ex in inputs]

    def _attribute(self, model: Any, output: str, emb: Any, extra: tuple[Any, ...],
                   keys: list[str], pos: int, token: int, config: Any) -> np.ndarray:
        import torch
        from captum.attr import InputXGradient, IntegratedGradients

        def forward(e: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
            logits = model.forward_from_embeds(output, e, **dict(zip(keys, more, strict=True)))
            return logits[:, pos, :].log_softmax(-1)

        x = emb.detach().clone().requires_grad_(True)
        if config.method == "integrated_gradients":
            attr = IntegratedGradients(forward).attribute(
                x, baselines=torch.zeros_like(x), target=token, additional_forward_args=extra,
                n_steps=config.steps, internal_batch_size=max(2, config.steps))
        else:
            attr = InputXGradient(forward).attribute(x, target=token,
                                                     additional_forward_args=extra)
        return attr.sum(-1)[0].detach().float().cpu().numpy()

    def _one(self, example: Mapping[str, Any], model: Any, output: str, config: Any
             ) -> dict[str, Any]:
        emb = model.embed([example], output)
        keys = list(emb.forward_kwargs)
        extra = tuple(emb.forward_kwargs[k] for k in keys)
        tokens = emb.tokens[0]
        if "prompt_lengths" in emb.extra:  # causal LM
            p = int(emb.extra["prompt_lengths"][0])
            n = len(tokens)
            ids = emb.input_ids[0].tolist()
            targets = list(range(p, n))[:config.max_target_tokens]
            rows = []
            for t in targets:  # logits at t-1 predict token t
                row = self._attribute(model, output, emb.inputs_embeds, extra, keys, t - 1,
                                      ids[t], config)[:n]
                row[t:] = 0.0
                rows.append(row)
            source, target = tokens[:p], [tokens[t] for t in targets]
            # columns: the prompt and the explained generated tokens (the spec's shape)
            sal = np.stack(rows)[:, :p + len(targets)] if rows else np.zeros((0, p))
        elif "target_ids" in emb.extra:  # seq2seq
            tids = emb.extra["target_ids"][0].tolist()
            tmask = emb.extra["target_mask"][0].tolist()
            tok = getattr(model, "tokenizer", None)
            steps = [i for i, m in enumerate(tmask) if m][:config.max_target_tokens]
            rows = [self._attribute(model, output, emb.inputs_embeds, extra, keys, i, tids[i],
                                    config)[:len(tokens)] for i in steps]
            source = tokens
            target = [str(tok.convert_ids_to_tokens(int(tids[i]))) if tok is not None
                      else str(tids[i]) for i in steps]
            sal = np.stack(rows) if rows else np.zeros((0, len(tokens)))
        else:
            raise SpecError(f"{self.id}: the model's embed() gives neither 'prompt_lengths' "
                            "(causal LM) nor 'target_ids' (seq2seq) in EmbeddedBatch.extra")
        return {"source": list(source), "target": list(target),
                "salience": sal.astype(np.float32), "method": config.method}
