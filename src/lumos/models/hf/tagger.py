"""Token classification (``AutoModelForTokenClassification``) over pre-split words.

Inputs are words (``tokens``); the model sees word pieces. Per-word outputs take the
first word piece of each word. Words cut off by ``max_length`` (or that the tokenizer
turns into nothing) get the first label with a uniform distribution, so every word has
a tag. Word-piece outputs (attention, token embeddings, gradients) align with
``subword_tokens``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import EmbeddedBatch
from lumos.api.registry import register
from lumos.models.hf.base import (
    HFModel,
    ModelLoadError,
    _torch,
    gradient_wrt_embeddings,
    mean_pool,
    stack_attentions,
    trim,
    want,
)


def labels_from_config(cfg: Any, labels: Sequence[str] | None) -> tuple[str, ...]:
    """Label names: given ones, else the config's ``id2label``."""
    if labels is not None:
        out = tuple(labels)
    else:
        id2label = getattr(cfg, "id2label", None) or {}
        out = tuple(str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}")))
                    for i in range(cfg.num_labels))
    if len(out) != cfg.num_labels:
        raise T.SpecError(f"labels: {len(out)} given but the model has {cfg.num_labels} "
                          "outputs")
    return out


def first_piece_index(word_ids: Sequence[int | None], num_words: int) -> list[int | None]:
    """For each word, the position of its first word piece (None when it has none)."""
    first: list[int | None] = [None] * num_words
    for pos, w in enumerate(word_ids):
        if w is not None and w < num_words and first[w] is None:
            first[w] = pos
    return first


