"""Exports: the rows of a frame (a selection, optionally one error set) with inputs,
predictions, gold and derived fields, written as CSV, JSONL or Parquet
(``lumos.datasets.export.write_table`` writes the file).

Every exported file names its columns the same way, whoever writes it (the workbench's
export, ``lumos predict``): :func:`readable` is the one place that names them.

``id``, inputs        as in the dataset (``text``, ...)
``gold:<field>``      a gold field a prediction is scored against (``gold:label``)
``<pred>:label``      the predicted class, ``<pred>:score`` its probability
``<pred>:<class>``    the probability of each class, in the model's class order
                      (``probas:negative``, ``probas:neutral``, ...); a class
                      named like a derived column (``label``, ``score``, ...) is
                      ``<pred>:p:<class>``
``<pred>:correct``, ``<pred>:error``, ``<pred>:margin``, ``<text>:length``
                      the frame's derived fields (see ``lumos.engine.frames``)
other outputs         by their field name (``tokens``, ``embedding``, ...)

An output named like a dataset column is prefixed with the model's name
(``<model>:<field>``). Parquet files also carry, in the schema metadata, the class
vocabulary of each prediction (``lumos.vocab``: ``{"probas": ["negative", ...]}``) and
the gold column of each (``lumos.gold``: ``{"probas": "gold:label"}``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from lumos.api import types as T
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.datasets.export import EXPORT_FORMATS, column, write_table
from lumos.engine.error_sets import error_rows
from lumos.engine.frames import (
    INDEX_COLUMN,
    SUMMARY_TYPES,
    build_frame,
    prediction_fields,
    resolve,
)
from lumos.engine.workspace import Workspace

__all__ = ["EXPORT_FORMATS", "GOLD_PREFIX", "export", "export_rows", "label_points",
           "prediction_table", "readable"]

GOLD_PREFIX = "gold:"
#: derived columns of a class prediction; a class of the same name gets ``p:<class>``
_DERIVED = ("label", "score", "confidence", "margin", "correct", "error")


def _meta(table: pa.Table, key: bytes) -> dict[str, Any]:
    raw = (table.schema.metadata or {}).get(key)
    return json.loads(raw) if raw else {}


def class_column(pred: str, label: str) -> str:
    """The column of class ``label``'s probability in prediction ``pred``."""
    return f"{pred}:p:{label}" if label in _DERIVED else f"{pred}:{label}"


def readable(frame: pa.Table, *, model_name: str | None = None) -> pa.Table:
    """A frame (``build_frame``'s table, or ``prediction_table``'s) with the columns
    named as every export names them (see the module docstring): gold fields as
    ``gold:<field>``, class probabilities one column per class, the predicted label and
    its score beside them; the class vocabulary and gold columns in the metadata."""
    vocabs: dict[str, list[str]] = _meta(frame, b"lumos.vocab")
    golds: dict[str, str] = _meta(frame, b"lumos.gold")
    gold_fields = set(golds.values())
    have = set(frame.column_names)
    names: list[str] = []
    arrays: list[pa.Array | pa.ChunkedArray] = []
    placed: set[str] = set()

    def add(source: str, arr: pa.Array | pa.ChunkedArray | None = None,
            name: str | None = None) -> None:
        placed.add(source)
        name = name or source
        if name.startswith("pred:"):  # an output named like a dataset column
            name = f"{model_name or 'pred'}:{name[5:]}"
        names.append(name)
        arrays.append(frame.column(source) if arr is None else arr)

    def pred_column(pred: str) -> str | None:
        return next((c for c in (pred, f"pred:{pred}") if c in have), None)

    for c in frame.column_names:
        if c == INDEX_COLUMN or c in placed:
            continue
        if c in gold_fields:
            add(c, name=GOLD_PREFIX + c)
            continue
        pred = next((p for p in vocabs if pred_column(p) == c), None)
        if pred is None:
            add(c)
            continue
        vocab = vocabs[pred]
        prefix = "pred:" if c.startswith("pred:") else ""
        for derived, shown in (("label", "label"), ("confidence", "score")):
            src = f"{prefix}{pred}:{derived}"
            src = src if src in have else f"{pred}:{derived}"
            if src in have:
                add(src, name=f"{prefix}{pred}:{shown}")
        probs = frame.column(c).combine_chunks()
        flat = probs.flatten().to_numpy(zero_copy_only=False).reshape(-1, len(vocab))
        for j, lab in enumerate(vocab):
            add(c, pa.array(flat[:, j], pa.float64()), name=prefix + class_column(pred, lab))
    if "id" in names:  # the row's id first, as the dataset's file has it
        i = names.index("id")
        names.insert(0, names.pop(i))
        arrays.insert(0, arrays.pop(i))
    gold_meta = {p: GOLD_PREFIX + g for p, g in golds.items()}
    meta = {b"lumos.vocab": json.dumps(vocabs).encode(),
            b"lumos.gold": json.dumps(gold_meta).encode()}
    return pa.Table.from_arrays(arrays, names=names).replace_schema_metadata(meta)


