"""Checks shared by the projectors."""

from __future__ import annotations

import numpy as np

from lumos.api.types import SpecError


def check_input(x: np.ndarray, method: str, n_components: int, min_rows: int = 2
                ) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if n_components not in (2, 3):
        raise SpecError(f"{method}: n_components must be 2 or 3, got {n_components}")
    if arr.ndim != 2:
        raise SpecError(f"{method}: expected a [points, dim] matrix, got shape {arr.shape}")
    if arr.shape[0] < min_rows:
        raise SpecError(f"{method}: needs at least {min_rows} points, got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(f"{method}: embeddings contain NaN or infinite values")
    return arr


def check_fitted(fitted: object, method: str, dim: int | None, x: np.ndarray) -> np.ndarray:
    if fitted is None:
        raise SpecError(f"{method}: call fit_transform before transform")
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if dim is not None and arr.shape[1] != dim:
        raise SpecError(f"{method}: new points have {arr.shape[1]} dimensions, the fitted "
                        f"projection {dim}")
    return arr
