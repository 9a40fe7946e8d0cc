"""t-SNE (openTSNE); new points are placed with ``TSNEEmbedding.transform``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.component import Projector
from lumos.api.registry import register
from lumos.api.types import SpecError
from lumos.components.projections._common import check_fitted, check_input

#: fewer points leave t-SNE no neighbourhood to keep (and openTSNE needs 3 neighbours)
MIN_POINTS = 4


def effective_perplexity(perplexity: float, n_points: int) -> float:
    """The perplexity t-SNE runs with on ``n_points``: the one asked for, capped at
    ``(n_points - 1) / 3`` (at least 1).

    openTSNE takes ``3 * perplexity`` nearest neighbours, which must be fewer than the
    points, and scikit-learn requires ``perplexity < n_samples``; the cap keeps both
    (openTSNE would otherwise lower it itself, with a warning)."""
    if perplexity <= 0:
        raise SpecError(f"tsne: perplexity must be positive, got {perplexity}")
    return float(min(perplexity, max(1.0, (n_points - 1) / 3)))


@dataclass(frozen=True, kw_only=True)
class TSNEConfig:
    n_components: int = field(default=2, metadata={"help": "2 or 3"})
    perplexity: float = field(default=30.0, metadata={"help": "effective neighbourhood size"})
    metric: str = field(default="cosine", metadata={"help": "distance in embedding space"})
    n_iter: int = field(default=500, metadata={"help": "optimisation steps"})
    seed: int = field(default=0, metadata={"help": "random seed (fixes the layout)"})


@register("tsne", display_name="t-SNE")
class TSNEProjector(Projector):
    """t-distributed Stochastic Neighbour Embedding (FFT-accelerated in 2-D)."""
    version = "1"

    Config = TSNEConfig

    def __init__(self) -> None:
        self._embedding: Any = None
        self._dim: int | None = None

    def fit_transform(self, x: np.ndarray, *, config: Any = None) -> np.ndarray:
        from openTSNE import TSNE

        cfg = config if config is not None else TSNEConfig()
        arr = check_input(x, self.id, cfg.n_components, min_rows=MIN_POINTS)
        perplexity = effective_perplexity(cfg.perplexity, arr.shape[0])
        tsne = TSNE(n_components=cfg.n_components, perplexity=perplexity, metric=cfg.metric,
                    n_iter=cfg.n_iter, random_state=cfg.seed, n_jobs=1,
                    # auto: Barnes-Hut below 10k points, FFT above (FFT is 2-D only)
                    negative_gradient_method="auto" if cfg.n_components == 2 else "bh",
                    neighbors="exact" if arr.shape[0] < 1000 else "auto")
        self._embedding = tsne.fit(arr)
        self._dim = arr.shape[1]
        return np.asarray(self._embedding, dtype=np.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        arr = check_fitted(self._embedding, self.id, self._dim, x)
        return np.asarray(self._embedding.transform(arr), dtype=np.float32)
