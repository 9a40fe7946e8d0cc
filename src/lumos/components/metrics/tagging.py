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
                 "when its span and type agree); undefined (not 0) when the group has no "
                 "predicted entities (precision) or no gold entities (recall)")
        return {
            "precision": {"label": "entity precision (micro over entities)", "description": micro},
            "recall": {"label": "entity recall (micro over entities)", "description": micro},
            "f1": {"label": "entity F1 (micro over entities)", "description": micro},
            "token_accuracy": {"label": "token accuracy (over tokens)",
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
        n_gold, n_pred = _entity_counts(y_true, cfg.strict), _entity_counts(y_pred, cfg.strict)
        # seqeval averages over no entity types at all with a warning: nothing to report
        report = sm.classification_report(y_true, y_pred, output_dict=True, **kw) \
            if n_gold or n_pred else {}
        per_type = {}
        for k, v in report.items():
            if k.endswith(" avg"):
                continue
            p_, r_, f_ = _defined(n_pred.get(k, 0), int(v["support"]), v["precision"],
                                  v["recall"], v["f1-score"])
            per_type[k] = {"precision": p_, "recall": r_, "f1": f_, "support": int(v["support"])}
        ntok = sum(len(g) for g in y_true)
        correct = sum(a == b for g, p in zip(y_true, y_pred, strict=True)
                      for a, b in zip(g, p, strict=True))
        prec = rec = f1 = None
        if n_gold or n_pred:
            prec, rec, f1 = _defined(sum(n_pred.values()), sum(n_gold.values()),
                                     sm.precision_score(y_true, y_pred, **kw),
                                     sm.recall_score(y_true, y_pred, **kw),
                                     sm.f1_score(y_true, y_pred, **kw))
        undefined = {}
        if prec is None:
            undefined["precision"] = "undefined: no entities predicted in this group"
        if rec is None:
            undefined["recall"] = "undefined: no gold entities in this group"
        if f1 is None:
            undefined["f1"] = "undefined: no gold and no predicted entities in this group"
        return {
            "count": len(y_true),
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "token_accuracy": number(correct / ntok) if ntok else None,
            "per_type": per_type,
            "undefined": undefined,
        }


def _entity_counts(seqs: list[list[str]], strict: bool) -> dict[str, int]:
    """Entities per type, as seqeval reads them in the same mode."""
    out: dict[str, int] = {}
    if strict:
        from seqeval.scheme import IOB2, Entities

        types = [e.tag for sent in Entities(seqs, IOB2).entities for e in sent]
    else:
        from seqeval.metrics.sequence_labeling import get_entities

        types = [t for t, _, _ in get_entities(seqs)]
    for t in types:
        out[t] = out.get(t, 0) + 1
    return out


def _defined(n_pred: int, n_gold: int, p: float, r: float,
             f: float) -> tuple[float | None, float | None, float | None]:
    """seqeval's zero_division=0 values with 0/0 as None: precision without predicted
    entities, recall without gold ones, F1 without either (one side empty: F1 is 0)."""
    return (number(p) if n_pred else None, number(r) if n_gold else None,
            number(f) if n_pred or n_gold else None)


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
        return {"precision": {"label": "span precision (micro over spans)", "description": micro},
                "recall": {"label": "span recall (micro over spans)", "description": micro},
                "f1": {"label": "span F1 (micro over spans)", "description": micro}}

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
