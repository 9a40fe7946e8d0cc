"""Extractive question answering (``AutoModelForQuestionAnswering``).

The answer is the best span of context tokens (start <= end, at most ``max_answer_tokens``
long), scored by start + end logits, reported as a character span over the context
(``answer_span``) and as text (``answer``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.registry import register
from lumos.models.hf.base import (
    HFModel,
    ModelLoadError,
    _torch,
    mean_pool,
    stack_attentions,
    trim,
    want,
)


def best_span(start: np.ndarray, end: np.ndarray, allowed: np.ndarray,
              max_len: int) -> tuple[int, int, float]:
    """(start, end inclusive, score) maximising start[s] + end[e] over allowed tokens."""
    idx = np.flatnonzero(allowed)
    if idx.size == 0:
        return (-1, -1, float("-inf"))
    grid = start[idx][:, None] + end[idx][None, :]
    gap = idx[None, :] - idx[:, None]
    grid = np.where((gap >= 0) & (gap < max_len), grid, -np.inf)
    s, e = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return (int(idx[s]), int(idx[e]), float(grid[s, e]))


@register("hf_qa", kind="model")
class HFQuestionAnswering(HFModel):
    """Extractive question answering: the answer is a span of the context."""

    auto_class = "AutoModelForQuestionAnswering"
    task_name = "question answering"

    def __init__(self, path_or_name: Any = None, *, question_field: str = "question",
                 context_field: str = "context", answer_field: str = "answer_text",
                 max_answer_tokens: int = 30, max_length: int = 384, **kwargs: Any) -> None:
        super().__init__(path_or_name, max_length=max_length, **kwargs)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ModelLoadError(f"{self.source}: question answering needs a fast tokenizer "
                                 "(tokenizer.json) for character offsets")
        self.question_field = question_field
        self.context_field = context_field
        self.answer_field = answer_field
        self.max_answer_tokens = max_answer_tokens

    def input_spec(self) -> T.Spec:
        return {
            self.question_field: T.TextSegment(),
            self.context_field: T.TextSegment(),
            self.answer_field: T.TextSegment(required=False, description="gold answer"),
        }

    def output_spec(self) -> T.Spec:
        cfg = self.config
        return {
            "answer": T.GeneratedText(parent=self.answer_field),
            "answer_span": T.SpanLabels(align=self.context_field,
                                        description="character span in the context"),
            "tokens": T.Tokens(description="question and context tokens"),
            "embedding": T.Embeddings(description="mean-pooled last layer"),
            "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                          num_layers=cfg.num_hidden_layers,
                                          num_heads=cfg.num_attention_heads),
        }

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        torch = _torch()
        wanted = want(fields, self.default_fields())
        need_attn = "attention" in wanted
        need_hidden = "embedding" in wanted
        enc = self.tokenize([ex[self.question_field] for ex in inputs],
                            [ex[self.context_field] for ex in inputs], padding=True,
                            truncation="only_second", max_length=self.max_length,
                            return_offsets_mapping=True, return_tensors="pt")
        offsets = enc.pop("offset_mapping").tolist()
        seq_ids = [enc.sequence_ids(i) for i in range(len(inputs))]
        mask = enc["attention_mask"]
        lengths = mask.sum(1).tolist()
        with torch.inference_mode(), self.attention_implementation(need_attn):
            out = self.model(**enc, output_attentions=need_attn,
                             output_hidden_states=need_hidden)
        starts = out.start_logits.float().cpu().numpy()
        ends = out.end_logits.float().cpu().numpy()
        att = stack_attentions(out.attentions) if need_attn else None
        pooled = (mean_pool(out.hidden_states[-1], mask).float().cpu().numpy()
                  if need_hidden else None)
        tokens = self.tokens_of(enc["input_ids"], lengths)
        results = []
        for i, ex in enumerate(inputs):
            allowed = np.array([s == 1 for s in seq_ids[i]])
            s, e, score = best_span(starts[i], ends[i], allowed, self.max_answer_tokens)
            r: dict[str, Any] = {}
            if s < 0:
                r["answer"], r["answer_span"] = "", []
            else:
                c0, c1 = int(offsets[i][s][0]), int(offsets[i][e][1])
                r["answer"] = ex[self.context_field][c0:c1]
                r["answer_span"] = [{"start": c0, "end": c1, "label": "answer",
                                     "score": score}]
            r["tokens"] = tokens[i]
            if pooled is not None:
                r["embedding"] = pooled[i]
            if att is not None:
                r["attention"] = trim(att[i], lengths[i], [2, 3])
            results.append(r)
        return results
