"""The gradient family: methods that need the :class:`Differentiable` protocol.

They embed a batch, call Captum on ``forward_from_embeds`` and reduce the per-dimension
attributions to one number per model token (``granularity`` ``"model_token"``: tokens
are the model's own, ``positions`` index them, special tokens dropped). Subclasses
implement :meth:`GradientInterpreter.attribute`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Interpreter
from lumos.api.context import RunContext
from lumos.api.model import Differentiable, Model
from lumos.api.types import SpecError
from lumos.components.salience.targets import (
    at_first_piece,
    explainable_outputs,
    pick_score,
    resolve_output,
    resolve_target,
)

if TYPE_CHECKING:
    import torch


class GradientInterpreter(Interpreter):
    """Base of the Captum gradient methods; subclasses implement :meth:`attribute`."""

    #: whether the per-token salience can be negative
    signed: bool = True

    def is_compatible(self, model: Model | None, dataset_spec: T.Spec) -> bool:
        return (model is not None and isinstance(model, Differentiable)
                and bool(explainable_outputs(model, model.gradient_fields())))

    def output_spec(self, model: Model) -> T.Spec:
        return {self.id: T.TokenSalience(signed=self.signed)}

    def model_fields(self, model: Model, config: Any) -> list[str] | None:
        """The output explained: ``run`` calls ``embed``/``forward_from_embeds`` for it."""
        if not isinstance(model, Differentiable):
            return None
        return [resolve_output(model, config, model.gradient_fields(), self.id)]

    def attribute(self, forward: Any, embedded: Any, extra: tuple[Any, ...],
                  targets: list[Any], model: Any, config: Any
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-token attributions ``[B, T]`` for ``embedded`` (an EmbeddedBatch) and, if
        the method has one, a per-example convergence delta ``[B]``."""
        raise NotImplementedError

    def run(self, inputs: Sequence[Mapping[str, Any]], model: Model, *, config: Any,
            context: RunContext,
            model_outputs: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        import torch

        if not isinstance(model, Differentiable):
            raise SpecError(f"{self.id}: the model does not implement Differentiable "
                            "(embed, forward_from_embeds); use a perturbation method such "
                            "as lime or occlusion")
        output = resolve_output(model, config, model.gradient_fields(), self.id)
        order = sorted(range(len(inputs)), key=lambda i: model.length_key(inputs[i]))
        results: list[dict[str, Any]] = [{} for _ in inputs]
        bs = max(1, int(model.max_batch_size))
        for start in range(0, len(order), bs):
            context.check_cancelled()
            idx = order[start:start + bs]
            batch = [inputs[i] for i in idx]
            for i, r in zip(idx, self._run_batch(batch, model, output, config, torch),
                            strict=True):
                results[i] = r
        return results

    def _run_batch(self, batch: Sequence[Mapping[str, Any]], model: Any, output: str,
                   config: Any, torch: Any) -> list[dict[str, Any]]:
        emb = model.embed(batch, output)
        keys = list(emb.forward_kwargs)
        extra = tuple(emb.forward_kwargs[k] for k in keys)

        def forward(e: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
            return model.forward_from_embeds(output, e, **dict(zip(keys, more, strict=True)))

        with torch.no_grad():
            scores = forward(emb.inputs_embeds, *extra).float().cpu().numpy()
        # a tagger scores word pieces; its targets and scores are per word (first piece)
        firsts = emb.extra.get("word_first_piece")
        rows = [scores[i] if firsts is None else
                scores[i][[p if p is not None else 0 for p in firsts[i]]]
                for i in range(len(batch))]
        targets = [resolve_target(model, output, config, ex, rows[i], self.id)
                   for i, ex in enumerate(batch)]
        if firsts is not None:
            targets = [at_first_piece(t, firsts[i], self.id) for i, t in enumerate(targets)]
        # captum warns when inputs do not already require gradients
        emb.inputs_embeds = emb.inputs_embeds.detach().clone().requires_grad_(True)
        attr, delta = self.attribute(forward, emb, extra, [t.captum() for t in targets],
                                     model, config)
        attr_np = attr.detach().float().cpu().numpy()
        delta_np = None if delta is None else delta.detach().float().cpu().numpy()
        special = emb.special.cpu().numpy()
        out = []
        for i, tgt in enumerate(targets):
            n = len(emb.tokens[i])
            keep = [p for p in range(n) if not special[i, p]]
            value: dict[str, Any] = {
                "tokens": [emb.tokens[i][p] for p in keep],
                "salience": attr_np[i, keep].astype(np.float32),
                "positions": keep,
                "granularity": "model_token",
                "target": tgt.to_json(),
                "score": pick_score(rows[i], tgt),
            }
            if delta_np is not None:
                value["delta"] = float(delta_np[i])
            out.append({self.id: value})
        return out



def baseline_embeds(model: Any, embedded: Any, choice: str, method: str) -> torch.Tensor:
    """Baseline embeddings: ``zero``, or the embedding of the ``pad``/``mask``/``unk``
    token at every non-special position (special tokens keep their embeddings)."""
    import torch

    emb = embedded.inputs_embeds.detach()
    special = embedded.special.to(emb.device)
    if choice == "zero":
        base = torch.zeros_like(emb)
    else:
        ids = dict(model.special_token_ids())
        if choice not in ids:
            raise SpecError(f"{method}: config option 'baseline': the model's tokenizer has "
                            f"no '{choice}' token (has: {sorted(ids)}); try 'zero'")
        with torch.no_grad():
            vec = model.embedding_layer()(torch.tensor([ids[choice]], device=emb.device))[0]
        base = vec.expand_as(emb).clone()
    return torch.where(special.unsqueeze(-1), emb, base)

