"""Samples that represent the data: seeded, stratified by the gold label.

``--limit N`` takes a file's first rows, which in a file sorted by label is one class
only. :func:`sample` draws ``n`` rows at random with a seed, keeping each gold label's
share of the rows (largest-remainder rounding, so the counts add up to ``n``), and
returns them in their original order with their row keys unchanged.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from lumos.api import types as T
from lumos.api.types import Spec, SpecError
from lumos.datasets.arrow import ArrowDataset


def gold_label(spec: Spec) -> str | None:
    """The dataset's gold label field (its first ``CategoryLabel``), if it has one."""
    return next((n for n, fs in spec.items() if isinstance(fs, T.CategoryLabel)), None)


def allocate(counts: np.ndarray, n: int) -> np.ndarray:
    """``n`` split over groups of ``counts`` rows in proportion (largest remainder)."""
    exact = counts * (n / counts.sum())
    out = np.floor(exact).astype(np.int64)
    rest = n - int(out.sum())
    if rest:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:rest]] += 1
    return np.minimum(out, counts)


def sample_indices(labels: pa.ChunkedArray | pa.Array | None, total: int, n: int,
                   seed: int) -> np.ndarray:
    """Sorted row indices of a seeded sample of ``n`` of ``total`` rows, stratified by
    ``labels`` (a missing label is a group of its own) when given."""
    rng = np.random.default_rng(seed)
    if n >= total:
        return np.arange(total)
    if labels is None:
        return np.sort(rng.choice(total, size=n, replace=False))
    import pandas as pd

    codes, _ = pd.factorize(pd.Series(labels.to_numpy(zero_copy_only=False),
                                      dtype=object), use_na_sentinel=False)
    counts = np.bincount(codes)
    take = allocate(counts, n)
    picked = [rng.choice(np.flatnonzero(codes == g), size=k, replace=False)
              for g, k in enumerate(take) if k]
    return np.sort(np.concatenate(picked)) if picked else np.arange(0)


def sample(ds: ArrowDataset, n: int, *, seed: int = 0, stratify: str | None = None
           ) -> ArrowDataset:
    """``n`` rows of ``ds`` drawn with ``seed``, stratified by ``stratify`` (default: the
    gold label when the dataset has one)."""
    if n <= 0:
        raise SpecError(f"sample size must be positive, got {n}")
    field = stratify if stratify is not None else gold_label(ds.spec())
    table = ds.to_arrow()
    if field is not None and field not in table.column_names:
        raise SpecError(f"cannot stratify by '{field}': not a column of the dataset "
                        f"(columns: {table.column_names})")
    labels = table.column(field) if field is not None else None
    idx = sample_indices(labels, len(ds), n, seed)
    return ArrowDataset(table.take(pa.array(idx, pa.int64())), ds.spec(), name=ds.name,
                        description=ds.description(), source=ds.source, locate=None,
                        check=False)
