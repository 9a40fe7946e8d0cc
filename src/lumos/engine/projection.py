"""Embedding projections, computed once per (model, dataset, field, method, config).

``project`` reads an embeddings field of a model (pooled ``Embeddings``, one layer of a
``per_layer`` field, or ``TokenEmbeddings`` mean-pooled or one point per token), fits a
registered projector (``pca``, ``umap``, ``tsne``) and caches the coordinates in the
store's ``projections`` namespace, so a second call (even after a restart) does not refit.
The fitted projector stays in memory, per workspace, so ``place`` can put new points
(edited datapoints) into the same layout; after a restart it is refitted with the same
seed on first use.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from lumos.api import types as T
from lumos.api.component import Projector
from lumos.api.context import Cancelled
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.registry import get
from lumos.api.types import SpecError
from lumos.engine.frames import check_indices, resolve
from lumos.engine.workspace import Workspace
from lumos.store import keys

NAMESPACE = "projections"
TOKEN_MODES = ("mean", "all")
#: the named steps of a fit after the embeddings (the second names method and shape)
FIT_STAGES = ("pooling vectors", "fitting", "storing the layout")

StageProgress = Callable[[int, int, str], None]

# fitted projectors by workspace, then cache key (dropped with the workspace)
_fitted: weakref.WeakKeyDictionary[Workspace, dict[str, Projector]] = \
    weakref.WeakKeyDictionary()


def embedding_fields(model: Model) -> list[str]:
    return T.find_fields(model.output_spec(), T.Embeddings, T.TokenEmbeddings)


def _check_field(model: Model, field: str, layer: int | None, tokens: str) -> T.FieldSpec:
    spec = model.output_spec()
    fs = spec.get(field)
    if not isinstance(fs, T.Embeddings | T.TokenEmbeddings):
        raise SpecError(f"field '{field}' is not an embeddings field of the model "
                        f"(embeddings fields: {embedding_fields(model)})")
    if tokens not in TOKEN_MODES:
        raise SpecError(f"tokens: must be one of {list(TOKEN_MODES)}, got '{tokens}'")
    if layer is not None and not fs.per_layer:
        raise SpecError(f"layer: field '{field}' has one layer; leave layer unset")
    return fs


def _vectors(fs: T.FieldSpec, values: Sequence[Any], layer: int | None, tokens: str,
             field: str) -> tuple[np.ndarray, list[int], list[int]]:
    """(points, example position per point, token position per point or -1)."""
    rows, owner, tok = [], [], []
    for n, v in enumerate(values):
        arr = np.asarray(v, dtype=np.float32)
        if getattr(fs, "per_layer", False):
            li = -1 if layer is None else layer
            if not -arr.shape[0] <= li < arr.shape[0]:
                raise SpecError(f"layer: {layer} is out of range; field '{field}' has "
                                f"{arr.shape[0]} layers")
            arr = arr[li]
        if isinstance(fs, T.TokenEmbeddings):
            if tokens == "mean":
                rows.append(arr.mean(axis=0))
                owner.append(n)
                tok.append(-1)
            else:
                rows.extend(arr)
                owner.extend([n] * arr.shape[0])
                tok.extend(range(arr.shape[0]))
        else:
            rows.append(arr)
            owner.append(n)
            tok.append(-1)
    if not rows:
        raise SpecError(f"field '{field}': no embeddings to project")
    return np.stack(rows), owner, tok


def _config(cls: type[Projector], config: Any) -> Any:
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        if not isinstance(config, cls.Config):
            raise SpecError(f"{cls.id}: config is a {type(config).__name__}, "
                            f"expected {cls.Config.__name__}")
        return config
    return cls.make_config(config)


def cache_key(model: Model, dataset: Dataset, field: str, method: str, config: Any,
              layer: int | None, tokens: str, indices: Sequence[int] | None = None) -> str:
    """Key of a projection: the model's key, the projector's id, version and config, the
    field, layer and pooling, and the content of the projected rows (never their ids)."""
    cls = get("projector", method)
    rows = keys.dataset_content_key(dataset, list(model.input_spec()), indices)
    digest = keys.content_key(keys.derived_key(model, cls, config), field, layer, tokens,
                              rows)
    return f"{method}:{field}:{digest}"


def _points_table(ids: Sequence[str], idx: Sequence[int], owner: Sequence[int],
                  tok: Sequence[int], coords: np.ndarray,
                  token_text: Sequence[Sequence[str] | None] | None) -> pa.Table:
    cols: dict[str, Any] = {
        "id": pa.array([ids[o] for o in owner], pa.string()),
        "index": pa.array([idx[o] for o in owner], pa.int64()),
    }
    if any(t >= 0 for t in tok):
        cols["token_index"] = pa.array(tok, pa.int64())
        if token_text is not None:
            cols["token"] = pa.array([_tok(token_text[o], t) for o, t in zip(owner, tok,
                                                                            strict=True)],
                                     pa.string())
    for k, axis in enumerate("xyz"[:coords.shape[1]]):
        cols[axis] = pa.array(coords[:, k].astype(np.float32))
    return pa.table(cols)


def _tok(tokens: Sequence[str] | None, t: int) -> str | None:
    if tokens is None or t < 0 or t >= len(tokens):
        return None
    return str(tokens[t])


def _setup(workspace: Workspace, model: str | Model, dataset: str | Dataset, field: str,
           method: str, config: Any, layer: int | None, tokens: str,
           indices: Sequence[int] | None
           ) -> tuple[str, Model, Dataset, type[Projector], Any, T.FieldSpec, list[int],
                      list[str], str]:
    """What ``project`` and ``place`` both resolve: (model name, model, dataset,
    projector class, config, field spec, row indices, their ids, cache key)."""
    mname, m, _, ds = resolve(workspace, model, dataset)
    assert m is not None
    cls = get("projector", method)
    cfg = _config(cls, config)
    fs = _check_field(m, field, layer, tokens)
    idx = check_indices(ds, indices)
    all_ids = list(ds.ids)
    ids = [all_ids[i] for i in idx]
    key = cache_key(m, ds, field, method, cfg, layer, tokens, indices=idx)
    return mname, m, ds, cls, cfg, fs, list(idx), ids, key


def project(workspace: Workspace, model: str | Model, dataset: str | Dataset,
            field: str = "embedding", method: str = "umap",
            config: Any = None, *, layer: int | None = None, tokens: str = "mean",
            indices: Sequence[int] | None = None, refit: bool = False,
            progress: bool | str = False,
            on_progress: StageProgress | None = None,
            cancel: threading.Event | None = None) -> dict[str, Any]:
    """Project ``field`` of ``model`` over ``dataset`` (or rows ``indices``).

    ``on_progress(done, total, stage)`` reports the real steps: the embeddings' batches
    (stage ``"embeddings"``), then ``"pooling vectors"``, ``"fitting <METHOD> on N × D"``
    and ``"storing the layout"``, one step each (a cached layout reports nothing).

    Returns ``{"key", "method", "field", "config", "cached", "points"}`` where ``points``
    is an Arrow table: ``id``, ``index`` (dataset row), ``token_index``/``token`` for
    per-token points, and ``x``, ``y`` (``z`` for 3-D).
    """
    mname, m, ds, cls, cfg, fs, idx, ids, key = _setup(
        workspace, model, dataset, field, method, config, layer, tokens, indices)
    align: str = (fs.align or "") if isinstance(fs, T.TokenEmbeddings) else ""
    want_tokens = tokens == "all" and bool(align) and align in m.output_spec()
    cached = None if refit else workspace.store.get_state(NAMESPACE, key)
    fitted = _fitted.setdefault(workspace, {})
    token_text = None
    if cached is not None:
        coords = np.asarray(cached["coords"], np.float32).reshape(len(cached["owner"]), -1)
        owner, tok = cached["owner"], cached["tok"]
        if want_tokens:
            outs = workspace.engine.predict(m, ds.examples(idx), fields=[align],
                                            model_name=mname)
            token_text = [o[align] for o in outs]
        return {"key": key, "method": method, "field": field, "layer": layer,
                "tokens": tokens, "config": dataclasses.asdict(cfg), "cached": True,
                "points": _points_table(ids, idx, owner, tok, coords, token_text)}
    wanted = [field] + ([align] if want_tokens else [])
    after = len(FIT_STAGES)  # the steps after the embeddings
    batches = [1]

    def embedding_progress(done: int, total: int) -> None:
        batches[0] = max(1, total)
        if on_progress is not None:
            on_progress(done, batches[0] + after, "embeddings")

    def stage(step: int, name: str) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"projection cancelled before {name}")
        if on_progress is not None:
            on_progress(batches[0] + step, batches[0] + after, name)

    outs = workspace.engine.predict(m, ds.examples(idx), fields=wanted, model_name=mname,
                                    progress=progress, on_progress=embedding_progress,
                                    cancel=cancel)
    stage(0, FIT_STAGES[0])
    x, owner, tok = _vectors(fs, [o[field] for o in outs], layer, tokens, field)
    stage(1, f"fitting {method.upper()} on {x.shape[0]:,} × {x.shape[1]}")
    projector = cls()
    coords = np.asarray(projector.fit_transform(x, config=cfg), np.float32)
    fitted[key] = projector
    stage(2, FIT_STAGES[2])
    stored = [round(float(c), 5) for c in coords.ravel()]
    workspace.store.put_state(NAMESPACE, key, {
        "model": mname, "field": field, "method": method, "layer": layer, "tokens": tokens,
        "config": dataclasses.asdict(cfg), "owner": owner, "tok": tok, "coords": stored,
    })
    if on_progress is not None:
        on_progress(batches[0] + after, batches[0] + after, "done")
    if want_tokens:
        token_text = [o[align] for o in outs]
    # the coordinates as stored, so a cached visit returns exactly these
    coords = np.asarray(stored, np.float32).reshape(coords.shape)
    return {"key": key, "method": method, "field": field, "layer": layer, "tokens": tokens,
            "config": dataclasses.asdict(cfg), "cached": False,
            "points": _points_table(ids, idx, owner, tok, coords, token_text)}


def embedding_vectors(workspace: Workspace, model: str | Model, dataset: str | Dataset,
                      field: str = "embedding", *, layer: int | None = None,
                      tokens: str = "mean", indices: Sequence[int] | None = None,
                      progress: bool | str = False,
                      cancel: threading.Event | None = None
                      ) -> tuple[np.ndarray, list[int], list[int]]:
    """The vectors ``project`` fits with the same settings, in its point order:
    ``(points × dim, dataset row per point, token position per point or -1)``. The
    embeddings come through the engine's caches (a second call predicts nothing)."""
    mname, m, _, ds = resolve(workspace, model, dataset)
    assert m is not None
    fs = _check_field(m, field, layer, tokens)
    idx = list(check_indices(ds, indices))
    outs = workspace.engine.predict(m, ds.examples(idx), fields=[field], model_name=mname,
                                    progress=progress, cancel=cancel)
    x, owner, tok = _vectors(fs, [o[field] for o in outs], layer, tokens, field)
    return x, [idx[o] for o in owner], tok


def place(workspace: Workspace, model: str | Model, dataset: str | Dataset,
          examples: Sequence[Mapping[str, Any]], field: str = "embedding",
          method: str = "umap", config: Any = None, *, layer: int | None = None,
          tokens: str = "mean", indices: Sequence[int] | None = None) -> np.ndarray:
    """Coordinates of new ``examples`` in the layout ``project`` made with the same settings.

    One row per example (per token with ``tokens="all"``). Methods that cannot place
    points raise ``NotImplementedError`` naming themselves.
    """
    mname, m, ds, _, cfg, fs, _, _, key = _setup(
        workspace, model, dataset, field, method, config, layer, tokens, indices)
    fitted = _fitted.setdefault(workspace, {})
    if key not in fitted:  # e.g. after a restart: refit (same seed, same layout)
        project(workspace, m, ds, field, method, cfg, layer=layer, tokens=tokens,
                indices=indices, refit=True)
    if not examples:
        return np.zeros((0, getattr(cfg, "n_components", 2)), np.float32)
    outs = workspace.engine.predict(m, list(examples), fields=[field], model_name=mname)
    x, _, _ = _vectors(fs, [o[field] for o in outs], layer, tokens, field)
    return np.asarray(fitted[key].transform(x), np.float32)
