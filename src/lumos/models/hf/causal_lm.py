"""Decoder-only language models (``AutoModelForCausalLM``): prompt -> greedy response.

Generation is greedy (deterministic) with left padding; the analysis pass (top-k next
tokens, attention, embeddings, gradients) then runs over each example's prompt plus
response tokens, right-padded. A GGUF checkpoint loads with ``gguf_file=`` (weights are
dequantised); eager attention is switched on only when attention is asked for.
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
    _torch,
    mean_pool,
    stack_attentions,
    trim,
    want,
)


def top_k_tokens(tokenizer: Any, probs: Any, k: int) -> list[list[tuple[str, float]]]:
    """``probs`` ``[T, V]`` tensor -> per position the ``k`` likeliest (token, prob)."""
    torch = _torch()
    vals, idx = torch.topk(probs, k=min(k, probs.shape[-1]), dim=-1)
    out = []
    for v_row, i_row in zip(vals.tolist(), idx.tolist(), strict=True):
        toks = tokenizer.convert_ids_to_tokens(i_row)
        out.append([(str(t), float(p)) for t, p in zip(toks, v_row, strict=True)])
    return out


@register("hf_causal_lm", kind="model")
class HFCausalLM(HFModel):
    """Text generation with a decoder-only language model (greedy decoding)."""

    auto_class = "AutoModelForCausalLM"
    task_name = "causal language model"

    def __init__(self, path_or_name: Any = None, *, prompt_field: str = "prompt",
                 target_field: str = "target", max_new_tokens: int = 24, top_k: int = 5,
                 chat_template: bool = False, batch_size: int = 8,
                 max_length: int = 512, **kwargs: Any) -> None:
        super().__init__(path_or_name, batch_size=batch_size, max_length=max_length,
                         **kwargs)
        self.prompt_field = prompt_field
        self.target_field = target_field
        self.max_new_tokens = max_new_tokens
        self.top_k = top_k
        self.chat_template = bool(chat_template and getattr(self.tokenizer, "chat_template",
                                                            None))
        tok = self.tokenizer
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        self.eos_ids = self._eos_ids()

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for v in (self.tokenizer.eos_token_id,
                  getattr(self.model.generation_config, "eos_token_id", None)):
            if isinstance(v, int):
                ids.add(v)
            elif isinstance(v, list):
                ids.update(int(x) for x in v)
        return ids

    def output_spec_key(self) -> str:
        return repr((sorted(self.output_spec()), self.max_new_tokens, self.chat_template,
                     self.top_k))

    # --- specs
    def input_spec(self) -> T.Spec:
        return {self.prompt_field: T.TextSegment(),
                self.target_field: T.TextSegment(required=False,
                                                 description="reference response")}

    def output_spec(self) -> T.Spec:
        cfg = self.config
        return {
            "response": T.GeneratedText(parent=self.target_field),
            "tokens": T.Tokens(parent=self.prompt_field,
                               description="prompt and response tokens"),
            "top_tokens": T.TopTokens(align="tokens",
                                      description="likeliest next tokens after each token"),
            "embedding": T.Embeddings(description="mean-pooled last layer over the prompt"),
            "token_embeddings": T.TokenEmbeddings(align="tokens"),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads,
                                          kind="decoder"),
        }

    # --- generation
    def prompt_text(self, prompt: str) -> str:
        if not self.chat_template:
            return prompt
        return str(self.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True))

    def _prompt_ids(self, inputs: Sequence[Mapping[str, Any]]) -> list[list[int]]:
        texts = [self.prompt_text(ex[self.prompt_field]) for ex in inputs]
        enc = self.tokenize(texts, truncation=True, max_length=self.max_length,
                            add_special_tokens=not self.chat_template)
        return [list(ids) for ids in enc["input_ids"]]

    def generate(self, prompt_ids: list[list[int]]) -> list[list[int]]:
        """Greedy continuation ids of each prompt (without end-of-sequence tokens)."""
        torch = _torch()
        pad = int(self.tokenizer.pad_token_id)
        width = max(len(p) for p in prompt_ids)
        ids = torch.full((len(prompt_ids), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, p in enumerate(prompt_ids):  # left padding
            ids[i, width - len(p):] = torch.tensor(p)
            mask[i, width - len(p):] = 1
        with torch.inference_mode():
            out = self.model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                                      num_beams=1, max_new_tokens=self.max_new_tokens,
                                      pad_token_id=pad)
        responses = []
        for row in out[:, width:].tolist():
            resp: list[int] = []
            for t in row:
                if t in self.eos_ids:
                    break
                resp.append(int(t))
            responses.append(resp)
        return responses

    def _batch(self, seqs: list[list[int]]) -> tuple[Any, Any]:
        """Right-padded ids and attention mask."""
        torch = _torch()
        pad = int(self.tokenizer.pad_token_id)
        width = max(1, max(len(s) for s in seqs))
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, :len(s)] = 1
        return ids, mask

    # --- Differentiable
    def gradient_fields(self) -> list[str]:
        return ["response"]

    def embed(self, inputs: Sequence[Mapping[str, Any]], field: str | None = None
              ) -> EmbeddedBatch:
        """Prompt plus greedy response; ``extra['prompt_lengths']`` marks where each
        response starts (its logits at position t predict token t+1)."""
        torch = _torch()
        prompts = self._prompt_ids(inputs)
        responses = self.generate(prompts)
        seqs = [p + r for p, r in zip(prompts, responses, strict=True)]
        ids, mask = self._batch(seqs)
        lengths = [len(s) for s in seqs]
        special_ids = set(self.tokenizer.all_special_ids)
        special = torch.tensor([[t in special_ids for t in row] for row in ids.tolist()])
        special |= mask == 0
        with torch.no_grad():
            emb = self.embedding_layer()(ids)
        return EmbeddedBatch(inputs_embeds=emb, input_ids=ids,
                             forward_kwargs={"attention_mask": mask},
                             tokens=self.tokens_of(ids, lengths), special=special,
                             extra={"prompt_lengths": [len(p) for p in prompts],
                                    "response_ids": responses})

    def forward_from_embeds(self, field: str | None, inputs_embeds: Any,
                            **forward_kwargs: Any) -> Any:
        """Next-token logits ``[B, T, V]``."""
        return self.model(inputs_embeds=inputs_embeds, **forward_kwargs).logits

    # --- predict
    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        prompts = self._prompt_ids(inputs)
        responses = self.generate(prompts)
        results: list[dict[str, Any]] = [
            {"response": self.tokenizer.decode(r, skip_special_tokens=True).strip()}
            for r in responses]
        analysis = {"tokens", "top_tokens", "embedding", "token_embeddings", "attention"}
        if not wanted & analysis:
            return results
        need_attn = "attention" in wanted
        need_hidden = bool(wanted & {"embedding", "token_embeddings"})
        seqs = [p + r for p, r in zip(prompts, responses, strict=True)]
        lengths = [len(s) for s in seqs]
        ids, mask = self._batch(seqs)
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(input_ids=ids, attention_mask=mask, output_attentions=need_attn,
                             output_hidden_states=need_hidden)
        tokens = self.tokens_of(ids, lengths)
        att = stack_attentions(out.attentions) if need_attn else None
        if need_hidden:
            last = out.hidden_states[-1]
            pmask = torch.zeros_like(mask)
            for i, p in enumerate(prompts):
                pmask[i, :len(p)] = 1
            pooled = mean_pool(last, pmask).float().cpu().numpy()
            tok_emb = last.float().cpu().numpy()
        for i, r in enumerate(results):
            n = lengths[i]
            r["tokens"] = tokens[i]
            if "top_tokens" in wanted:
                probs = out.logits[i, :n].float().softmax(-1)
                r["top_tokens"] = top_k_tokens(self.tokenizer, probs, self.top_k)
            if need_hidden:
                r["embedding"] = pooled[i]
                r["token_embeddings"] = trim(tok_emb[i], n, [0])
            if att is not None:
                r["attention"] = trim(att[i], n, [2, 3])
        return results


def sequence_log_probs(logits: Any, labels: Any, mask: Any) -> np.ndarray:
    """Sum over positions of log p(label), ``logits`` ``[B, T, V]``; masked positions skip."""
    torch = _torch()
    lp = torch.log_softmax(logits.float(), -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    return (lp * mask.to(lp.dtype)).sum(-1).cpu().numpy()
