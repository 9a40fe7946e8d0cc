"""Classification metrics: accuracy, per-class precision/recall/F1, ROC-AUC, confusion matrix.

Predictions are ``MulticlassPreds`` probability vectors; gold is the label named by the
pred field's ``parent``. For two classes, ``margin`` moves the decision threshold: the
positive class (``positive_label`` or the second label) is predicted when
``log p(pos) - log p(neg) >= margin`` (0 is argmax). When the pred spec has a
``null_idx`` (e.g. "no relation", "O"), the averaged precision/recall/F1 leave that class
out unless ``include_null``.

Every value follows scikit-learn's definition on the same rows (``interval_methods``
names each interval's method, ``wilson`` or ``bootstrap``):

- ``accuracy``: ``accuracy_score``, with a Wilson 95% interval over the group's rows;
- ``precision``/``recall``/``f1``: ``precision_recall_fscore_support(average="macro",
  labels=<the group's gold classes>, zero_division=0)``: the unweighted mean over the
  classes that have gold rows in the group (a class only predicted there has no recall
  in it, and counting it as 0 would drag every figure down by the classes a group lacks;
  a gold class never predicted still counts, with precision 0), each with a seeded 95%
  percentile bootstrap interval over the group's rows
  (``lumos.components.metrics.macro_bootstrap``; none below its ``MIN_ROWS``). Over a
  dataset that holds every class this is sklearn's default macro average;
- ``class_recall``: recall of the one gold class a group holds (a group of one gold
  label), with a Wilson interval over its rows; ``class_precision``: precision of the one
  class a group predicts (a group of one predicted label);
- ``auc``: ``roc_auc_score`` (binary: of the positive class; otherwise one-vs-rest, macro).

A value that is not defined for a group is ``None`` and ``undefined[key]`` says why:
macro precision, recall and F1 are undefined in a group that holds one gold label (no
other gold class can be predicted there, so they would only count the classes absent);
AUC needs both classes (every class, one-vs-rest) among the gold labels. A caller that
groups rows by the prediction itself (``grouped_on="outcome"`` for correctness or error
type, ``"prediction"`` for the predicted label) gets only what that grouping leaves
meaningful (accuracy; precision of the predicted class).
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
from lumos.components.metrics._common import number, paired, wilson
from lumos.components.metrics.macro_bootstrap import macro_intervals

#: ``grouped_on`` values: the group was chosen by the prediction's correctness (or error
#: type), or by the predicted label
GROUPED_ON = ("outcome", "prediction")


#: intervals drawn by the bootstrap (the others are Wilson score intervals)
BOOTSTRAPPED = frozenset({"precision", "recall", "f1"})


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
        chosen: np.ndarray = np.where(logodds >= margin, pos, neg).astype(np.int64)
        return chosen
    return np.asarray(p.argmax(axis=1), dtype=np.int64)


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
    version = "2"

    applies_to = (T.MulticlassPreds,)
    Config = ClassificationConfig

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        binary = isinstance(pred_spec, T.MulticlassPreds) and len(pred_spec.vocab) == 2
        null = ""
        if isinstance(pred_spec, T.MulticlassPreds) and pred_spec.null_idx is not None:
            null = (f" The null class '{pred_spec.vocab[pred_spec.null_idx]}' is left out "
                    "unless include_null.")
        present = ("The group's gold classes = the classes with gold rows in the group "
                   "(scikit-learn labels=those classes; a class only predicted there has "
                   "no recall in it), zero_division=0; 95% percentile "
                   "bootstrap interval over the group's rows (1,000 seeded resamples; "
                   "none below 10 rows)." + null)
        return {
            "accuracy": {"label": "accuracy (over rows)",
                         "description": "share of rows predicted right; Wilson 95% "
                                        "interval over the group's rows"},
            "precision": {"label": "precision (macro over the group's gold classes)",
                          "description": "unweighted mean of per-class precision. " + present},
            "recall": {"label": "recall (macro over the group's gold classes)",
                       "description": "unweighted mean of per-class recall. " + present},
            "f1": {"label": "F1 (macro over the group's gold classes)",
                   "description": "unweighted mean of per-class F1. " + present},
            "class_recall": {"label": "recall (of the group's gold class)",
                             "description": "in a group of one gold label: the share of its "
                                            "rows predicted as that label; Wilson 95% "
                                            "interval over the group's rows"},
            "class_precision": {"label": "precision (of the group's predicted class)",
                                "description": "in a group of one predicted label: the share "
                                               "of its rows whose gold is that label; Wilson "
                                               "95% interval over the group's rows"},
            "auc": {"label": "ROC AUC (positive class)" if binary
                    else "ROC AUC (one-vs-rest, macro)",
                    "description": "area under the ROC curve of the predicted probabilities "
                                   "(scikit-learn roc_auc_score); no interval"},
        }

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None,
                grouped_on: str | None = None) -> dict[str, Any]:
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        if grouped_on is not None and grouped_on not in GROUPED_ON:
            raise SpecError(f"grouped_on: {grouped_on!r} is not one of {GROUPED_ON}")
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
        # macro average over the group's gold classes (sklearn's labels=those classes)
        present = [i for i in avg_labels if support[i] > 0]
        right = int(np.sum(y_true == y_pred))
        gold_classes = np.unique(y_true)
        pred_classes = np.unique(y_pred)
        undefined: dict[str, str] = {}
        intervals: dict[str, list[float]] = {"accuracy": wilson(right, n)}
        out: dict[str, Any] = {
            "count": n,
            "accuracy": number(right / n),
            "precision": None, "recall": None, "f1": None,
            "class_recall": None, "class_precision": None, "auc": None,
        }
        if not present:
            for k in ("precision", "recall", "f1"):
                undefined[k] = "every gold label here is the null class; include_null counts it"
        else:
            out["precision"] = number(np.mean([prec[i] for i in present]))
            out["recall"] = number(np.mean([rec[i] for i in present]))
            out["f1"] = number(np.mean([f1[i] for i in present]))
        if len(gold_classes) == 1:
            out["class_recall"] = out["accuracy"]
            intervals["class_recall"] = intervals["accuracy"]
            see = "; see the recall of the group's gold class"
            undefined["precision"] = ("undefined within one gold label: precision needs rows "
                                      "of other gold labels (its false positives), and every "
                                      "row here has the same gold label" + see)
            undefined["recall"] = undefined["f1"] = (
                "undefined within one gold label: a macro average over one class is that "
                "class's own figure" + see)
            for k in ("precision", "recall", "f1"):
                out[k] = None
        else:
            undefined["class_recall"] = ("the group holds several gold labels; group by "
                                         "the gold label for per-class recall")
        if out["f1"] is not None:
            intervals.update(macro_intervals(y_true, y_pred, len(vocab), present,
                                             confidence=0.95, seed=0))
        if len(pred_classes) == 1:
            if grouped_on == "prediction":
                out["class_precision"] = out["accuracy"]
                intervals["class_precision"] = intervals["accuracy"]
            else:
                undefined["class_precision"] = ("shown for groups by the predicted label")
        else:
            undefined["class_precision"] = ("the group holds several predicted labels; "
                                            "group by the predicted label for per-class "
                                            "precision")
        auc, why_auc = self._auc(y_true, probs, vocab, cfg)
        out["auc"] = auc
        if why_auc:
            undefined["auc"] = why_auc
        if grouped_on == "outcome":
            why = ("the group is chosen by whether the prediction is right, so this "
                   "figure describes that choice, not the model (accuracy is 1 or 0 by "
                   "construction); see the ungrouped row")
            for k in ("precision", "recall", "f1", "class_recall", "class_precision", "auc"):
                out[k] = None
                undefined[k] = why
                intervals.pop(k, None)
        elif grouped_on == "prediction":
            why = ("the group is chosen by the predicted label, so every row is predicted "
                   "the same class: recall, F1 and AUC are fixed by that choice; see "
                   "precision of the group's predicted class")
            for k in ("precision", "recall", "f1", "class_recall", "auc"):
                out[k] = None
                undefined[k] = why
                intervals.pop(k, None)
        out.update({
            "undefined": {k: v for k, v in undefined.items() if out.get(k) is None},
            "intervals": intervals,
            "interval_methods": {k: ("bootstrap" if k in BOOTSTRAPPED else "wilson")
                                 for k in intervals},
            "per_class": per_class,
            "confusion_matrix": {
                "labels": vocab,  # rows: gold, columns: predicted
                "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            },
        })
        return out

    @staticmethod
    def _auc(y_true: np.ndarray, probs: np.ndarray, vocab: Sequence[str],
             cfg: ClassificationConfig) -> tuple[float | None, str]:
        from sklearn.metrics import roc_auc_score

        present = np.unique(y_true)
        if len(present) < 2:
            return None, ("undefined with one gold class: AUC ranks rows of one class "
                          "against rows of another")
        if probs.shape[1] == 2:
            pos = positive_index(vocab, cfg.positive_label)
            return number(roc_auc_score(y_true == pos, probs[:, pos])), ""
        if len(present) < probs.shape[1]:
            absent = [vocab[i] for i in range(probs.shape[1]) if i not in set(present)]
            return None, ("undefined: one-vs-rest AUC needs every class among the gold "
                          f"labels, and this group has no gold {', '.join(map(repr, absent))}")
        p = probs / probs.sum(axis=1, keepdims=True)
        return number(roc_auc_score(y_true, p, multi_class="ovr", average="macro",
                                    labels=list(range(probs.shape[1])))), ""
