"""Bootstrap intervals of macro P/R/F1, checked against scikit-learn and scipy."""

import numpy as np
import pytest
from scipy.stats import bootstrap
from sklearn.metrics import f1_score, precision_recall_fscore_support

from lumos.components.metrics.macro_bootstrap import (
    MIN_ROWS,
    macro_intervals,
    resampled_macro,
)


def _data(n=300, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    noisy = rng.random(n) < 0.3
    y_pred = np.where(noisy, rng.integers(0, k, n), y_true)
    return y_true, y_pred


def test_each_resample_is_sklearns_macro_on_the_resampled_rows():
    y_true, y_pred = _data(n=80)
    present = [0, 1, 2]
    stats = resampled_macro(y_true, y_pred, 3, present, n_resamples=20, seed=7)
    idx = np.random.default_rng(7).integers(0, len(y_true), size=(20, len(y_true)))
    for b in range(20):
        p, r, f, _ = precision_recall_fscore_support(
            y_true[idx[b]], y_pred[idx[b]], labels=present, average="macro",
            zero_division=0)
        assert stats["precision"][b] == pytest.approx(p, abs=1e-12)
        assert stats["recall"][b] == pytest.approx(r, abs=1e-12)
        assert stats["f1"][b] == pytest.approx(f, abs=1e-12)


def test_the_interval_agrees_with_scipys_percentile_bootstrap():
    y_true, y_pred = _data()
    ours = macro_intervals(y_true, y_pred, 3, [0, 1, 2], n_resamples=4000)["f1"]
    ref = bootstrap((y_true, y_pred), lambda t, p: f1_score(t, p, average="macro",
                                                          labels=[0, 1, 2]),
                    paired=True, vectorized=False, n_resamples=4000, method="percentile",
                    rng=np.random.default_rng(0)).confidence_interval
    est = f1_score(y_true, y_pred, average="macro")
    assert ours[0] < est < ours[1]
    # two independent Monte Carlo runs of the same bootstrap: within its noise
    assert ours[0] == pytest.approx(ref.low, abs=0.01)
    assert ours[1] == pytest.approx(ref.high, abs=0.01)


def test_seeded_and_no_interval_for_a_handful_of_rows():
    y_true, y_pred = _data()
    assert macro_intervals(y_true, y_pred, 3, [0, 1, 2]) == \
        macro_intervals(y_true, y_pred, 3, [0, 1, 2])
    assert macro_intervals(y_true[:MIN_ROWS - 1], y_pred[:MIN_ROWS - 1], 3, [0, 1, 2]) == {}


def test_the_classification_metric_reports_them_with_their_method():
    from lumos.api import types as T
    from lumos.components.metrics.classification import ClassificationMetrics

    y_true, y_pred = _data(n=120, k=2)
    vocab = ("negative", "positive")
    gold = [vocab[i] for i in y_true]
    probs = [np.eye(2)[i] * 0.8 + 0.1 for i in y_pred]
    m = ClassificationMetrics()
    out = m.compute(gold, probs, T.MulticlassPreds(vocab=vocab, parent="label"),
                    T.CategoryLabel(vocab=vocab), config=m.make_config({}))
    lo, hi = out["intervals"]["f1"]
    assert lo < out["f1"] < hi
    assert out["interval_methods"] == {"accuracy": "wilson", "precision": "bootstrap",
                                       "recall": "bootstrap", "f1": "bootstrap"}
