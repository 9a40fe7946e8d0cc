"""A tiny known-answer model: word embedding -> pooling -> linear, in PyTorch.

With ``pooling="sum"`` the ``score`` output is ``w · Σ_i e_i + b``, linear in each word's
embedding, so the attributions are known exactly: gradient × input and integrated
gradients (zero baseline) give ``w · e_i`` for word i; deleting word i (occlusion) lowers
the score by exactly ``w · e_i``; Kernel SHAP and unregularised LIME recover the same
numbers; the gradient norm is ``‖w‖`` for every word. ``probas`` is a softmax over a
second linear head (non-linear, for completeness checks).

Tokens are whitespace words (looked up lower-cased), so word-level (black-box) and
model-token (gradient) maps line up one to one. Words are "trained" by construction: positive words
push ``positive``, negative words push ``negative``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import EmbeddedBatch, Model
from lumos.models.torch_state import module_state_token
from lumos.testing.fakes import NEGATIVE, POSITIVE

NEUTRAL = ("the", "a", "movie", "film", "was", "is", "plot", "acting", "and", "but", "not",
           "very", "it", "this", "i", "story")


class LinearTextModel(Model):
    """Embedding → sum (or mean) → linear: a classifier and a regressor with exact answers."""

    labels = ("negative", "positive")

    def __init__(self, *, dim: int = 4, pooling: str = "sum", seed: int = 0,
                 max_batch_size: int = 16, text_field: str = "text") -> None:
        import torch

        if pooling not in ("sum", "mean"):
            raise ValueError(f"pooling: expected 'sum' or 'mean', got '{pooling}'")
        self.pooling = pooling
        self.text_field = text_field
        self.max_batch_size = max_batch_size
        self.vocab = ["[PAD]", "[UNK]", "[MASK]", *sorted(POSITIVE), *sorted(NEGATIVE),
                      *NEUTRAL]
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        g = torch.Generator().manual_seed(seed)
        self.module = torch.nn.ModuleDict({
            "embedding": torch.nn.Embedding(len(self.vocab), dim, padding_idx=0),
            "classifier": torch.nn.Linear(dim, 2),
            "regressor": torch.nn.Linear(dim, 1),
        })
        with torch.no_grad():
            emb = torch.randn(len(self.vocab), dim, generator=g) * 0.3
            sentiment = torch.tensor([1.0 if w in POSITIVE else -1.0 if w in NEGATIVE else 0.0
                                      for w in self.vocab])
            emb[:, 0] += sentiment
            emb[0] = 0.0
            self.module["embedding"].weight.copy_(emb)
            w = torch.randn(2, dim, generator=g) * 0.1
            w[0, 0], w[1, 0] = -2.0, 2.0
            self.module["classifier"].weight.copy_(w)
            self.module["classifier"].bias.zero_()
            r = torch.randn(1, dim, generator=g) * 0.1
            r[0, 0] = 1.0
            self.module["regressor"].weight.copy_(r)
            self.module["regressor"].bias.fill_(0.5)
        self.module.eval()

    # --- specs
    def input_spec(self) -> T.Spec:
        return {self.text_field: T.TextSegment(),
                "label": T.CategoryLabel(vocab=self.labels, required=False),
                "grad_target": T.CategoryLabel(vocab=self.labels, required=False)}

    def output_spec(self) -> T.Spec:
        return {"probas": T.MulticlassPreds(vocab=self.labels, parent="label"),
                "score": T.RegressionScore(),
                "tokens": T.Tokens(parent=self.text_field)}

    def fingerprint(self) -> str:
        h = hashlib.blake2b(digest_size=10)
        h.update(self.pooling.encode())
        for name, t in self.module.state_dict().items():
            h.update(name.encode())
            h.update(t.detach().numpy().tobytes())
        return h.hexdigest()

    def state_token(self) -> Hashable:
        return module_state_token(self.module, extra=self.pooling)

    # --- Differentiable
    def words(self, text: str) -> list[str]:
        return text.split()

    def gradient_fields(self) -> list[str]:
        return ["probas", "score"]

    def special_token_ids(self) -> Mapping[str, int]:
        return {"pad": 0, "unk": 1, "mask": 2}

    def embedding_layer(self) -> Any:
        return self.module["embedding"]

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        import torch

        toks = [self.words(ex[self.text_field]) for ex in inputs]
        width = max([len(t) for t in toks] + [1])
        ids = torch.zeros(len(toks), width, dtype=torch.long)
        for i, t in enumerate(toks):
            ids[i, :len(t)] = torch.tensor([self.ids.get(w.lower(), 1) for w in t],
                                           dtype=torch.long)
        mask = torch.zeros(len(toks), width, dtype=torch.long)
        for i, t in enumerate(toks):
            mask[i, :len(t)] = 1
        with torch.no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids,
                             forward_kwargs={"attention_mask": mask}, tokens=toks,
                             special=mask == 0)

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            attention_mask: Any = None, **_: Any) -> Any:
        m = attention_mask.unsqueeze(-1).to(inputs_embeds.dtype)
        pooled = (inputs_embeds * m).sum(1)
        if self.pooling == "mean":
            pooled = pooled / m.sum(1).clamp(min=1.0)
        if field == "score":
            return self.module["regressor"](pooled)
        return self.module["classifier"](pooled).softmax(-1)

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        import torch

        emb = self.embed(inputs)
        with torch.no_grad():
            probas = self.forward_from_embeds("probas", emb.inputs_embeds,
                                              **emb.forward_kwargs).numpy()
            score = self.forward_from_embeds("score", emb.inputs_embeds,
                                             **emb.forward_kwargs).numpy()
        return [{"probas": probas[i].astype(np.float32), "score": float(score[i, 0]),
                 "tokens": emb.tokens[i]} for i in range(len(inputs))]

    def word_contributions(self, text: str) -> np.ndarray:
        """The exact attribution of each word to ``score`` (sum pooling): ``w · e_i``."""
        import torch

        with torch.no_grad():
            ids = torch.tensor([self.ids.get(w.lower(), 1) for w in self.words(text)],
                               dtype=torch.long)
            e = self.embedding_layer()(ids)
            w = self.module["regressor"].weight[0]
            out = (e @ w).numpy()
        return out / (len(ids) if self.pooling == "mean" else 1)
