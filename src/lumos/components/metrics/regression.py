"""Regression metrics: MSE, MAE, Pearson and Spearman correlation."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Metric
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.metrics._common import number, paired


@register("regression", display_name="Regression")
class RegressionMetrics(Metric):
    """Mean squared and absolute error; Pearson and Spearman correlation with gold."""
    version = "1"

    applies_to = (T.RegressionScore,)

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        from scipy import stats
        from sklearn.metrics import mean_absolute_error, mean_squared_error

        g_raw, p_raw = paired(golds, preds, self.id)
        if not g_raw:
            return {"count": 0}
        try:
            y = np.asarray(g_raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise SpecError("regression: gold values must be numbers") from None
        p = np.asarray(p_raw, dtype=np.float64)
        out: dict[str, Any] = {
            "count": len(y),
            "mse": number(mean_squared_error(y, p)),
            "mae": number(mean_absolute_error(y, p)),
            "pearson": None,
            "spearman": None,
        }
        # correlation is undefined with fewer than two points or a constant side
        if len(y) >= 2 and np.ptp(y) > 0 and np.ptp(p) > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out["pearson"] = number(stats.pearsonr(y, p)[0])
                out["spearman"] = number(stats.spearmanr(y, p)[0])
        return out
