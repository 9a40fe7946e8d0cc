"""Masked language models (``AutoModelForMaskedLM``): fill in ``[MASK]`` tokens.

Write the tokenizer's mask token (``[MASK]`` for BERT, ``<mask>`` for RoBERTa) in the
text; ``top_tokens`` lists the likeliest tokens at every position (the masked ones are
the interesting ones), and ``filled_text`` replaces each mask with its top prediction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.registry import register
from lumos.models.hf.base import HFModel, _torch, mean_pool, stack_attentions, trim, want
from lumos.models.hf.causal_lm import top_k_tokens


@register("hf_masked_lm", kind="model")
class HFMaskedLM(HFModel):
    """Masked-token prediction with a Hugging Face masked language model."""

    auto_class = "AutoModelForMaskedLM"
    task_name = "masked language model"

    def __init__(self, path_or_name: Any = None, *, text_field: str = "text", top_k: int = 5,
                 **kwargs: Any) -> None:
        super().__init__(path_or_name, **kwargs)
        self.text_field = text_field
        self.top_k = top_k

    def input_spec(self) -> T.Spec:
        mask = self.tokenizer.mask_token or "[MASK]"
        return {self.text_field: T.TextSegment(description=f"text with {mask} tokens")}

    def output_spec(self) -> T.Spec:
        cfg = self.config
        return {
            "tokens": T.Tokens(parent=self.text_field),
            "top_tokens": T.TopTokens(align="tokens"),
            "filled_text": T.GeneratedText(description="masks replaced by top predictions"),
            "embedding": T.Embeddings(description="mean-pooled last layer"),
            "token_embeddings": T.TokenEmbeddings(align="tokens"),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads),
        }

    def output_spec_key(self) -> str:
        return repr((sorted(self.output_spec()), self.top_k))

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        need_attn = "attention" in wanted
        need_hidden = bool(wanted & {"embedding", "token_embeddings"})
        enc = self.tokenize([ex[self.text_field] for ex in inputs], padding=True,
                            truncation=True, max_length=self.max_length, return_tensors="pt")
        mask = enc["attention_mask"]
        lengths = mask.sum(1).tolist()
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, output_attentions=need_attn,
                             output_hidden_states=need_hidden)
        att = stack_attentions(out.attentions) if need_attn else None
        pooled = (mean_pool(out.hidden_states[-1], mask).float().cpu().numpy()
                  if "embedding" in wanted else None)
        tok_emb = (out.hidden_states[-1].float().cpu().numpy()
                   if "token_embeddings" in wanted else None)
        ids = enc["input_ids"]
        tokens = self.tokens_of(ids, lengths)
        mask_id = self.tokenizer.mask_token_id
        results = []
        for i in range(len(inputs)):
            n = lengths[i]
            probs = out.logits[i, :n].float().softmax(-1)
            r: dict[str, Any] = {"tokens": tokens[i],
                                 "top_tokens": top_k_tokens(self.tokenizer, probs, self.top_k)}
            filled = ids[i, :n].clone()
            is_mask = filled == mask_id if mask_id is not None else torch.zeros_like(filled)
            filled[is_mask.bool()] = probs.argmax(-1)[is_mask.bool()]
            r["filled_text"] = self.tokenizer.decode(filled.tolist(), skip_special_tokens=True)
            if pooled is not None:
                r["embedding"] = pooled[i]
            if tok_emb is not None:
                r["token_embeddings"] = trim(tok_emb[i], n, [0])
            if att is not None:
                r["attention"] = trim(att[i], n, [2, 3])
            results.append(r)
        return results
