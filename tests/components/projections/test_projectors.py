"""Projectors: shapes, determinism with a seed, placement of new points."""

import numpy as np
import pytest

from lumos.api.registry import available
from lumos.api.types import SpecError


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 16)) * 8
    return np.concatenate([c + rng.standard_normal((20, 16)) for c in centers]).astype(
        np.float32)


def test_registered():
    assert {"pca", "umap", "tsne"} <= set(available("projector"))


def test_pca_recovers_a_line_and_places_exactly():
    cls = available("projector")["pca"]
    t = np.linspace(-1, 1, 10)[:, None]
    x = np.hstack([t, 2 * t, np.zeros_like(t)]).astype(np.float32)
    p = cls()
    y = p.fit_transform(x, config=cls.make_config({"n_components": 2}))
    assert y.shape == (10, 2)
    assert np.allclose(np.abs(y[:, 0]), np.abs(t[:, 0]) * np.sqrt(5), atol=1e-5)
    assert np.allclose(y[:, 1], 0, atol=1e-5)
    assert np.allclose(p.transform(x[:3]), y[:3], atol=1e-5)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_seeded_and_separates_clusters(method, blobs):
    cls = available("projector")[method]
    cfg = cls.make_config({"seed": 7})
    a = cls().fit_transform(blobs, config=cfg)
    b = cls().fit_transform(blobs, config=cfg)
    assert a.shape == (60, 2)
    assert np.allclose(a, b)
    centroids = np.stack([a[i * 20:(i + 1) * 20].mean(0) for i in range(3)])
    spread = max(a[i * 20:(i + 1) * 20].std(0).max() for i in range(3))
    gaps = [np.linalg.norm(centroids[i] - centroids[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 2 * spread


def test_tsne_places_new_points_near_their_cluster(blobs):
    cls = available("projector")["tsne"]
    p = cls()
    y = p.fit_transform(blobs, config=cls.make_config({"seed": 1}))
    new = p.transform(blobs[:2] + 0.01)
    c0 = y[:20].mean(0)
    others = [y[20:40].mean(0), y[40:].mean(0)]
    for pt in new:
        assert np.linalg.norm(pt - c0) < min(np.linalg.norm(pt - o) for o in others)


def test_three_dimensions_and_bad_configs(blobs):
    cls = available("projector")["pca"]
    assert cls().fit_transform(blobs, config=cls.make_config({"n_components": 3})).shape == \
        (60, 3)
    with pytest.raises(SpecError, match="n_components"):
        cls().fit_transform(blobs, config=cls.make_config({"n_components": 4}))
    with pytest.raises(SpecError, match="unknown config option 'perplexity'"):
        cls.make_config({"perplexity": 5})
    with pytest.raises(SpecError, match="fit_transform before transform"):
        cls().transform(blobs)


@pytest.mark.slow
def test_umap_seeded_places_new_points(blobs):
    cls = available("projector")["umap"]
    cfg = cls.make_config({"seed": 3, "n_neighbors": 10})
    p = cls()
    a = p.fit_transform(blobs, config=cfg)
    b = cls().fit_transform(blobs, config=cfg)
    assert a.shape == (60, 2) and np.allclose(a, b)
    new = p.transform(blobs[:1] + 0.01)
    c = [a[i * 20:(i + 1) * 20].mean(0) for i in range(3)]
    d = [np.linalg.norm(new[0] - ci) for ci in c]
    assert int(np.argmin(d)) == 0


@pytest.mark.parametrize(("asked", "n", "used"), [
    (30.0, 4, 1.0), (30.0, 10, 3.0), (30.0, 91, 30.0), (5.0, 100, 5.0), (2.0, 7, 2.0),
    (30.0, 1000, 30.0)])
def test_tsne_perplexity_is_capped_for_few_points(asked, n, used):
    from lumos.components.projections.tsne import effective_perplexity

    p = effective_perplexity(asked, n)
    assert p == pytest.approx(used)
    # openTSNE takes 3·perplexity neighbours (fewer than the points); scikit-learn
    # requires perplexity < n_samples
    assert 3 * p < n and p < n


@pytest.mark.parametrize("n", [4, 5, 7])
def test_tsne_fits_few_points_without_lowering_perplexity_itself(n, caplog):
    from lumos.components.projections.tsne import TSNEProjector

    x = np.random.default_rng(1).standard_normal((n, 6)).astype(np.float32)
    with caplog.at_level("WARNING"):
        assert TSNEProjector().fit_transform(x).shape == (n, 2)
    # openTSNE logs "Perplexity value 30 is too high" when it has to lower it
    assert not [r for r in caplog.records if "erplexity" in r.getMessage()]


def test_tsne_refuses_three_points_and_a_perplexity_of_zero():
    from lumos.components.projections.tsne import TSNEProjector

    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    with pytest.raises(SpecError, match="needs at least 4 points, got 3"):
        TSNEProjector().fit_transform(x[:3])
    with pytest.raises(SpecError, match="perplexity must be positive"):
        TSNEProjector().fit_transform(x, config=TSNEProjector.make_config({"perplexity": 0}))


@pytest.mark.parametrize(("asked", "n", "used"), [(15, 100, 15), (15, 16, 15), (15, 6, 5),
                                                  (15, 3, 2), (1, 50, 2)])
def test_umap_neighbourhood_is_capped_below_the_points(asked, n, used):
    from lumos.components.projections.umap import effective_neighbors

    assert effective_neighbors(asked, n) == used
