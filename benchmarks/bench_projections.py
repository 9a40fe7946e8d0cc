"""UMAP and t-SNE on the demo embeddings: lumos's ``engine.projection.project`` against
umap-learn and openTSNE called directly with the same settings.

Embeddings: the real MiniLM-L6 encoder (the sentiment demo's base model) mean-pooled over
``--n`` tweets of the demo's test split, predicted once through the engine (so both sides
start from the same matrix). Also reports the cached second call (read from the store).

    .venv/bin/python benchmarks/bench_projections.py [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()

    from lumos.datasets import ArrowDataset
    from lumos.demos.base import minilm_path
    from lumos.demos.data import SENTIMENT_LABELS, tweets
    from lumos.engine import Engine, Workspace
    from lumos.engine.projection import project
    from lumos.models.hf.classifier import HFClassifier
    from lumos.store import Store

    full = tweets("test")
    n = min(args.n, len(full))
    ds = ArrowDataset(full.to_arrow().slice(0, n), full.spec(), name="tweets", check=False)
    model = HFClassifier(minilm_path(), labels=SENTIMENT_LABELS, num_labels=3)
    ws = Workspace({"minilm": model}, {"tweets": ds}, engine=Engine(Store(":memory:")),
                   smoke_test=False)
    t0 = time.perf_counter()
    outs = ws.predict_dataset("minilm", "tweets", fields=["embedding"])
    embed_s = time.perf_counter() - t0
    x = np.stack([o["embedding"] for o in outs]).astype(np.float32)

    import umap
    from openTSNE import TSNE

    from lumos.components.projections.umap import UMAPConfig, _init, import_umap

    import_umap()
    ucfg = UMAPConfig(seed=0)
    warm = np.random.default_rng(0).standard_normal((200, x.shape[1])).astype(np.float32)
    with warnings.catch_warnings():  # compile numba code outside the timings
        warnings.simplefilter("ignore")
        umap.UMAP(random_state=0).fit_transform(warm)

    def umap_direct() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return umap.UMAP(n_components=2, n_neighbors=ucfg.n_neighbors,
                             min_dist=ucfg.min_dist, metric=ucfg.metric, random_state=0,
                             init=_init(x, 2)).fit_transform(x)

    def tsne_direct() -> np.ndarray:
        return np.asarray(TSNE(n_components=2, perplexity=30.0, metric="cosine", n_iter=500,
                               random_state=0, n_jobs=1, negative_gradient_method="auto",
                               neighbors="auto").fit(x))

    rows = []
    for method, direct in (("umap", umap_direct), ("tsne", tsne_direct)):
        t = time.perf_counter()
        direct()
        t_direct = time.perf_counter() - t
        t = time.perf_counter()
        res = project(ws, "minilm", "tweets", "embedding", method, {"seed": 0})
        t_ours = time.perf_counter() - t
        assert not res["cached"]
        t = time.perf_counter()
        again = project(ws, "minilm", "tweets", "embedding", method, {"seed": 0})
        t_cached = time.perf_counter() - t
        assert again["cached"]
        rows.append((method, t_ours, t_direct, t_cached))

    print(f"## Projections of {n:,} demo embeddings (MiniLM-L6, {x.shape[1]}-d)\n")
    print(f"Embeddings predicted once through the engine in {embed_s:.1f} s (not counted). "
          "Same settings on both sides (UMAP: 15 neighbours, cosine, seed 0; t-SNE: "
          "perplexity 30, cosine, 500 iterations, seed 0, one thread).\n")
    print("| method | lumos `project` (fit + store) | library directly | ratio | "
          "cached second call |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for method, ours, direct, cached in rows:
        print(f"| {method} | {ours:.2f} s | {direct:.2f} s | {ours / direct:.2f}x | "
              f"{cached * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
