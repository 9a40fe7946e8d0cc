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

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        return {
            "mse": {"label": "MSE (mean over rows)", "description": "mean squared error"},
            "mae": {"label": "MAE (mean over rows)", "description": "mean absolute error"},
            "pearson": {"label": "Pearson r (over rows)", "description": "linear correlation of "
                        "prediction and gold over the group's rows (scipy)"},
            "spearman": {"label": "Spearman ρ (over rows)", "description": "rank correlation of "
                         "prediction and gold over the group's rows (scipy)"},
        }

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
        if len(y) < 2 or np.ptp(y) == 0 or np.ptp(p) == 0:
            why = ("undefined: fewer than two rows" if len(y) < 2 else
                   "undefined: every gold value in this group is the same" if np.ptp(y) == 0
                   else "undefined: every prediction in this group is the same")
            out["undefined"] = {"pearson": why, "spearman": why}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out["pearson"] = number(stats.pearsonr(y, p)[0])
                out["spearman"] = number(stats.spearmanr(y, p)[0])
        return out
