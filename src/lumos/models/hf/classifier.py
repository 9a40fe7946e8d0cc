"""Sequence classification and regression (``AutoModelForSequenceClassification``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import EmbeddedBatch
from lumos.api.registry import register
from lumos.models.hf.base import (
    HFModel,
    _torch,
    gradient_wrt_embeddings,
    mean_pool,
    stack_attentions,
    trim,
    want,
)


@register("hf_classifier", kind="model")
class HFClassifier(HFModel):
    """Text (or text-pair) classification or regression with a Hugging Face model."""

    auto_class = "AutoModelForSequenceClassification"
    task_name = "classification"

    def __init__(self, path_or_name: Any = None, *, text_field: str = "text",
                 text_b_field: str | None = None, label_field: str = "label",
                 labels: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(path_or_name, **kwargs)
        self.text_field = text_field
        self.text_b_field = text_b_field
        self.label_field = label_field
        cfg = self.config
        self.is_regression = cfg.num_labels == 1 or cfg.problem_type == "regression"
        if labels is not None:
            self.labels = tuple(labels)
        else:
            id2label = getattr(cfg, "id2label", None) or {}
            self.labels = tuple(str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}")))
                                for i in range(cfg.num_labels))
        if not self.is_regression and len(self.labels) != cfg.num_labels:
            raise T.SpecError(f"labels: {len(self.labels)} given but the model has "
                              f"{cfg.num_labels} outputs")

    @property
    def score_field(self) -> str:
        return "score" if self.is_regression else "probas"

    # --- specs
    def input_spec(self) -> T.Spec:
        spec: T.Spec = {self.text_field: T.TextSegment()}
        if self.text_b_field:
            spec[self.text_b_field] = T.TextSegment()
        if self.is_regression:
            spec[self.label_field] = T.Scalar(required=False)
        else:
            spec[self.label_field] = T.CategoryLabel(vocab=self.labels, required=False)
            spec["grad_target"] = T.CategoryLabel(
                vocab=self.labels, required=False,
                description="class to explain (default: the predicted class)")
        return spec

    def output_spec(self) -> T.Spec:
        cfg = self.config
        spec: T.Spec = {}
        if self.is_regression:
            spec["score"] = T.RegressionScore(parent=self.label_field)
        else:
            spec["probas"] = T.MulticlassPreds(vocab=self.labels, parent=self.label_field)
        spec.update({
            "tokens": T.Tokens(parent=self.text_field),
            "embedding": T.Embeddings(description="mean-pooled last layer"),
            "layer_embeddings": T.Embeddings(per_layer=True,
                                             description="mean-pooled, every layer"),
            "token_embeddings": T.TokenEmbeddings(align="tokens"),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads),
            "token_grad": T.TokenGradients(align="tokens", grad_for=self.score_field,
                                           target=None if self.is_regression
                                           else "grad_target"),
        })
        return spec

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return [self.score_field]

    def _encode(self, inputs: Sequence[Mapping[str, Any]]) -> Any:
        texts = [ex[self.text_field] for ex in inputs]
        pair = [ex[self.text_b_field] for ex in inputs] if self.text_b_field else None
        return self.tokenize(texts, pair, padding=True, truncation=True,
                             max_length=self.max_length, return_tensors="pt",
                             return_special_tokens_mask=True)

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        enc = self._encode(inputs)
        special = enc.pop("special_tokens_mask").bool() | (enc["attention_mask"] == 0)
        lengths = enc["attention_mask"].sum(1).tolist()
        ids = enc.pop("input_ids")
        with _torch().no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids, forward_kwargs=dict(enc),
                             tokens=self.tokens_of(ids, lengths), special=special)

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        logits = self.model(inputs_embeds=inputs_embeds, **forward_kwargs).logits
        return logits if self.is_regression else logits.softmax(-1)

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        need_attn = "attention" in wanted
        need_hidden = bool(wanted & {"embedding", "layer_embeddings", "token_embeddings"})
        enc = self._encode(inputs)
        enc.pop("special_tokens_mask")
        mask = enc["attention_mask"]
        lengths = mask.sum(1).tolist()
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, output_attentions=need_attn,
                             output_hidden_states=need_hidden)
        logits = out.logits.float()
        scores = (logits[:, 0] if self.is_regression else logits.softmax(-1)).cpu().numpy()
        results: list[dict[str, Any]] = [{} for _ in inputs]
        tokens = self.tokens_of(enc["input_ids"], lengths) if "tokens" in wanted else None
        att = stack_attentions(out.attentions) if need_attn else None
        if need_hidden:
            hidden = out.hidden_states
            pooled = mean_pool(hidden[-1], mask).float().cpu().numpy()
            layers = (torch.stack([mean_pool(h, mask) for h in hidden], 1).float().cpu().numpy()
                      if "layer_embeddings" in wanted else None)
            tok_emb = hidden[-1].float().cpu().numpy() if "token_embeddings" in wanted else None
        grads = self._gradients(inputs, scores) if "token_grad" in wanted else None
        for i, r in enumerate(results):
            n = lengths[i]
            if self.is_regression:
                r["score"] = float(scores[i])
            else:
                r["probas"] = scores[i]
            if tokens is not None:
                r["tokens"] = tokens[i]
            if need_hidden:
                r["embedding"] = pooled[i]
                if layers is not None:
                    r["layer_embeddings"] = layers[i]
                if tok_emb is not None:
                    r["token_embeddings"] = trim(tok_emb[i], n, [0])
            if att is not None:
                r["attention"] = trim(att[i], n, [2, 3])
            if grads is not None:
                r["token_grad"] = trim(grads[i], n, [0])
        return results

    def target_index(self, example: Mapping[str, Any], scores: np.ndarray) -> int:
        """The class to explain: ``grad_target`` if given, else the predicted class."""
        if self.is_regression:
            return 0
        t = example.get("grad_target")
        return self.labels.index(t) if t in self.labels else int(np.argmax(scores))

    def _gradients(self, inputs: Sequence[Mapping[str, Any]], scores: np.ndarray) -> np.ndarray:
        embedded = self.embed(inputs)
        targets = [self.target_index(ex, scores[i]) for i, ex in enumerate(inputs)]
        return gradient_wrt_embeddings(
            embedded, lambda e, **kw: self.forward_from_embeds(None, e, **kw), targets)
