"""Helpers shared by the metric modules: gold checks and JSON-safe numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lumos.api.types import SpecError


def number(x: Any) -> float | None:
    """A plain float, or None for NaN/inf/None (JSON has no NaN)."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def paired(golds: Sequence[Any], preds: Sequence[Any], metric: str) -> tuple[list[Any], list[Any]]:
    """Drop rows without gold; check both sides have the same length."""
    if len(golds) != len(preds):
        raise SpecError(f"{metric}: {len(golds)} gold values but {len(preds)} predictions")
    keep = [(g, p) for g, p in zip(golds, preds, strict=True) if g is not None and p is not None]
    return [g for g, _ in keep], [p for _, p in keep]


#: below this many rows a group is flagged "small group": its figures move a lot by chance
MIN_GROUP_SIZE = 30


def wilson(successes: int, n: int, confidence: float = 0.95) -> list[float]:
    """Wilson score interval ``[lo, hi]`` of a proportion (scipy's ``binomtest``)."""
    from scipy.stats import binomtest

    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence,
                                                         method="wilson")
    return [float(ci.low), float(ci.high)]