def export_rows(frame_table: pa.Table, path: str | Path, fmt: str | None = None, *,
                model_name: str | None = None) -> Path:
    """Write frame rows (inputs, predictions, gold, derived fields) as CSV, JSONL or
    Parquet, without the frame's row index, columns named by :func:`readable`. The
    format comes from ``fmt`` or the file suffix. CSV cells holding lists are JSON;
    Parquet keeps the class vocabulary in the schema metadata."""
    table = readable(frame_table, model_name=model_name)
    kind = (fmt or Path(path).suffix.lstrip(".")).lower()
    if kind not in ("parquet", "pq"):
        table = table.replace_schema_metadata(None)
    return write_table(table, path, fmt)


def prediction_table(workspace: Workspace, model: str | Model, dataset: str | Dataset,
                     fields: Sequence[str], *, progress: bool | str = False) -> pa.Table:
    """``lumos predict``'s rows: the dataset's columns, each prediction field summarised
    as in a frame (label, score, class probabilities, correct/error against gold) and the
    other asked-for outputs (tokens, embeddings, attention) as they are. Name the columns
    with :func:`readable` (``export_rows`` does)."""
    mname, m, _, ds = resolve(workspace, model, dataset)
    assert m is not None
    spec = m.output_spec()
    examples = ds.examples(range(len(ds)))
    outs = workspace.engine.predict(m, examples, fields=list(fields), model_name=mname,
                                    progress=progress)
    summary = [f for f in fields if isinstance(spec[f], SUMMARY_TYPES)]
    frame = build_frame(workspace, m, ds, fields=summary) if summary else \
        build_frame(workspace, None, ds)
    text_lengths = [f"{n}:length" for n in ds.spec()]
    frame = frame.select([c for c in frame.column_names if c not in text_lengths])
    for f in fields:
        if f not in summary:
            name = f"pred:{f}" if f in frame.column_names else f
            frame = frame.append_column(name, column([o[f] for o in outs]))
    return frame


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
    mname = resolve(workspace, model, dataset)[0] if model is not None else None
    out = export_rows(table, path, fmt, model_name=mname)
    return {"path": str(out), "rows": table.num_rows}




def models_frame(workspace: Workspace, first: str | Model | None, others: Sequence[str],
                 dataset: str | Dataset, indices: Sequence[int] | None = None, *,
                 fields: Sequence[str] | None = None, margin: float = 0.0,
                 positive_label: str | None = None) -> pa.Table:
    """The frame of ``first`` (as :func:`~lumos.engine.frames.build_frame`) with every
    model in ``others``'s prediction columns too. With others, each model's columns are
    named ``model/column`` so that none hides another's. The decision (``margin``,
    ``positive_label``) applies to ``first`` only; the others take their argmax."""
    frame = build_frame(workspace, first, dataset, indices, fields=fields, margin=margin,
                        positive_label=positive_label)
    if not others:
        return frame
    name = resolve(workspace, first, dataset)[0] if first is not None else None
    base = set(build_frame(workspace, None, dataset, indices).column_names)
    out = frame.select([c for c in frame.column_names if c in base])
    for mname, part in [(name, frame)] + [(m, build_frame(workspace, m, dataset, indices))
                                          for m in others]:
        for c in part.column_names:
            if c not in base:
                out = out.append_column(f"{mname}/{c}", part.column(c))
    return out


def label_points(workspace: Workspace, model: str | Model, dataset: str | Dataset,
                 points: pa.Table, extra: Sequence[str] = ()) -> pa.Table:
    """Projection ``points`` (``id``, ``index``, ``x``, ``y``[, ``z``]) with what makes
    them readable: the dataset's text fields, each gold field the model is scored
    against (``gold:<field>``), and the ``extra`` columns asked for, either dataset
    columns or a frame's prediction columns (``probas:label``, ``probas:correct``...).
    An unknown ``extra`` column is a ``SpecError`` listing the ones there are."""
    _, m, _, ds = resolve(workspace, model, dataset)
    spec = ds.spec()
    data = ds.to_arrow()
    # the gold fields predictions are scored against, as the frames name them (a token
    # list's parent text is no gold label)
    golds = [] if m is None else list(dict.fromkeys(
        pf.gold for pf in prediction_fields(m, spec)
        if pf.gold is not None and pf.gold in data.column_names))
    texts = [n for n, fs in spec.items()
             if isinstance(fs, T.TextSegment) and n in data.column_names]
    source = data
    if any(c not in data.column_names for c in extra) and m is not None:
        source = build_frame(workspace, m, ds)
    unknown = [c for c in extra if c not in source.column_names and
               not (c.startswith(GOLD_PREFIX) and c[len(GOLD_PREFIX):] in golds)]
    if unknown:
        have = [c for c in source.column_names if c != INDEX_COLUMN]
        raise SpecError(f"column '{unknown[0]}' is neither a dataset column nor a "
                        f"prediction column (columns: {', '.join(have)})")
    rows = points.column("index").combine_chunks()
    out = points
    shown = {GOLD_PREFIX + g: g for g in golds}
    wanted = [(t, t) for t in texts] + list(shown.items()) + [
        (c, shown.get(c, c)) for c in extra]
    for name, src in wanted:
        if name in out.column_names:
            continue
        out = out.append_column(name, source.column(src).take(rows))
    return out
