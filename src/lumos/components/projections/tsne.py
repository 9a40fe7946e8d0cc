"""t-SNE (openTSNE); new points are placed with ``TSNEEmbedding.transform``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.component import Projector
from lumos.api.registry import register
from lumos.components.projections._common import check_fitted, check_input


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
        arr = check_input(x, self.id, cfg.n_components, min_rows=4)
        # perplexity must stay below the number of points / 3 for the affinities
        perplexity = float(min(cfg.perplexity, max(1.0, (arr.shape[0] - 1) / 3)))
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
