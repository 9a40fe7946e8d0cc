"""Projections are cached in the store (computed once) and place new points."""

import numpy as np
import pytest

from lumos.api.types import SpecError
from lumos.components.projections.pca import PCAProjector
from lumos.engine import Engine, Workspace
from lumos.engine.projection import place, project
from lumos.store import Store


@pytest.fixture
def fits(monkeypatch):
    calls = []
    orig = PCAProjector.fit_transform

    def counting(self, x, *, config=None):
        calls.append(x.shape)
        return orig(self, x, config=config)

    monkeypatch.setattr(PCAProjector, "fit_transform", counting)
    return calls


def test_second_call_does_not_refit_even_after_a_restart(tmp_path, fits, reviews):
    workspace = reviews.workspace
    path = tmp_path / "s.sqlite"
    store = Store(path)
    ws = workspace(store)
    first = project(ws, "clf", "reviews", "embedding", "pca", {"seed": 3})
    assert not first["cached"] and fits == [(12, 8)]
    pts = first["points"]
    assert pts.column_names == ["id", "index", "x", "y"] and pts.num_rows == 12
    again = project(ws, "clf", "reviews", "embedding", "pca", {"seed": 3})
    assert again["cached"] and len(fits) == 1
    assert again["points"].equals(pts)
    store.close()
    ws2 = workspace(Store(path))
    third = project(ws2, "clf", "reviews", "embedding", "pca", {"seed": 3})
    assert third["cached"] and len(fits) == 1
    assert np.allclose(third["points"].column("x").to_numpy(), pts.column("x").to_numpy())
    # other settings are another projection
    assert not project(ws2, "clf", "reviews", "embedding", "pca",
                       {"n_components": 3})["cached"]


def test_place_new_points_in_the_fitted_layout(store, reviews):
    ws = reviews.workspace(store)
    res = project(ws, "clf", "reviews", "embedding", "pca")
    xy = place(ws, "clf", "reviews", [{"text": "good movie"}, {"text": "hate hate"}],
               "embedding", "pca")
    assert xy.shape == (2, 2)
    row0 = [res["points"].column(a)[0].as_py() for a in "xy"]
    assert np.allclose(xy[0], row0, atol=1e-4)  # same text, same place


def test_place_after_restart_refits(tmp_path, reviews):
    workspace = reviews.workspace
    path = tmp_path / "s.sqlite"
    s = Store(path)
    project(workspace(s), "clf", "reviews", "embedding", "pca")
    s.close()
    xy = place(workspace(Store(path)), "clf", "reviews", [{"text": "good movie"}],
               "embedding", "pca")
    assert xy.shape == (1, 2)


def test_bad_field_names_itself(store, reviews):
    ws = reviews.workspace(store)
    with pytest.raises(SpecError, match="'tokens'.*embeddings fields: \\['embedding'\\]"):
        project(ws, "clf", "reviews", "tokens", "pca")
    with pytest.raises(SpecError, match="layer"):
        project(ws, "clf", "reviews", "embedding", "pca", layer=1)
    with pytest.raises(KeyError, match="mds"):
        project(ws, "clf", "reviews", "embedding", "mds")


def test_token_points(store, reviews):
    from lumos.api import types as T
    from lumos.testing.fakes import FakeClassifier

    class TokenModel(FakeClassifier):
        def output_spec(self):
            spec = super().output_spec()
            spec["token_embeddings"] = T.TokenEmbeddings(align="tokens")
            return spec

        def predict(self, inputs, *, fields=None):
            outs = super().predict(inputs, fields=fields)
            for ex, o in zip(inputs, outs, strict=True):
                toks = ex["text"].split()
                o["token_embeddings"] = np.stack(
                    [np.full(4, len(t), np.float32) + np.arange(4) * i
                     for i, t in enumerate(toks)])
            return outs

    ws = Workspace({"m": TokenModel()}, {"reviews": reviews.dataset()}, engine=Engine(store))
    res = project(ws, "m", "reviews", "token_embeddings", "pca", tokens="all")
    pts = res["points"]
    assert pts.num_rows == 24  # total whitespace tokens
    assert pts.column("token").to_pylist()[:2] == ["good", "movie"]
    assert pts.column("token_index").to_pylist()[:3] == [0, 1, 0]
    pooled = project(ws, "m", "reviews", "token_embeddings", "pca")
    assert pooled["points"].num_rows == 12


def test_a_fit_reports_its_real_steps_and_a_cached_layout_none(reviews):
    ws = reviews.workspace(Store(":memory:"))
    seen = []
    project(ws, "clf", "reviews", "embedding", "pca", {"seed": 1},
            on_progress=lambda d, t, s: seen.append((d, t, s)))
    stages = [s for _, _, s in seen]
    assert "embeddings" in stages
    fit = [s for s in stages if s.startswith("fitting")]
    assert fit == ["fitting PCA on 12 × 8"]
    assert stages.index("pooling vectors") < stages.index(fit[0]) \
        < stages.index("storing the layout") < stages.index("done")
    dones = [d for d, _, _ in seen]
    assert dones == sorted(dones) and seen[-1][0] == seen[-1][1]  # counts up to the total
    again = []
    project(ws, "clf", "reviews", "embedding", "pca", {"seed": 1},
            on_progress=lambda d, t, s: again.append(s))
    assert again == []
