"""Principal component analysis (scikit-learn); new points are placed exactly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.component import Projector
from lumos.api.registry import register
from lumos.components.projections._common import check_fitted, check_input


@dataclass(frozen=True, kw_only=True)
class PCAConfig:
    n_components: int = field(default=2, metadata={"help": "2 or 3"})
    seed: int = field(default=0, metadata={"help": "random seed (randomised SVD)"})


@register("pca", display_name="PCA")
class PCAProjector(Projector):
    """Linear projection onto the top principal components."""
    version = "1"

    Config = PCAConfig

    def __init__(self) -> None:
        self._model: Any = None
        self._dim: int | None = None

    def fit_transform(self, x: np.ndarray, *, config: Any = None) -> np.ndarray:
        from sklearn.decomposition import PCA

        cfg = config if config is not None else PCAConfig()
        arr = check_input(x, self.id, cfg.n_components)
        k = min(cfg.n_components, arr.shape[0], arr.shape[1])
        self._model = PCA(n_components=k, random_state=cfg.seed)
        self._dim = arr.shape[1]
        out = self._model.fit_transform(arr)
        return _pad(out, cfg.n_components)

    def transform(self, x: np.ndarray) -> np.ndarray:
        arr = check_fitted(self._model, self.id, self._dim, x)
        return _pad(self._model.transform(arr), self._model.n_components)


def _pad(out: np.ndarray, n: int) -> np.ndarray:
    """Zero columns when there are fewer points/dimensions than components."""
    out = np.asarray(out, dtype=np.float32)
    if out.shape[1] < n:
        out = np.hstack([out, np.zeros((out.shape[0], n - out.shape[1]), np.float32)])
    return out
