"""Error sets of a prediction field in a frame: false positives and negatives, wrong
predictions, wrong tags, and the confusion cells they come from.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lumos.api.types import SpecError
from lumos.engine.frames import INDEX_COLUMN
from lumos.engine.grouping import frame_column

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
        correct = frame_column(frame, f"{field}:correct")
        mask = pc.fill_null(pc.invert(correct), False)
        return np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    pred = frame_column(frame, f"{field}:label")
    err = frame_column(frame, f"{field}:error")
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
    pred = frame_column(frame, f"{field}:label").to_pylist()
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
