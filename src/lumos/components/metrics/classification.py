"""Classification metrics: accuracy, per-class precision/recall/F1, ROC-AUC, confusion matrix.

Predictions are ``MulticlassPreds`` probability vectors; gold is the label named by the
pred field's ``parent``. For two classes, ``margin`` moves the decision threshold: the
positive class (``positive_label`` or the second label) is predicted when
``log p(pos) - log p(neg) >= margin`` (0 is argmax). When the pred spec has a
``null_idx`` (e.g. "no relation", "O"), the averaged precision/recall/F1 leave that class
out unless ``include_null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Metric
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.metrics._common import number, paired


@dataclass(frozen=True, kw_only=True)
class ClassificationConfig:
    margin: float = field(default=0.0, metadata={
        "help": "binary only: log-odds of the positive class needed to predict it"})
    positive_label: str | None = field(default=None, metadata={
        "help": "binary only: the positive class (default: the second label)"})
    include_null: bool = field(default=False, metadata={
        "help": "count the null class in averaged precision/recall/F1"})


def positive_index(vocab: Sequence[str], positive_label: str | None) -> int:
    if positive_label is None:
        return 1
    if positive_label not in vocab:
        raise SpecError(f"positive_label: {positive_label!r} is not one of {list(vocab)}")
    return list(vocab).index(positive_label)


def predicted_indices(probas: Sequence[Any] | np.ndarray, vocab: Sequence[str], *,
                      margin: float = 0.0, positive_label: str | None = None) -> np.ndarray:
    """Predicted class index per row, with the binary ``margin`` applied."""
    p = np.asarray(probas, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    if p.shape[1] == 2 and (margin != 0.0 or positive_label is not None):
        pos = positive_index(vocab, positive_label)
        neg = 1 - pos
        eps = 1e-12
        logodds = np.log(p[:, pos] + eps) - np.log(p[:, neg] + eps)
        return np.where(logodds >= margin, pos, neg).astype(np.int64)
    return p.argmax(axis=1).astype(np.int64)


def gold_indices(golds: Sequence[Any], vocab: Sequence[str], gold_name: str = "gold"
                 ) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(vocab)}
    out = np.empty(len(golds), dtype=np.int64)
    for n, g in enumerate(golds):
        try:
            out[n] = lookup[g]
        except KeyError:
            raise SpecError(f"field '{gold_name}': gold label {g!r} (row {n}) is not one of "
                            f"the model's labels {list(vocab)}") from None
    return out


@register("classification", display_name="Classification")
class ClassificationMetrics(Metric):
    """Accuracy, precision/recall/F1 per class and averaged, ROC-AUC, confusion matrix."""
    version = "1"

    applies_to = (T.MulticlassPreds,)
    Config = ClassificationConfig

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        cfg = config if config is not None else ClassificationConfig()
        assert isinstance(pred_spec, T.MulticlassPreds)
        vocab = list(pred_spec.vocab)
        g_raw, p_raw = paired(golds, preds, self.id)
        n = len(g_raw)
        if n == 0:
            return {"count": 0}
        y_true = gold_indices(g_raw, vocab)
        probs = np.stack([np.asarray(p, dtype=np.float64) for p in p_raw])
        y_pred = predicted_indices(probs, vocab, margin=cfg.margin,
                                   positive_label=cfg.positive_label)
        labels = list(range(len(vocab)))
        prec, rec, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0)
        per_class = {vocab[i]: {"precision": number(prec[i]), "recall": number(rec[i]),
                                "f1": number(f1[i]), "support": int(support[i])}
                     for i in labels}
        avg_labels = labels
        if pred_spec.null_idx is not None and not cfg.include_null:
            avg_labels = [i for i in labels if i != pred_spec.null_idx]
        # macro average over classes that occur in gold or prediction
        present = [i for i in avg_labels if support[i] > 0 or np.any(y_pred == i)]
        out: dict[str, Any] = {
            "count": n,
            "accuracy": number(np.mean(y_true == y_pred)),
            "precision": number(np.mean([prec[i] for i in present])) if present else None,
            "recall": number(np.mean([rec[i] for i in present])) if present else None,
            "f1": number(np.mean([f1[i] for i in present])) if present else None,
            "per_class": per_class,
            "auc": self._auc(y_true, probs, vocab, cfg),
            "confusion_matrix": {
                "labels": vocab,  # rows: gold, columns: predicted
                "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            },
        }
        return out

    @staticmethod
    def _auc(y_true: np.ndarray, probs: np.ndarray, vocab: Sequence[str],
             cfg: ClassificationConfig) -> float | None:
        from sklearn.metrics import roc_auc_score

        present = np.unique(y_true)
        if len(present) < 2:
            return None  # undefined with one class in gold
        if probs.shape[1] == 2:
            pos = positive_index(vocab, cfg.positive_label)
            return number(roc_auc_score(y_true == pos, probs[:, pos]))
        if len(present) < probs.shape[1]:
            return None  # one-vs-rest needs every class in gold
        p = probs / probs.sum(axis=1, keepdims=True)
        return number(roc_auc_score(y_true, p, multi_class="ovr", average="macro",
                                    labels=list(range(probs.shape[1]))))
