"""Bootstrap intervals of macro P/R/F1, checked against scikit-learn and scipy."""

import numpy as np
import pytest
from scipy.stats import bootstrap
from sklearn.metrics import f1_score, precision_recall_fscore_support

from lumos.components.metrics.macro_bootstrap import (
    MIN_ROWS,
    macro_from_confusion,
    macro_intervals,
    resampled_macro,
)


def _data(n=300, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    noisy = rng.random(n) < 0.3
    y_pred = np.where(noisy, rng.integers(0, k, n), y_true)
    return y_true, y_pred


def test_the_macro_of_a_confusion_matrix_is_sklearns_on_its_rows():
    rng = np.random.default_rng(3)
    for present in ([0, 1, 2], [0, 2]):
        cms = rng.integers(0, 6, size=(20, 3, 3))
        cms[0, :, 1] = 0  # a class never predicted (zero_division)
        got = macro_from_confusion(cms, present)
        for b, cm in enumerate(cms):
            y_true = np.repeat(np.repeat(np.arange(3), 3), cm.ravel())
            y_pred = np.repeat(np.tile(np.arange(3), 3), cm.ravel())
            p, r, f, _ = precision_recall_fscore_support(
                y_true, y_pred, labels=present, average="macro", zero_division=0)
            assert got["precision"][b] == pytest.approx(p, abs=1e-12)
            assert got["recall"][b] == pytest.approx(r, abs=1e-12)
            assert got["f1"][b] == pytest.approx(f, abs=1e-12)


def test_a_million_rows_cost_what_a_hundred_do():
    y_true = np.zeros(1_000_000, dtype=np.int64)
    y_true[::3] = 1
    stats = resampled_macro(y_true, y_true[::-1].copy(), 2, [0, 1], n_resamples=50)
    assert stats["f1"].shape == (50,)


def test_the_interval_agrees_with_scipys_percentile_bootstrap_of_rows():
    """Drawing the confusion counts (ours) is the same bootstrap as drawing rows
    (scipy's); the statistic of each row resample is the one checked against sklearn
    above, vectorised over scipy's resamples."""
    y_true, y_pred = _data()

    def macro_f1(t, p, axis=-1):  # rows on the last axis: one-hot cells summed over them
        assert axis == -1
        cm = (t[..., None, None] == np.arange(3)[:, None]) & \
             (p[..., None, None] == np.arange(3)[None, :])
        return macro_from_confusion(cm.sum(axis=-3), [0, 1, 2])["f1"]

    ours = macro_intervals(y_true, y_pred, 3, [0, 1, 2], n_resamples=4000)["f1"]
    ref = bootstrap((y_true, y_pred), macro_f1, paired=True, vectorized=True,
                    n_resamples=4000, method="percentile",
                    rng=np.random.default_rng(0)).confidence_interval
    est = f1_score(y_true, y_pred, average="macro")
    assert macro_f1(y_true, y_pred) == pytest.approx(est, abs=1e-12)
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
