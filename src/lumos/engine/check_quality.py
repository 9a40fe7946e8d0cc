"""Quality checks: a metric at least / at most a threshold on the checked rows, on each
named slice and on each facet value or bin of ``by``.

The numbers are ``lumos.engine.aggregate.compute_metrics``'s (the metrics table of the
workbench and ``lumos metrics``), with its intervals (Wilson for accuracy and the
per-class rates). A slice is a condition on a dataset or derived field (``field`` with
``in``, ``min``/``max`` or ``contains``), evaluated on the same frame the table uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api.types import SpecError
from lumos.engine.aggregate import compute_metrics
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.frames import INDEX_COLUMN, build_frame
from lumos.engine.grouping import frame_column
from lumos.engine.workspace import Workspace


def metric_column(table: Mapping[str, Any], metric: str) -> str:
    """The metrics-table column ``metric`` names: a column (``probas.accuracy``) or a
    value (``accuracy``, the first output's)."""
    info: Mapping[str, Mapping[str, Any]] = table["column_info"]
    if metric in info:
        return metric
    hits = [c for c, i in info.items() if i.get("value") == metric]
    if hits:
        return hits[0]
    import difflib

    known = sorted({str(i.get("value")) for i in info.values()} | set(info))
    close = difflib.get_close_matches(metric, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise CheckSpecError("metric", f"no metric value '{metric}' for this model and "
                         f"dataset{hint} (values: {', '.join(known)})")


def slice_rows(frame: Any, name: str, cond: Mapping[str, Any]) -> list[int]:
    """Dataset rows of ``frame`` where the slice's condition holds."""
    try:
        col = frame_column(frame, str(cond["field"])).to_pylist()
    except SpecError as e:
        raise CheckSpecError(f"slices.{name}.field", str(e)) from None
    rows = frame.column(INDEX_COLUMN).to_pylist()
    keep = []
    for r, v in zip(rows, col, strict=True):
        ok = v is not None
        if ok and "in" in cond:
            ok = v in cond["in"] or str(v) in [str(x) for x in cond["in"]]
        if ok and "contains" in cond:
            ok = str(cond["contains"]).lower() in str(v).lower()
        if ok and ("min" in cond or "max" in cond):
            if not isinstance(v, int | float):
                raise CheckSpecError(f"slices.{name}.field", f"field '{cond['field']}' "
                                     f"is not numeric (value {v!r}); use in or contains")
            ok = ("min" not in cond or v >= cond["min"]) and \
                ("max" not in cond or v <= cond["max"])
        if ok:
            keep.append(int(r))
    return keep


def _examples(frame: Any, rows: Sequence[int], pred: str, limit: int) -> list[dict[str, Any]]:
    """Rows the model got wrong, as the frame holds them (text, gold, prediction)."""
    if f"{pred}:correct" not in frame.column_names or limit <= 0:
        return []
    want = set(rows)
    idx = frame.column(INDEX_COLUMN).to_pylist()
    correct = frame.column(f"{pred}:correct").to_pylist()
    cols = [c for c in frame.column_names
            if c != INDEX_COLUMN and not c.endswith((":length", ":margin"))]
    out = []
    for n, (r, ok) in enumerate(zip(idx, correct, strict=True)):
        if r in want and ok is False:
            rec = {"row": int(r)}
            rec.update({c: frame.column(c)[n].as_py() for c in cols})
            out.append(rec)
            if len(out) >= limit:
                break
    return out


def quality_results(workspace: Workspace, model: str, dataset: str,
                    check: Mapping[str, Any], indices: Sequence[int] | None = None
                    ) -> list[CheckResult]:
    """One result for the checked rows, one per slice, one per facet value or bin."""
    metric = str(check["metric"])
    by = check.get("by")
    try:
        table = compute_metrics(workspace, model, dataset, indices, by=by,
                                bins=int(check.get("bins", 5)), binning="quantile"
                                if by else "equal_width", with_indices=True)
    except SpecError as e:
        key = "by" if by and str(by) in str(e) else "metric"
        raise CheckSpecError(key, str(e)) from None
    col = metric_column(table, metric)
    pred = str(table["column_info"][col]["field"])
    frame = build_frame(workspace, model, dataset, indices)
    limit = int(check.get("examples", 20))
    scope = list(frame.column(INDEX_COLUMN).to_pylist())

    def judged(row: Mapping[str, Any], label: str, rows: Sequence[int]) -> CheckResult:
        lo, hi = (row.get("intervals") or {}).get(col, (None, None))
        why = (row.get("undefined") or {}).get(col)
        return result(check, model=model, dataset=dataset, slice=label, statistic=col,
                      value=row.get(col), low=lo, high=hi, count=int(row["count"]),
                      insufficient=why if row.get(col) is None else None,
                      examples=_examples(frame, rows, pred, limit))

    out = []
    first = table["rows"][0]
    out.append(judged(first, "overall", scope))
    if by:
        for row in table["rows"][1:]:
            out.append(judged(row, f"{by}={row['group']}", row.get("indices", [])))
    for name, cond in (check.get("slices") or {}).items():
        rows = slice_rows(frame, str(name), cond)
        if not rows:
            out.append(result(check, model=model, dataset=dataset, slice=f"slice:{name}",
                              statistic=col, value=None, count=0,
                              insufficient="no rows fall in this slice"))
            continue
        sub = compute_metrics(workspace, model, dataset, rows)
        out.append(judged(sub["rows"][0], f"slice:{name}", rows))
    return out


__all__ = ["metric_column", "quality_results", "slice_rows"]
