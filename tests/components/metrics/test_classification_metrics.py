"""Classification metrics against hand-computed values."""

import math

import numpy as np
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.components.metrics.classification import ClassificationMetrics

SPEC = T.MulticlassPreds(vocab=("a", "b"), parent="label")
GOLD = ["a", "a", "b", "b", "b"]
P_B = [0.2, 0.7, 0.9, 0.6, 0.4]  # argmax predictions: a b b b a
PREDS = [np.array([1 - p, p]) for p in P_B]


def run(golds=GOLD, preds=PREDS, spec=SPEC, **cfg):
    m = ClassificationMetrics()
    return m.compute(golds, preds, spec, T.CategoryLabel(), config=m.make_config(cfg))


def test_accuracy_precision_recall_f1_by_hand():
    r = run()
    assert r["count"] == 5
    assert r["accuracy"] == pytest.approx(3 / 5)
    assert r["per_class"]["a"] == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert r["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert r["per_class"]["b"]["recall"] == pytest.approx(2 / 3)
    assert r["f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    # rows are gold, columns predicted
    assert r["confusion_matrix"] == {"labels": ["a", "b"], "matrix": [[1, 1], [1, 2]]}


def test_roc_auc_by_pair_counting():
    # positives (b) score .9 .6 .4, negatives .2 .7: 4 of 6 pairs ranked right
    assert run()["auc"] == pytest.approx(4 / 6)


def test_margin_moves_the_binary_threshold():
    # margin -1: predict b when p(b)/p(a) >= e^-1, i.e. p(b) >= 0.269 -> a b b b b
    r = run(margin=-1.0)
    assert r["accuracy"] == pytest.approx(4 / 5)
    assert r["confusion_matrix"]["matrix"] == [[1, 1], [0, 3]]
    # margin +1: only p(b) >= 0.731 -> a a b a a
    assert run(margin=1.0)["confusion_matrix"]["matrix"] == [[2, 0], [2, 1]]


def test_positive_label_flips_the_margin():
    r = run(margin=math.log(3), positive_label="a")  # a needs p(a) >= 0.75: only row 0
    assert r["confusion_matrix"]["matrix"] == [[1, 1], [0, 3]]
    with pytest.raises(SpecError, match="positive_label"):
        run(positive_label="c")


def test_null_class_is_left_out_of_the_averages():
    spec = T.MulticlassPreds(vocab=("none", "x", "y"), parent="label", null_idx=0)
    golds = ["none", "x", "y", "none"]
    preds = [np.eye(3)[i] * 0.9 + 0.1 / 3 for i in (0, 1, 0, 0)]  # none x none none
    r = run(golds, preds, spec)
    # x: P=R=1; y: P=0 (never predicted), R=0 -> macro over x,y = 0.5
    assert r["f1"] == pytest.approx(0.5)
    with_null = run(golds, preds, spec, include_null=True)
    # none: P=2/3, R=1 -> F1 0.8; macro over three classes
    assert with_null["f1"] == pytest.approx((0.8 + 1 + 0) / 3)
    assert r["accuracy"] == pytest.approx(3 / 4)


def test_auc_is_undefined_with_one_gold_class_and_rows_without_gold_are_skipped():
    r = run(["a", None, "a"], PREDS[:3])
    assert r["count"] == 2
    assert r["auc"] is None


def test_unknown_gold_label_names_itself():
    with pytest.raises(SpecError, match="'c'"):
        run(["a", "c"], PREDS[:2])


SPEC3 = T.MulticlassPreds(vocab=("neg", "neu", "pos"), parent="label")


def onehot(i, k=3):
    return np.eye(k)[i] * 0.8 + 0.2 / k


def test_one_gold_label_gives_its_recall_and_no_macro_precision():
    # every row gold 'neg'; predicted neg neg neu pos -> recall 2/4 (old code: macro
    # precision (1 + 0 + 0) / 3 = 0.333 over classes the group has no gold rows of)
    r = run(["neg"] * 4, [onehot(i) for i in (0, 0, 1, 2)], SPEC3)
    assert r["class_recall"] == pytest.approx(0.5) and r["accuracy"] == pytest.approx(0.5)
    for k in ("precision", "recall", "f1", "auc"):
        assert r[k] is None
        assert "one gold" in r["undefined"][k]
    lo, hi = r["intervals"]["class_recall"]
    assert lo < 0.5 < hi and r["intervals"]["class_recall"] == r["intervals"]["accuracy"]


def test_wilson_interval_matches_the_closed_form():
    r = run()  # 3 right of 5
    k, n, z = 3, 5, 1.959963984540054
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    assert r["intervals"]["accuracy"] == pytest.approx([centre - half, centre + half])


def test_one_vs_rest_auc_names_the_missing_class():
    r = run(["neg", "neu", "neg"], [onehot(i) for i in (0, 1, 2)], SPEC3)
    assert r["auc"] is None and "'pos'" in r["undefined"]["auc"]
    assert r["precision"] is not None  # two gold labels: the macro figures are defined


def test_grouped_by_outcome_keeps_only_accuracy():
    m = ClassificationMetrics()
    r = m.compute(GOLD, PREDS, SPEC, T.CategoryLabel(), config=m.make_config({}),
                  grouped_on="outcome")
    assert r["accuracy"] == pytest.approx(3 / 5)
    assert r["auc"] is None and "by construction" in r["undefined"]["auc"]
    with pytest.raises(SpecError, match="grouped_on"):
        m.compute(GOLD, PREDS, SPEC, T.CategoryLabel(), config=None, grouped_on="x")


def test_every_value_has_a_header_naming_its_averaging():
    info = ClassificationMetrics.describe(SPEC3)
    r = run(["neg", "pos"], [onehot(0), onehot(2)], SPEC3)
    scalar = {k for k, v in r.items() if k != "count" and (v is None or isinstance(v, float))}
    assert scalar <= set(info)
    assert info["f1"]["label"] == "F1 (macro over the group's gold classes)"
    assert info["auc"]["label"] == "ROC AUC (one-vs-rest, macro)"