@register("hf_tagger", kind="model")
class HFTagger(HFModel):
    """Token classification (e.g. NER) with a Hugging Face model, one tag per word."""

    auto_class = "AutoModelForTokenClassification"
    task_name = "token classification"

    def __init__(self, path_or_name: Any = None, *, tokens_field: str = "tokens",
                 tags_field: str = "tags", labels: Sequence[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(path_or_name, **kwargs)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ModelLoadError(f"{self.source}: the tagger needs a fast tokenizer "
                                 "(tokenizer.json) to map word pieces to words")
        self.tokens_field = tokens_field
        self.tags_field = tags_field
        self.labels = labels_from_config(self.config, labels)

    # --- specs
    def input_spec(self) -> T.Spec:
        return {
            self.tokens_field: T.Tokens(),
            self.tags_field: T.SequenceTags(align=self.tokens_field, vocab=self.labels,
                                            required=False),
            "grad_position": T.Scalar(required=False, min_val=0,
                                      description="word whose tag to explain (default 0)"),
            "grad_target": T.CategoryLabel(vocab=self.labels, required=False,
                                           description="tag to explain (default: "
                                                       "the predicted tag)"),
        }

    def output_spec(self) -> T.Spec:
        cfg = self.config
        return {
            "pred_tags": T.SequenceTags(align=self.tokens_field, vocab=self.labels,
                                        parent=self.tags_field),
            "tag_probs": T.TokenProbs(vocab=self.labels, align=self.tokens_field),
            "subword_tokens": T.Tokens(parent=self.tokens_field,
                                       description="word pieces the model saw"),
            "embedding": T.Embeddings(description="mean-pooled last layer"),
            "token_embeddings": T.TokenEmbeddings(align="subword_tokens"),
            "attention": T.AttentionHeads(align_in="subword_tokens",
                                          align_out="subword_tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads),
            "token_grad": T.TokenGradients(align="subword_tokens", grad_for="tag_probs",
                                           target="grad_target"),
        }

    # --- encoding
    def _encode(self, inputs: Sequence[Mapping[str, Any]]) -> Any:
        words = [[str(w) for w in ex[self.tokens_field]] or [""] for ex in inputs]
        return self.tokenize(words, is_split_into_words=True, padding=True, truncation=True,
                             max_length=self.max_length, return_tensors="pt",
                             return_special_tokens_mask=True)

    def _first_pieces(self, enc: Any, inputs: Sequence[Mapping[str, Any]]
                      ) -> list[list[int | None]]:
        return [first_piece_index(enc.word_ids(i), len(ex[self.tokens_field]))
                for i, ex in enumerate(inputs)]

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return ["tag_probs"]

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        enc = self._encode(inputs)
        firsts = self._first_pieces(enc, inputs)
        special = enc.pop("special_tokens_mask").bool() | (enc["attention_mask"] == 0)
        lengths = enc["attention_mask"].sum(1).tolist()
        ids = enc.pop("input_ids")
        with _torch().no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids, forward_kwargs=dict(enc),
                             tokens=self.tokens_of(ids, lengths), special=special,
                             extra={"word_first_piece": firsts})

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        """Tag probabilities per word piece, ``[B, T, num_labels]``."""
        return self.model(inputs_embeds=inputs_embeds, **forward_kwargs).logits.softmax(-1)

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        need_attn = "attention" in wanted
        need_hidden = bool(wanted & {"embedding", "token_embeddings"})
        enc = self._encode(inputs)
        firsts = self._first_pieces(enc, inputs)
        enc.pop("special_tokens_mask")
        mask = enc["attention_mask"]
        lengths = mask.sum(1).tolist()
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, output_attentions=need_attn,
                             output_hidden_states=need_hidden)
        probs = out.logits.float().softmax(-1).cpu().numpy()
        att = stack_attentions(out.attentions) if need_attn else None
        if need_hidden:
            last = out.hidden_states[-1]
            pooled = mean_pool(last, mask).float().cpu().numpy()
            tok_emb = last.float().cpu().numpy()
        word_probs = [self._word_probs(probs[i], firsts[i]) for i in range(len(inputs))]
        grads = (self._gradients(inputs, word_probs, firsts) if "token_grad" in wanted
                 else None)
        tokens = self.tokens_of(enc["input_ids"], lengths)
        results: list[dict[str, Any]] = []
        for i in range(len(inputs)):
            n = lengths[i]
            wp = word_probs[i]
            r: dict[str, Any] = {
                "pred_tags": [self.labels[int(k)] for k in wp.argmax(-1)],
                "tag_probs": wp,
            }
            if "subword_tokens" in wanted:
                r["subword_tokens"] = tokens[i]
            if need_hidden:
                r["embedding"] = pooled[i]
                r["token_embeddings"] = trim(tok_emb[i], n, [0])
            if att is not None:
                r["attention"] = trim(att[i], n, [2, 3])
            if grads is not None:
                r["token_grad"] = trim(grads[i], n, [0])
            results.append(r)
        return results

    def _word_probs(self, probs: np.ndarray, first: Sequence[int | None]) -> np.ndarray:
        c = len(self.labels)
        out = np.full((len(first), c), 1.0 / c, np.float32)
        for w, pos in enumerate(first):
            if pos is not None:
                out[w] = probs[pos]
        return out

    def grad_target(self, example: Mapping[str, Any], word_probs: np.ndarray,
                    first: Sequence[int | None]) -> tuple[int, int]:
        """(word-piece position, tag index) to differentiate for one example."""
        n_words = len(first)
        pos = example.get("grad_position")
        w = min(max(int(pos), 0), n_words - 1) if pos is not None and n_words else 0
        piece = first[w] if n_words and first[w] is not None else 0
        t = example.get("grad_target")
        tag = (self.labels.index(t) if t in self.labels
               else int(word_probs[w].argmax()) if n_words else 0)
        return (int(piece), tag)

    def _gradients(self, inputs: Sequence[Mapping[str, Any]], word_probs: list[np.ndarray],
                   firsts: list[list[int | None]]) -> np.ndarray:
        embedded = self.embed(inputs)
        targets = [self.grad_target(ex, word_probs[i], firsts[i])
                   for i, ex in enumerate(inputs)]
        return gradient_wrt_embeddings(
            embedded, lambda e, **kw: self.forward_from_embeds(None, e, **kw), targets)
