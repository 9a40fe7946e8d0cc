"""One encoder, several heads: sentence classification heads and word tagging heads.

:class:`MultiTaskNet` is the ``nn.Module`` (a Hugging Face encoder plus one ``Linear``
per head); it saves to a directory like ``save_pretrained`` does: ``config.json``
(``architectures: ["LumosMultiTaskModel"]`` and the heads), ``encoder/``,
``heads.safetensors`` and ``tokenizer/``. :class:`MultiTaskModel` is the adapter; it
prefixes every head's outputs with the head's name (``sentiment_probas``, ``ner_tags``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lumos.api import types as T
from lumos.api.model import EmbeddedBatch
from lumos.api.registry import register
from lumos.models.hf.base import (
    HFModel,
    _torch,
    gradient_wrt_embeddings,
    load_pretrained,
    mean_pool,
    resolve_source,
    stack_attentions,
    trim,
    want,
)
from lumos.models.hf.multitask_head import Head
from lumos.models.hf.tagger import first_piece_index

if TYPE_CHECKING:
    from lumos.models.hf.multitask_net import MultiTaskNet  # noqa: F401

__all__ = ["Head", "MultiTaskModel"]

@register("multitask", kind="model")
class MultiTaskModel(HFModel):
    """One shared encoder with several heads (e.g. sentiment + NER), outputs prefixed."""

    task_name = "multi-task"

    def __init__(self, path_or_name: Any = None, *, model: Any = None, tokenizer: Any = None,
                 text_field: str = "text", words_field: str = "tokens",
                 **kwargs: Any) -> None:
        import transformers

        if model is None and path_or_name is not None:
            from lumos.models.hf.multitask_net import MultiTaskNet

            model = MultiTaskNet.from_pretrained(path_or_name)
        if tokenizer is None and path_or_name is not None:
            src = Path(resolve_source(path_or_name))
            tok_dir = src / "tokenizer" if (src / "tokenizer").is_dir() else src
            tokenizer = load_pretrained(transformers.AutoTokenizer, str(tok_dir), "tokenizer")
        super().__init__(path_or_name, model=model, tokenizer=tokenizer, **kwargs)
        self.text_field = text_field
        self.words_field = words_field
        self.heads: list[Head] = list(self.model.head_specs)
        self.class_heads = [h for h in self.heads if h.kind == "classification"]

    def gold(self, h: Head) -> str:
        return h.gold_field or f"{h.name}_label"

    # --- specs
    def input_spec(self) -> T.Spec:
        spec: T.Spec = {
            self.text_field: T.TextSegment(),
            self.words_field: T.Tokens(required=False, parent=self.text_field,
                                       description="words (default: the text split on "
                                                   "whitespace)"),
        }
        for h in self.heads:
            if h.kind == "classification":
                spec[self.gold(h)] = T.CategoryLabel(vocab=h.labels, required=False)
            else:
                spec[self.gold(h)] = T.SequenceTags(align=self.words_field, vocab=h.labels,
                                                    required=False)
        if self.class_heads:
            spec["grad_target"] = T.CategoryLabel(
                vocab=self.class_heads[0].labels, required=False,
                description=f"'{self.class_heads[0].name}' class to explain")
        return spec

    def output_spec(self) -> T.Spec:
        cfg = self.config
        spec: T.Spec = {"words": T.Tokens(parent=self.text_field)}
        for h in self.heads:
            if h.kind == "classification":
                spec[f"{h.name}_probas"] = T.MulticlassPreds(vocab=h.labels,
                                                             parent=self.gold(h))
            else:
                spec[f"{h.name}_tags"] = T.SequenceTags(align="words", vocab=h.labels,
                                                        parent=self.gold(h))
                spec[f"{h.name}_tag_probs"] = T.TokenProbs(vocab=h.labels, align="words")
        spec.update({
            "tokens": T.Tokens(parent=self.text_field, description="word pieces"),
            "embedding": T.Embeddings(description="mean-pooled last layer"),
            "token_embeddings": T.TokenEmbeddings(align="tokens"),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads),
        })
        if self.class_heads:
            spec["token_grad"] = T.TokenGradients(
                align="tokens", grad_for=f"{self.class_heads[0].name}_probas",
                target="grad_target")
        return spec

    # --- encoding
    def words(self, ex: Mapping[str, Any]) -> list[str]:
        w = ex.get(self.words_field)
        return [str(x) for x in w] if w is not None else str(ex[self.text_field]).split()

    def _encode(self, inputs: Sequence[Mapping[str, Any]]) -> Any:
        words = [self.words(ex) or [""] for ex in inputs]
        return self.tokenize(words, is_split_into_words=True, padding=True, truncation=True,
                             max_length=self.max_length, return_tensors="pt",
                             return_special_tokens_mask=True)

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return [f"{h.name}_probas" if h.kind == "classification" else f"{h.name}_tag_probs"
                for h in self.heads]

    def _head_for(self, field: str | None) -> Head:
        for h in self.heads:
            if field in (f"{h.name}_probas", f"{h.name}_tag_probs", h.name):
                return h
        if field is None:
            return self.class_heads[0] if self.class_heads else self.heads[0]
        raise T.SpecError(f"field '{field}': no head produces it "
                          f"(fields: {self.gradient_fields()})")

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        enc = self._encode(inputs)
        special = enc.pop("special_tokens_mask").bool() | (enc["attention_mask"] == 0)
        lengths = enc["attention_mask"].sum(1).tolist()
        ids = enc.pop("input_ids")
        enc.pop("token_type_ids", None)
        with _torch().no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids, forward_kwargs=dict(enc),
                             tokens=self.tokens_of(ids, lengths), special=special)

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        """Probabilities of the head behind ``field``: ``[B, C]`` or ``[B, T, C]``."""
        h = self._head_for(field)
        return self.model(inputs_embeds=inputs_embeds, **forward_kwargs)[h.name].softmax(-1)

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        need_attn = "attention" in wanted
        enc = self._encode(inputs)
        enc.pop("special_tokens_mask")
        enc.pop("token_type_ids", None)
        words = [self.words(ex) for ex in inputs]
        firsts = [first_piece_index(enc.word_ids(i), len(w)) for i, w in enumerate(words)]
        mask = enc["attention_mask"]
        lengths = mask.sum(1).tolist()
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, output_attentions=need_attn)
        probs = {h.name: out[h.name].float().softmax(-1).cpu().numpy() for h in self.heads}
        pooled = mean_pool(out["_encoder"].last_hidden_state, mask).float().cpu().numpy()
        tok_emb = (out["_encoder"].last_hidden_state.float().cpu().numpy()
                   if "token_embeddings" in wanted else None)
        att = stack_attentions(out["_encoder"].attentions) if need_attn else None
        tokens = self.tokens_of(enc["input_ids"], lengths)
        grads = None
        if "token_grad" in wanted and self.class_heads:
            h0 = self.class_heads[0]
            targets = []
            for i, ex in enumerate(inputs):
                t = ex.get("grad_target")
                targets.append(h0.labels.index(t) if t in h0.labels
                               else int(np.argmax(probs[h0.name][i])))
            grads = gradient_wrt_embeddings(
                self.embed(inputs),
                lambda e, **kw: self.forward_from_embeds(h0.name, e, **kw), targets)
        results = []
        for i in range(len(inputs)):
            n = lengths[i]
            r: dict[str, Any] = {"words": words[i], "tokens": tokens[i],
                                 "embedding": pooled[i]}
            for h in self.heads:
                p = probs[h.name][i]
                if h.kind == "classification":
                    r[f"{h.name}_probas"] = p
                    continue
                c = len(h.labels)
                wp = np.full((len(words[i]), c), 1.0 / c, np.float32)
                for w, pos in enumerate(firsts[i]):
                    if pos is not None:
                        wp[w] = p[pos]
                r[f"{h.name}_tag_probs"] = wp
                r[f"{h.name}_tags"] = [h.labels[int(k)] for k in wp.argmax(-1)]
            if tok_emb is not None:
                r["token_embeddings"] = trim(tok_emb[i], n, [0])
            if att is not None:
                r["attention"] = trim(att[i], n, [2, 3])
            if grads is not None:
                r["token_grad"] = trim(grads[i], n, [0])
            results.append(r)
        return results
