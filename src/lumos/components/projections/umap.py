"""UMAP (umap-learn); new points are placed with ``UMAP.transform``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.component import Projector
from lumos.api.registry import register
from lumos.components.projections._common import check_fitted, check_input


@dataclass(frozen=True, kw_only=True)
class UMAPConfig:
    n_components: int = field(default=2, metadata={"help": "2 or 3"})
    n_neighbors: int = field(default=15, metadata={"help": "size of the local neighbourhood"})
    min_dist: float = field(default=0.1, metadata={"help": "how tightly points pack"})
    metric: str = field(default="cosine", metadata={"help": "distance in embedding space"})
    seed: int = field(default=0, metadata={"help": "random seed (fixes the layout)"})


@register("umap", display_name="UMAP")
class UMAPProjector(Projector):
    """Uniform Manifold Approximation and Projection."""
    version = "1"

    Config = UMAPConfig

    def __init__(self) -> None:
        self._model: Any = None
        self._dim: int | None = None

    def fit_transform(self, x: np.ndarray, *, config: Any = None) -> np.ndarray:
        umap = import_umap()
        cfg = config if config is not None else UMAPConfig()
        arr = check_input(x, self.id, cfg.n_components, min_rows=3)
        n_neighbors = effective_neighbors(cfg.n_neighbors, arr.shape[0])
        # a seed makes umap-learn run single-threaded (and warn about it): that is the
        # price of a reproducible layout
        self._model = umap.UMAP(n_components=cfg.n_components, n_neighbors=n_neighbors,
                                min_dist=cfg.min_dist, metric=cfg.metric,
                                random_state=cfg.seed, init=_init(arr, cfg.n_components))
        self._dim = arr.shape[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self._model.fit_transform(arr)
        return np.asarray(out, dtype=np.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        arr = check_fitted(self._model, self.id, self._dim, x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self._model.transform(arr), dtype=np.float32)


def effective_neighbors(n_neighbors: int, n_points: int) -> int:
    """The neighbourhood UMAP runs with on ``n_points``: the one asked for, capped below
    the number of points (at least 2)."""
    return max(2, min(int(n_neighbors), n_points - 1))


def _init(arr: np.ndarray, n_components: int) -> str:
    # spectral initialisation needs more points than components + 1
    return "spectral" if arr.shape[0] > n_components + 2 else "random"


def import_umap() -> Any:
    """umap-learn, imported without its warning that TensorFlow (ParametricUMAP) is absent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import umap
    return umap
