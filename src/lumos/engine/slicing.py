"""Slicing and binning: facets, numeric bins, derived fields, named slices, error sets, exports.

The unit of work is a *frame*: an Arrow table with one row per dataset row asked for,
holding the row's index (``_index``), id, the dataset's columns, a summary of each
prediction field (predicted label, value, tags, text) and derived fields:

``<text field>:length``  whitespace tokens of a text field (list length for tokens)
``<pred>:label``          predicted class (with the binary margin applied)
``<pred>:confidence``     probability of the predicted class
``<pred>:margin``         top-1 minus top-2 probability
``<pred>:correct``        prediction equals gold (null without gold)
``<pred>:error``          ``TP``/``TN``/``FP``/``FN`` for two classes, ``gold→pred`` or
                          ``correct`` otherwise; for tags ``wrong tags`` or ``correct``
``<pred>:abs_error``      regression: |prediction − gold|
``<pred>:wrong_tags``     tagging: tokens whose tag differs from gold

Facets group rows by any categorical column; numeric columns are cut into equal-width or
quantile bins. Named slices (sets of ids) live in the store's ``slices`` namespace under
``"<dataset>/<name>"``, so they survive restarts.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api import types as T
from lumos.api.dataset import ID_FIELD, Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.engine.workspace import Workspace

INDEX_COLUMN = "_index"
SLICES = "slices"
MISSING = "(missing)"

#: prediction field types summarised in frames and exports
SUMMARY_TYPES: tuple[type[T.FieldSpec], ...] = (
    T.MulticlassPreds, T.RegressionScore, T.SequenceTags, T.SpanLabels, T.GeneratedText,
    T.GeneratedTextCandidates,
)


# ------------------------------------------------------------------ resolution


def resolve(workspace: Workspace, model: str | Model | None, dataset: str | Dataset
            ) -> tuple[str, Model | None, str, Dataset]:
    """(model name, model, dataset name, dataset) from names or objects."""
    if isinstance(dataset, str):
        dname, ds = dataset, workspace.dataset(dataset)
    else:
        ds = dataset
        dname = next((n for n, d in workspace.datasets.items() if d is ds),
                     getattr(ds, "name", "dataset"))
    if model is None:
        return "", None, dname, ds
    if isinstance(model, str):
        return model, workspace.model(model), dname, ds
    mname = next((n for n, m in workspace.models.items() if m is model),
                 type(model).__name__)
    return mname, model, dname, ds


def check_indices(dataset: Dataset, indices: Sequence[int] | None, where: str = "indices"
                  ) -> list[int]:
    n = len(dataset)
    if indices is None:
        return list(range(n))
    idx = [int(i) for i in indices]
    bad = next((i for i in idx if i < 0 or i >= n), None)
    if bad is not None:
        raise SpecError(f"{where}: row {bad} is out of range (dataset has {n} rows)")
    return idx


@dataclass(frozen=True)
class PredField:
    """A prediction field, its gold field (from ``parent``) and their specs."""

    name: str
    spec: T.FieldSpec
    gold: str | None
    gold_spec: T.FieldSpec | None


def prediction_fields(model: Model, dataset_spec: Mapping[str, T.FieldSpec],
                      fields: Sequence[str] | None = None) -> list[PredField]:
    """Output fields worth summarising/scoring, each with its gold field if the dataset has it."""
    out_spec = model.output_spec()
    if fields is not None:
        for f in fields:
            if f not in out_spec:
                raise SpecError(f"field '{f}' is not an output of the model "
                                f"(outputs: {sorted(out_spec)})")
    names = list(fields) if fields is not None else list(out_spec)
    res = []
    for name in names:
        fs = out_spec[name]
        if not isinstance(fs, SUMMARY_TYPES + (T.TokenLogProbs,)):
            continue
        parent = getattr(fs, "parent", None)
        gold_spec = dataset_spec.get(parent) if parent else None
        res.append(PredField(name, fs, parent if gold_spec is not None else None, gold_spec))
    return res


# ------------------------------------------------------------------ frames


def _text_length(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        return pc.list_value_length(col)
    return pc.list_value_length(pc.utf8_split_whitespace(col))


def _gold_list(table: pa.Table, gold: str | None) -> list[Any]:
    if gold is None or gold not in table.column_names:
        return [None] * table.num_rows
    return list(table.column(gold).to_pylist())


def derive_columns(pf: PredField, preds: Sequence[Any], golds: Sequence[Any], *,
                   margin: float = 0.0, positive_label: str | None = None
                   ) -> dict[str, pa.Array]:
    """Summary and derived columns of one prediction field (see the module docstring)."""
    from lumos.components.metrics.classification import positive_index, predicted_indices
    from lumos.components.metrics.text import top_text

    n, name, fs = len(preds), pf.name, pf.spec
    cols: dict[str, pa.Array] = {}
    if isinstance(fs, T.MulticlassPreds):
        vocab = list(fs.vocab)
        probs = np.stack([np.asarray(p, np.float64) for p in preds]) if n else \
            np.zeros((0, len(vocab)))
        idx = predicted_indices(probs, vocab, margin=margin, positive_label=positive_label)
        labels = [vocab[i] for i in idx]
        srt = np.sort(probs, axis=1) if n else probs
        cols[name] = pa.array([p.tolist() for p in probs], pa.list_(pa.float32()))
        cols[f"{name}:label"] = pa.array(labels, pa.string())
        cols[f"{name}:confidence"] = pa.array(probs[np.arange(n), idx] if n else [],
                                              pa.float64())
        cols[f"{name}:margin"] = pa.array(srt[:, -1] - srt[:, -2] if n and len(vocab) > 1
                                          else np.ones(n), pa.float64())
        if pf.gold is not None:
            correct = [None if g is None else g == p for g, p in zip(golds, labels, strict=True)]
            cols[f"{name}:correct"] = pa.array(correct, pa.bool_())
            if len(vocab) == 2:
                pos = vocab[positive_index(vocab, positive_label)]

                def kind(g: Any, p: str) -> str | None:
                    if g is None:
                        return None
                    return ("T" if g == p else "F") + ("P" if p == pos else "N")
            else:
                def kind(g: Any, p: str) -> str | None:
                    if g is None:
                        return None
                    return "correct" if g == p else f"{g}→{p}"
            cols[f"{name}:error"] = pa.array([kind(g, p) for g, p in
                                              zip(golds, labels, strict=True)], pa.string())
    elif isinstance(fs, T.RegressionScore):
        vals = np.asarray([float(p) for p in preds], np.float64)
        cols[name] = pa.array(vals, pa.float64())
        if pf.gold is not None:
            err = [None if g is None else abs(float(v) - float(g))
                   for g, v in zip(golds, vals, strict=True)]
            cols[f"{name}:abs_error"] = pa.array(err, pa.float64())
    elif isinstance(fs, T.SequenceTags):
        tags = [list(p) for p in preds]
        cols[name] = pa.array(tags, pa.list_(pa.string()))
        if pf.gold is not None:
            wrong = [None if g is None else
                     sum(a != b for a, b in zip(g, p, strict=False)) + abs(len(g) - len(p))
                     for g, p in zip(golds, tags, strict=True)]
            cols[f"{name}:wrong_tags"] = pa.array(wrong, pa.int64())
            cols[f"{name}:correct"] = pa.array([None if w is None else w == 0 for w in wrong],
                                               pa.bool_())
            cols[f"{name}:error"] = pa.array(
                [None if w is None else ("correct" if w == 0 else "wrong tags") for w in wrong],
                pa.string())
    elif isinstance(fs, T.SpanLabels):
        cols[name] = pa.array([json.dumps(_plain(p)) for p in preds], pa.string())
    elif isinstance(fs, T.GeneratedText | T.GeneratedTextCandidates):
        texts = [top_text(p) for p in preds]
        cols[name] = pa.array(texts, pa.string())
        if pf.gold is not None:
            def hit(g: Any, t: str) -> bool | None:
                if g is None:
                    return None
                refs = [g] if isinstance(g, str) else list(g)
                return t.strip() in [str(r).strip() for r in refs]
            cols[f"{name}:correct"] = pa.array([hit(g, t) for g, t in
                                                zip(golds, texts, strict=True)], pa.bool_())
    elif isinstance(fs, T.TokenLogProbs):
        ppl = [math.exp(-float(np.mean(p))) if len(p) else None for p in preds]
        cols[f"{name}:perplexity"] = pa.array(ppl, pa.float64())
    return cols


def build_frame(workspace: Workspace, model: str | Model | None, dataset: str | Dataset,
                indices: Sequence[int] | None = None, *, fields: Sequence[str] | None = None,
                margin: float = 0.0, positive_label: str | None = None,
                progress: bool | str = False) -> pa.Table:
    """The frame (see the module docstring) for ``indices`` (default: every row)."""
    mname, m, _, ds = resolve(workspace, model, dataset)
    idx = check_indices(ds, indices)
    table = ds.to_arrow().take(pa.array(idx, pa.int64()))
    table = table.add_column(0, INDEX_COLUMN, pa.array(idx, pa.int64()))
    spec = ds.spec()
    for name, fs in spec.items():
        if isinstance(fs, T.TextSegment | T.Tokens) and name in table.column_names:
            table = table.append_column(f"{name}:length", _text_length(table.column(name)))
    if m is None:
        return table
    pfs = prediction_fields(m, spec, fields)
    if not pfs:
        return table
    examples = ds.examples(idx)
    outs = workspace.engine.predict(m, examples, fields=[p.name for p in pfs],
                                    model_name=mname, progress=progress)
    golds_meta: dict[str, str] = {}
    vocabs: dict[str, list[str]] = {}
    for pf in pfs:
        golds = _gold_list(table, pf.gold)
        preds = [o[pf.name] for o in outs]
        for cname, arr in derive_columns(pf, preds, golds, margin=margin,
                                         positive_label=positive_label).items():
            if cname in table.column_names:  # an output named like a dataset column
                cname = f"pred:{cname}"
            table = table.append_column(cname, arr)
        if pf.gold is not None:
            golds_meta[pf.name] = pf.gold
        if isinstance(pf.spec, T.MulticlassPreds):
            vocabs[pf.name] = list(pf.spec.vocab)
    meta = dict(table.schema.metadata or {})
    meta[b"lumos.gold"] = json.dumps(golds_meta).encode()
    meta[b"lumos.vocab"] = json.dumps(vocabs).encode()
    return table.replace_schema_metadata(meta)


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


# ------------------------------------------------------------------ facets and bins


@dataclass
class Group:
    """A set of frame rows: a facet value, a bin or a slice."""

    label: str
    rows: np.ndarray  # positions in the frame
    kind: str = "facet"
    lo: float | None = None
    hi: float | None = None

    def to_json(self, frame: pa.Table | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "kind": self.kind,
                               "count": int(len(self.rows))}
        if self.lo is not None:
            out.update(lo=self.lo, hi=self.hi)
        if frame is not None:
            out["indices"] = frame.column(INDEX_COLUMN).take(
                pa.array(self.rows, pa.int64())).to_pylist()
        return out


def _column(frame: pa.Table, field: str) -> pa.ChunkedArray:
    if field not in frame.column_names:
        shown = [c for c in frame.column_names if c != INDEX_COLUMN]
        raise SpecError(f"field '{field}' is not in the dataset or its derived fields "
                        f"(fields: {shown})")
    return frame.column(field)


def is_numeric(col: pa.ChunkedArray | pa.Array) -> bool:
    t = col.type
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t))


def facet(frame: pa.Table, field: str) -> list[Group]:
    """One group per distinct value of a categorical field (missing values last)."""
    col = _column(frame, field)
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        raise SpecError(f"field '{field}' holds lists; facet by a categorical field")
    values = col.to_pylist()
    groups: dict[Any, list[int]] = {}
    for i, v in enumerate(values):
        groups.setdefault(v, []).append(i)
    keys = sorted((k for k in groups if k is not None), key=lambda k: (str(type(k)), k))
    out = [Group(_label(k), np.asarray(groups[k], np.int64)) for k in keys]
    if None in groups:
        out.append(Group(MISSING, np.asarray(groups[None], np.int64)))
    return out


def _label(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def bin_edges(values: np.ndarray, n_bins: int, method: str = "equal_width") -> np.ndarray:
    """Bin edges over the finite values: equal width or quantiles (duplicates merged)."""
    if n_bins < 1:
        raise SpecError(f"bins: need at least one bin, got {n_bins}")
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.zeros(0)
    lo, hi = float(v.min()), float(v.max())
    if method == "equal_width":
        if lo == hi:
            return np.array([lo, hi])
        return np.linspace(lo, hi, n_bins + 1)
    if method == "quantile":
        edges = np.quantile(v, np.linspace(0, 1, n_bins + 1))
        return np.unique(edges)
    raise SpecError(f"binning: unknown method {method!r} (use 'equal_width' or 'quantile')")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def bin_numeric(frame: pa.Table, field: str, n_bins: int = 10, method: str = "equal_width",
                *, keep_empty: bool = False) -> list[Group]:
    """Rows grouped into bins ``[lo, hi)`` (the last bin includes ``hi``)."""
    col = _column(frame, field)
    if not is_numeric(col):
        raise SpecError(f"field '{field}' is {col.type}, not numeric; facet it instead")
    values = np.asarray(pc.fill_null(pc.cast(col, pa.float64()), np.nan).to_numpy(),
                        np.float64)
    edges = bin_edges(values, n_bins, method)
    finite = np.isfinite(values)
    out = []
    if edges.size:
        if edges.size == 2 and edges[0] == edges[1]:
            which = np.where(finite, 0, -1)
        else:
            which = np.searchsorted(edges, values, side="right") - 1
            which = np.clip(which, 0, edges.size - 2)
            which = np.where(finite, which, -1)
        for b in range(max(edges.size - 1, 1)):
            rows = np.flatnonzero(which == b)
            if len(rows) == 0 and not keep_empty:
                continue
            lo, hi = float(edges[b]), float(edges[min(b + 1, edges.size - 1)])
            last = b == edges.size - 2 or edges.size == 2
            label = f"[{_fmt(lo)}, {_fmt(hi)}{']' if last else ')'}"
            out.append(Group(label, rows, kind="bin", lo=lo, hi=hi))
    missing = np.flatnonzero(~finite)
    if len(missing):
        out.append(Group(MISSING, missing, kind="bin"))
    return out


def group_by(frame: pa.Table, field: str, *, bins: int = 10, binning: str = "equal_width",
             max_facets: int = 50) -> list[Group]:
    """Facet a categorical field; bin a numeric one with more than ``bins`` values."""
    col = _column(frame, field)
    if is_numeric(col):
        distinct = len(pc.unique(col))
        if distinct > bins or distinct > max_facets:
            return bin_numeric(frame, field, bins, binning)
    return facet(frame, field)


# ------------------------------------------------------------------ error sets


ERROR_KINDS = ("fp", "fn", "incorrect", "wrong_tags")


def error_rows(frame: pa.Table, field: str, kind: str, label: str | None = None) -> np.ndarray:
    """Frame positions of an error set of prediction field ``field``.

    ``fp``: predicted ``label`` but gold is another class; ``fn``: gold is ``label`` but
    another class was predicted (``label`` defaults to the positive class for two
    classes); ``incorrect``: any wrong prediction; ``wrong_tags``: a tag differs from gold.
    """
    if kind not in ERROR_KINDS:
        raise SpecError(f"error kind {kind!r} is not one of {list(ERROR_KINDS)}")
    if kind in ("incorrect", "wrong_tags"):
        correct = _column(frame, f"{field}:correct")
        mask = pc.fill_null(pc.invert(correct), False)
        return np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    pred = _column(frame, f"{field}:label")
    err = _column(frame, f"{field}:error")
    gold_col = _gold_of(frame, field)
    if label is None:
        kinds = set(err.to_pylist()) - {None}
        if kinds and kinds <= {"TP", "TN", "FP", "FN"}:
            return np.flatnonzero(pc.equal(err, kind.upper()).to_numpy(zero_copy_only=False)
                                  .astype(bool))
        raise SpecError(f"error kind '{kind}' needs a class label for field '{field}' "
                        "(more than two classes)")
    gold = frame.column(gold_col)
    is_p = pc.equal(pred, label)
    is_g = pc.equal(gold, label)
    mask = pc.and_(is_p, pc.invert(is_g)) if kind == "fp" else pc.and_(is_g, pc.invert(is_p))
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def _gold_of(frame: pa.Table, field: str) -> str:
    meta = frame.schema.metadata or {}
    golds = json.loads(meta.get(b"lumos.gold", b"{}"))
    if field in golds:
        return str(golds[field])
    raise SpecError(f"field '{field}' has no gold field in this dataset")


def confusion_cells(frame: pa.Table, field: str) -> dict[str, Any]:
    """Confusion matrix of a classification field whose cells list their dataset rows."""
    pred = _column(frame, f"{field}:label").to_pylist()
    gold = frame.column(_gold_of(frame, field)).to_pylist()
    idx = frame.column(INDEX_COLUMN).to_pylist()
    labels = sorted({x for x in pred + gold if x is not None})
    # keep the model's vocabulary order when the frame carries it
    meta = frame.schema.metadata or {}
    vocab = json.loads(meta.get(b"lumos.vocab", b"{}")).get(field)
    if vocab:
        labels = list(vocab) + [x for x in labels if x not in vocab]
    pos = {x: k for k, x in enumerate(labels)}
    k = len(labels)
    counts = [[0] * k for _ in range(k)]
    cells: list[list[list[int]]] = [[[] for _ in range(k)] for _ in range(k)]
    for g, p, i in zip(gold, pred, idx, strict=True):
        if g is None or p is None:
            continue
        counts[pos[g]][pos[p]] += 1
        cells[pos[g]][pos[p]].append(i)
    return {"field": field, "labels": labels, "matrix": counts, "rows": cells,
            "axes": {"rows": "gold", "columns": "predicted"}}


def scatter(frame: pa.Table, x: str, y: str) -> dict[str, Any]:
    """Points (x, y) of two numeric (or boolean) frame columns, with dataset rows."""
    out: dict[str, Any] = {"x_field": x, "y_field": y}
    for axis, name in (("x", x), ("y", y)):
        col = _column(frame, name)
        if pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.int8())
        if not is_numeric(col):
            raise SpecError(f"field '{name}' is {col.type}, not numeric (scatter {axis})")
        out[axis] = pc.cast(col, pa.float64()).to_pylist()
    out["indices"] = frame.column(INDEX_COLUMN).to_pylist()
    out["ids"] = frame.column(ID_FIELD).to_pylist()
    return out


# ------------------------------------------------------------------ named slices


def _slice_key(dataset: str, name: str) -> str:
    if not name or not name.strip():
        raise SpecError("slice name: must not be empty")
    return f"{dataset}/{name}"


def save_slice(workspace: Workspace, dataset: str, name: str, ids: Sequence[str], *,
               description: str = "") -> dict[str, Any]:
    """Save (or replace) a named slice of ``dataset``: a set of example ids."""
    ds = workspace.dataset(dataset)
    known = set(ds.ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SpecError(f"slice '{name}': id '{unknown[0]}' is not in dataset '{dataset}'")
    value = {"dataset": dataset, "name": name, "ids": list(dict.fromkeys(ids)),
             "description": description, "created": time.time()}
    workspace.store.put_state(SLICES, _slice_key(dataset, name), value)
    return value


def get_slice(workspace: Workspace, dataset: str, name: str) -> dict[str, Any]:
    value = workspace.store.get_state(SLICES, _slice_key(dataset, name))
    if value is None:
        raise KeyError(f"no slice named '{name}' for dataset '{dataset}' "
                       f"(slices: {sorted(list_slices(workspace, dataset))})")
    return dict(value)


def list_slices(workspace: Workspace, dataset: str) -> dict[str, dict[str, Any]]:
    prefix = f"{dataset}/"
    return {v["name"]: v for k, v in workspace.store.list_state(SLICES).items()
            if k.startswith(prefix)}


def delete_slice(workspace: Workspace, dataset: str, name: str) -> bool:
    return bool(workspace.store.delete_state(SLICES, _slice_key(dataset, name)))


def slice_indices(workspace: Workspace, dataset: str, name: str) -> list[int]:
    """Row indices of a saved slice (ids no longer in the dataset are skipped)."""
    ds = workspace.dataset(dataset)
    out = []
    for i in get_slice(workspace, dataset, name)["ids"]:
        try:
            out.append(ds.index_of(i))
        except KeyError:
            continue
    return out


# ------------------------------------------------------------------ exports


EXPORT_FORMATS = ("csv", "jsonl", "parquet")


def export_rows(frame_table: pa.Table, path: str | Path, fmt: str | None = None) -> Path:
    """Write frame rows (inputs, predictions, gold, derived fields) as CSV, JSONL or Parquet.

    The format comes from ``fmt`` or the file suffix. CSV cells holding lists are JSON.
    """
    p = Path(path)
    kind = (fmt or p.suffix.lstrip(".")).lower()
    if kind == "pq":
        kind = "parquet"
    if kind not in EXPORT_FORMATS:
        raise SpecError(f"{p}: unknown export format '{kind}' (use {', '.join(EXPORT_FORMATS)})")
    table = frame_table.replace_schema_metadata(None)
    table = table.select([c for c in table.column_names if c != INDEX_COLUMN])
    p.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, p)
    elif kind == "jsonl":
        import orjson

        with p.open("wb") as fh:
            for row in table.to_pylist():
                fh.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    else:
        import pyarrow.csv as pcsv

        cols = []
        for c in table.column_names:
            col = table.column(c)
            if pa.types.is_list(col.type) or pa.types.is_large_list(col.type) or \
                    pa.types.is_struct(col.type):
                col = pa.array([None if v is None else json.dumps(v)
                                for v in col.to_pylist()], pa.string())
            cols.append(col)
        pcsv.write_csv(pa.table(cols, names=table.column_names), p)
    return p


def export(workspace: Workspace, model: str | Model | None, dataset: str | Dataset,
           path: str | Path, indices: Sequence[int] | None = None, *,
           error: tuple[str, str] | tuple[str, str, str | None] | None = None,
           fmt: str | None = None, margin: float = 0.0) -> dict[str, Any]:
    """Export rows (the selection ``indices``, or all) with inputs, predictions and gold;
    ``error=(field, kind[, label])`` keeps only that error set (see ``error_rows``).
    Returns ``{"path", "rows"}``."""
    table = build_frame(workspace, model, dataset, indices, margin=margin)
    if error is not None:
        field, kind, *rest = error
        table = table.take(pa.array(error_rows(table, field, kind, rest[0] if rest else None),
                                    pa.int64()))
    out = export_rows(table, path, fmt)
    return {"path": str(out), "rows": table.num_rows}
