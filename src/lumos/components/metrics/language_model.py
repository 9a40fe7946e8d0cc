"""Language modelling: perplexity from the per-token log-probabilities a model reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Metric
from lumos.api.registry import register
from lumos.components.metrics._common import number


@register("perplexity", display_name="Perplexity")
class Perplexity(Metric):
    """Corpus perplexity ``exp(-sum log p / tokens)`` and mean per-example perplexity.

    Needs no gold: the log-probabilities are those of the text itself.
    """
    version = "1"

    applies_to = (T.TokenLogProbs,)

    def is_field_compatible(self, pred_spec: T.FieldSpec, gold_spec: T.FieldSpec | None
                            ) -> bool:
        return isinstance(pred_spec, self.applies_to)

    @staticmethod
    def describe(pred_spec: T.FieldSpec) -> dict[str, dict[str, str]]:
        """Per value: its column header (naming the averaging) and what it means."""
        return {
            "tokens": {"label": "tokens", "description": "scored tokens in the group"},
            "perplexity": {"label": "perplexity (over tokens)",
                           "description": "exp of the mean negative log-likelihood over "
                                          "every token of the group"},
            "mean_example_perplexity": {"label": "perplexity (mean over rows)",
                                        "description": "mean of each row's perplexity"},
            "nll": {"label": "NLL (mean over tokens)",
                    "description": "mean negative log-likelihood per token (nats)"},
        }

    def compute(self, golds: Sequence[Any], preds: Sequence[Any], pred_spec: T.FieldSpec,
                gold_spec: T.FieldSpec | None, *, config: Any = None) -> dict[str, Any]:
        rows = [np.asarray(p, dtype=np.float64) for p in preds if p is not None]
        rows = [r for r in rows if r.size]
        if not rows:
            return {"count": 0}
        total = float(sum(r.sum() for r in rows))
        ntok = int(sum(r.size for r in rows))
        per_example = [math.exp(-float(r.mean())) for r in rows]
        return {
            "count": len(rows),
            "tokens": ntok,
            "perplexity": number(math.exp(-total / ntok)),
            "mean_example_perplexity": number(np.mean(per_example)),
            "nll": number(-total / ntok),
        }
