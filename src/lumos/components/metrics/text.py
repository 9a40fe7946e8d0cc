"""Metrics over generated text: question answering (SQuAD exact match and token F1) and
generation (BLEU with sacrebleu, ROUGE with rouge-score, exact match).

Predictions are ``GeneratedText`` strings or ``GeneratedTextCandidates`` (the first
candidate is scored). Gold is a string or a list of acceptable strings.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Metric
from lumos.api.registry import register
from lumos.components.metrics._common import number, paired

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def top_text(pred: Any) -> str:
    """The text of a prediction: the string itself or the first candidate's text."""
    if isinstance(pred, str):
        return pred
    if isinstance(pred, Sequence) and pred:
        first = pred[0]
        return str(first[0] if isinstance(first, Sequence) and not isinstance(first, str)
                   else first)
    return ""


def references(gold: Any) -> list[str]:
    if isinstance(gold, str):
        return [gold]
    return [str(g) for g in gold]


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", s).split())


def qa_f1(prediction: str, truth: str) -> float:
    p = normalize_answer(prediction).split()
    t = normalize_answer(truth).split()
    if not p or not t:
        return float(p == t)
    common = Counter(p) & Counter(t)
    same = sum(common.values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(t)
    return 2 * prec * rec / (prec + rec)


@register("qa", display_name="Question answering")
class QAMetrics(Metric):
    """SQuAD exact match and token F1 (best over the acceptable answers)."""
    version = "1"

    applies_to = (T.GeneratedText, T.GeneratedTextCandidates)

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        best = "best over the acceptable answers, SQuAD normalisation"
        return {"exact_match": {"label": "exact match (mean over rows)", "description": best},
                "f1": {"label": "token F1 (mean over rows)", "description": best}}

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        g_raw, p_raw = paired(golds, preds, self.id)
        if not g_raw:
            return {"count": 0}
        em, f1 = [], []
        for g, p in zip(g_raw, p_raw, strict=True):
            text = top_text(p)
            refs = references(g)
            em.append(max(float(normalize_answer(text) == normalize_answer(r)) for r in refs))
            f1.append(max(qa_f1(text, r) for r in refs))
        return {"count": len(g_raw), "exact_match": number(np.mean(em)),
                "f1": number(np.mean(f1))}


@dataclass(frozen=True, kw_only=True)
class GenerationConfig:
    rouge_types: tuple[str, ...] = field(default=("rouge1", "rouge2", "rougeL"), metadata={
        "help": "ROUGE variants (rouge-score names)"})
    lowercase: bool = field(default=False, metadata={"help": "lower-case before BLEU"})
    tokenize: str = field(default="13a", metadata={"help": "sacrebleu tokenizer"})


@register("generation", display_name="Generation")
class GenerationMetrics(Metric):
    """Corpus BLEU (sacrebleu), mean ROUGE F-measure (rouge-score), exact match."""
    version = "1"

    applies_to = (T.GeneratedText, T.GeneratedTextCandidates)
    Config = GenerationConfig

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        out = {"bleu": {"label": "BLEU (corpus)", "description": "sacrebleu corpus BLEU "
                                                               "over the group's rows"},
               "exact_match": {"label": "exact match (mean over rows)",
                               "description": "output equals a reference (whitespace "
                                              "stripped)"}}
        for t in GenerationConfig().rouge_types:
            out[t] = {"label": f"{t.upper().replace('ROUGE', 'ROUGE-')} F (mean over rows)",
                      "description": "rouge-score F-measure, best over the references"}
        return out

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        import sacrebleu
        from rouge_score import rouge_scorer

        cfg = config if config is not None else GenerationConfig()
        g_raw, p_raw = paired(golds, preds, self.id)
        if not g_raw:
            return {"count": 0}
        hyps = [top_text(p) for p in p_raw]
        refs = [references(g) for g in g_raw]
        # sacrebleu wants one stream per reference position; pad ragged lists
        width = max(len(r) for r in refs)
        streams = [[r[k] if k < len(r) else r[0] for r in refs] for k in range(width)]
        bleu = sacrebleu.corpus_bleu(hyps, streams, lowercase=cfg.lowercase,
                                     tokenize=cfg.tokenize)
        scorer = rouge_scorer.RougeScorer(list(cfg.rouge_types), use_stemmer=False)
        rouge: dict[str, list[float]] = {t: [] for t in cfg.rouge_types}
        for h, rs in zip(hyps, refs, strict=True):
            best = {t: 0.0 for t in cfg.rouge_types}
            for r in rs:
                scores = scorer.score(r, h)
                for t in cfg.rouge_types:
                    best[t] = max(best[t], scores[t].fmeasure)
            for t in cfg.rouge_types:
                rouge[t].append(best[t])
        out: dict[str, Any] = {
            "count": len(hyps),
            "bleu": number(bleu.score),
            "exact_match": number(np.mean([float(h.strip() in [r.strip() for r in rs])
                                           for h, rs in zip(hyps, refs, strict=True)])),
        }
        for t in cfg.rouge_types:
            out[t] = number(np.mean(rouge[t]))
        return out
