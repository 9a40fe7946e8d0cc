"""Regression metrics against hand-computed values."""

import pytest

from lumos.api import types as T
from lumos.components.metrics.regression import RegressionMetrics


def run(golds, preds):
    return RegressionMetrics().compute(golds, preds, T.RegressionScore(), T.Scalar(),
                                       config=None)


def test_errors_and_correlations_by_hand():
    r = run([1, 2, 3, 4], [1, 3, 2, 4])
    assert r["mse"] == pytest.approx(0.5)
    assert r["mae"] == pytest.approx(0.5)
    # deviations (-1.5,-.5,.5,1.5) and (-1.5,.5,-.5,1.5): cov 4 / var 5 -> 0.8
    assert r["pearson"] == pytest.approx(0.8)
    assert r["spearman"] == pytest.approx(0.8)


def test_spearman_sees_ranks_not_values():
    r = run([1, 2, 3], [1, 10, 100])
    assert r["spearman"] == pytest.approx(1.0)
    assert r["pearson"] < 0.95


def test_constant_predictions_have_no_correlation():
    r = run([1, 2, 3], [2, 2, 2])
    assert r["pearson"] is None and r["spearman"] is None
    assert r["mse"] == pytest.approx(2 / 3)


def test_an_undefined_correlation_says_why():
    r = run([1, 2, 3], [2, 2, 2])
    assert "every prediction" in r["undefined"]["pearson"]
    assert "fewer than two rows" in run([1], [1])["undefined"]["spearman"]
    assert RegressionMetrics.describe(T.RegressionScore())["mse"]["label"] == \
        "MSE (mean over rows)"
