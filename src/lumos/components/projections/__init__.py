"""Projections of embeddings to 2 or 3 dimensions: ``pca``, ``umap``, ``tsne``.

Each projector fits once (``fit_transform``) and places new points (``transform``).
"""

from lumos.components.projections.pca import PCAProjector
from lumos.components.projections.tsne import TSNEProjector
from lumos.components.projections.umap import UMAPProjector

__all__ = ["PCAProjector", "TSNEProjector", "UMAPProjector"]
