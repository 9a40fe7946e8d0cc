"""Frames: one Arrow table per (model, dataset, selection) that slicing, metrics and
exports read.

A frame holds one row per dataset row asked for: the row's index (``_index``), id, the
dataset's columns, a summary of each prediction field (predicted label, value, tags,
text) and derived fields:

``<text field>:length``  whitespace tokens of a text field (list length for tokens)
``<pred>:label``          predicted class (with the binary margin applied)
``<pred>:confidence``     probability of the predicted class
``<pred>:margin``         top-1 minus top-2 probability
``<pred>:correct``        prediction equals gold (null without gold)
``<pred>:error``          ``TP``/``TN``/``FP``/``FN`` for two classes, ``gold→pred`` or
                          ``correct`` otherwise; for tags ``wrong tags`` or ``correct``
``<pred>:abs_error``      regression: |prediction − gold|
``<pred>:wrong_tags``     tagging: tokens whose tag differs from gold

Groups of rows (facets, bins) are ``lumos.engine.grouping``'s, error sets
``lumos.engine.error_sets``', named slices ``lumos.engine.slices``', exports
``lumos.engine.export``'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api import types as T
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.engine.workspace import Workspace

INDEX_COLUMN = "_index"

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
