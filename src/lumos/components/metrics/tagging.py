"""Sequence tagging: entity-level precision/recall/F1 with seqeval, plus token accuracy.

Tags are BIO/IOB2 (``B-PER``, ``I-PER``, ``O``); an entity counts as found only when its
type and both boundaries match (CoNLL scoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lumos.api import types as T
from lumos.api.component import Metric
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.metrics._common import number, paired


@dataclass(frozen=True, kw_only=True)
class TaggingConfig:
    strict: bool = field(default=False, metadata={
        "help": "IOB2 strict mode (seqeval mode='strict'): ill-formed entities don't count"})


@register("tagging", display_name="Tagging (entity F1)")
class TaggingMetrics(Metric):
    """Entity-level precision, recall and F1 (seqeval), per entity type; token accuracy."""
    version = "1"

    applies_to = (T.SequenceTags,)
    Config = TaggingConfig

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        micro = ("seqeval, micro-averaged over the entities of every type (an entity counts "
                 "when its span and type agree); zero_division=0")
        return {
            "precision": {"label": "entity precision (micro)", "description": micro},
            "recall": {"label": "entity recall (micro)", "description": micro},
            "f1": {"label": "entity F1 (micro)", "description": micro},
            "token_accuracy": {"label": "token accuracy",
                               "description": "share of tokens tagged right, over all "
                                              "tokens of the group"},
        }

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        from seqeval import metrics as sm

        cfg = config if config is not None else TaggingConfig()
        g_raw, p_raw = paired(golds, preds, self.id)
        y_true = [list(g) for g in g_raw]
        y_pred = [list(p) for p in p_raw]
        for n, (g, p) in enumerate(zip(y_true, y_pred, strict=True)):
            if len(g) != len(p):
                raise SpecError(f"tagging: row {n} has {len(g)} gold tags but {len(p)} "
                                "predicted tags")
        if not y_true:
            return {"count": 0}
        kw: dict[str, Any] = {"zero_division": 0}
        if cfg.strict:
            from seqeval.scheme import IOB2

            kw.update(mode="strict", scheme=IOB2)
        report = sm.classification_report(y_true, y_pred, output_dict=True, **kw)
        per_type = {k: {"precision": number(v["precision"]), "recall": number(v["recall"]),
                        "f1": number(v["f1-score"]), "support": int(v["support"])}
                    for k, v in report.items() if not k.endswith(" avg")}
        ntok = sum(len(g) for g in y_true)
        correct = sum(a == b for g, p in zip(y_true, y_pred, strict=True)
                      for a, b in zip(g, p, strict=True))
        return {
            "count": len(y_true),
            "precision": number(sm.precision_score(y_true, y_pred, **kw)),
            "recall": number(sm.recall_score(y_true, y_pred, **kw)),
            "f1": number(sm.f1_score(y_true, y_pred, **kw)),
            "token_accuracy": number(correct / ntok) if ntok else None,
            "per_type": per_type,
        }


def _span_set(spans: Sequence[Any]) -> set[tuple[int, int, str]]:
    return {(int(s["start"]), int(s["end"]), str(s.get("label", ""))) for s in spans}


@register("span_f1", display_name="Span F1")
class SpanMetrics(Metric):
    """Exact-match precision/recall/F1 over labelled spans (start, end and label agree)."""
    version = "1"

    applies_to = (T.SpanLabels,)

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        micro = "micro-averaged over the spans of every row (start, end and label agree)"
        return {"precision": {"label": "span precision (micro)", "description": micro},
                "recall": {"label": "span recall (micro)", "description": micro},
                "f1": {"label": "span F1 (micro)", "description": micro}}

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        g_raw, p_raw = paired(golds, preds, self.id)
        tp = n_pred = n_gold = 0
        for g, p in zip(g_raw, p_raw, strict=True):
            gs, ps = _span_set(g), _span_set(p)
            tp += len(gs & ps)
            n_pred += len(ps)
            n_gold += len(gs)
        prec = tp / n_pred if n_pred else None
        rec = tp / n_gold if n_gold else None
        undefined = {}
        if prec is None:
            undefined["precision"] = "undefined: no spans predicted in this group"
        if rec is None:
            undefined["recall"] = "undefined: no gold spans in this group"
        f1: float | None = None
        if prec is None and rec is None:
            undefined["f1"] = "undefined: no gold and no predicted spans in this group"
        else:
            p_, r_ = prec or 0.0, rec or 0.0
            f1 = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
        return {"count": len(g_raw), "precision": prec, "recall": rec, "f1": f1,
                "undefined": undefined}
