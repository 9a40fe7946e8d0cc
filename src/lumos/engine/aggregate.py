"""Metrics over a whole dataset, a selection, named slices and the facets/bins of a field.

``compute_metrics`` predicts with ``Engine.predict`` (cached), pairs every prediction
field with its gold field (the field's ``parent``), runs each metric that applies to the
field type, and returns a table: one row per group (dataset, selection, slice, facet
value or bin) and one column per scalar metric value, plus the full results (per-class
scores, confusion matrices) in ``details``.

A value a metric leaves undefined for a group is ``None`` in the row, and the row's
``undefined`` maps its column to the reason; ``intervals`` maps a column to its 95%
interval ``[lo, hi]`` and ``interval_methods`` to how it was drawn (``wilson`` for
proportions, ``bootstrap`` for macro averages). ``column_info`` names each column's
definition (its header names the averaging). A row of fewer than ``MIN_GROUP_SIZE`` rows
has ``small: true``. Grouping by a field derived from a prediction tells that field's
metrics how the rows were chosen (``grouped_on``: correctness and error type are
``"outcome"``, the predicted label ``"prediction"``), so they report only what such a
group leaves meaningful.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api.component import Metric
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.registry import available
from lumos.api.types import SpecError
from lumos.engine.frames import PredField, build_frame, check_indices, prediction_fields, resolve
from lumos.engine.grouping import Group, group_by
from lumos.engine.slices import slice_indices
from lumos.engine.workspace import Workspace

#: groups with fewer rows are flagged ``small``: their figures move a lot by chance
MIN_GROUP_SIZE = 30

#: derived fields of a prediction (``<pred>:<suffix>``) that choose rows by the prediction
GROUPED_ON = {"correct": "outcome", "error": "outcome", "label": "prediction"}

#: metrics computed when the caller names none
DEFAULT_METRICS = ("classification", "regression", "tagging", "span_f1", "qa", "generation",
                   "perplexity")


def applicable_metrics(pfs: Sequence[PredField], metric_ids: Sequence[str] | None = None
                       ) -> list[tuple[PredField, Metric]]:
    """(prediction field, metric) pairs where the metric applies to the field's type."""
    table = available("metric")
    ids = list(metric_ids) if metric_ids is not None else \
        [m for m in DEFAULT_METRICS if m in table]
    for mid in ids:
        if mid not in table:
            raise SpecError(f"metric '{mid}' is not registered (metrics: {sorted(table)})")
    out = []
    for pf in pfs:
        for mid in ids:
            metric = table[mid]()
            if metric.is_field_compatible(pf.spec, pf.gold_spec):
                out.append((pf, metric))
    return out


def _configs(pairs: Sequence[tuple[PredField, Metric]],
             configs: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    configs = dict(configs or {})
    ids = {m.id for _, m in pairs}
    unknown = sorted(set(configs) - ids - set(DEFAULT_METRICS))
    if unknown:
        raise SpecError(f"config given for metric '{unknown[0]}', which is not computed "
                        f"(metrics: {sorted(ids)})")
    return {m.id: type(m).make_config(configs.get(m.id)) for _, m in pairs}


def grouped_on(by: str | None, field: str) -> str | None:
    """How grouping by ``by`` chose the rows, for the metrics of prediction ``field``."""
    if by is None or ":" not in by:
        return None
    name, _, suffix = by.rpartition(":")
    return GROUPED_ON.get(suffix) if name == field else None


def _compute(metric: Metric, golds: list[Any], preds: list[Any], pf: PredField, config: Any,
             on: str | None) -> dict[str, Any]:
    if on is not None and "grouped_on" in inspect.signature(metric.compute).parameters:
        return metric.compute(golds, preds, pf.spec, pf.gold_spec, config=config,
                              grouped_on=on)  # type: ignore[call-arg]
    return metric.compute(golds, preds, pf.spec, pf.gold_spec, config=config)


def column_info(pairs: Sequence[tuple[PredField, Metric]],
                names: Mapping[tuple[str, str, str], str]) -> dict[str, dict[str, str]]:
    """Per column: its field, metric, value, header (naming the averaging) and meaning."""
    described: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for pf, metric in pairs:
        describe = getattr(metric, "describe", None)
        described[(pf.name, metric.id)] = describe(pf.spec) if callable(describe) else {}
    out = {}
    for (fname, mid, key), col in names.items():
        d = described.get((fname, mid), {}).get(key, {})
        out[col] = {"field": fname, "metric": mid, "value": key,
                    "label": d.get("label", key), "description": d.get("description", "")}
    return out


def _scalars(result: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {k: v for k, v in result.items()
            if k != "count" and (v is None or isinstance(v, int | float))
            and not isinstance(v, bool)}


def _column_names(pairs: Sequence[tuple[PredField, Metric]],
                  sample: Mapping[tuple[str, str], Mapping[str, Any]]) -> dict[tuple[str, str, str],
                                                                             str]:
    """Column name per (field, metric, value): ``field.value``, qualified on clashes."""
    seen: dict[tuple[str, str], int] = {}
    for (fname, _), res in sample.items():
        for k in _scalars(res):
            seen[(fname, k)] = seen.get((fname, k), 0) + 1
    names = {}
    for (fname, mid), res in sample.items():
        for k in _scalars(res):
            names[(fname, mid, k)] = f"{fname}.{k}" if seen[(fname, k)] == 1 \
                else f"{fname}.{mid}.{k}"
    return names


def compute_metrics(
    workspace: Workspace,
    model: str | Model,
    dataset: str | Dataset,
    indices: Sequence[int] | None = None,
    *,
    by: str | None = None,
    bins: int = 10,
    binning: str = "equal_width",
    slices: bool | Sequence[str] = False,
    fields: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    with_indices: bool = False,
    progress: bool | str = False,
) -> dict[str, Any]:
    """The metrics table.

    Rows: ``dataset`` (every row), or ``selection`` when ``indices`` is given; each named
    slice (``slices=True`` for all of the dataset's, or a list of names); and each facet
    value or bin of ``by``. A selection scopes the whole table: slices, facets and bins
    count only its rows, and only its rows are predicted (a selection of 10 rows of a
    million-row dataset costs 10 predictions). ``by`` may name a dataset field or a
    derived field (``probas:correct``, ``text:length``, ...).
    ``configs`` maps metric ids to their config values (``{"classification":
    {"margin": 0.5}}``; the margin also decides the predicted labels used for facets).
    """
    mname, m, dname, ds = resolve(workspace, model, dataset)
    assert m is not None
    pfs = prediction_fields(m, ds.spec(), fields)
    pairs = applicable_metrics(pfs, metrics)
    if not pairs:
        shown = {pf.name: pf.spec.type_name for pf in pfs}
        raise SpecError(f"model '{mname}' has no output with a gold field in dataset "
                        f"'{dname}' that a metric applies to (outputs: {shown})")
    cfgs = _configs(pairs, configs)
    cls_cfg = cfgs.get("classification")
    # a selection scopes the whole table, and only its rows are predicted
    selection = check_indices(ds, indices) if indices is not None else None
    scope = np.asarray(selection if selection is not None else range(len(ds)), np.int64)
    used = sorted({pf.name for pf, _ in pairs})
    frame = build_frame(workspace, m, ds, scope.tolist(), fields=used,
                        margin=getattr(cls_cfg, "margin", 0.0),
                        positive_label=getattr(cls_cfg, "positive_label", None),
                        progress=progress)
    outs = workspace.engine.predict(m, ds.examples(scope.tolist()), fields=used,
                                    model_name=mname)
    golds: dict[str, list[Any]] = {}
    for pf, _ in pairs:
        if pf.gold is not None and pf.gold not in golds:
            golds[pf.gold] = frame.column(pf.gold).to_pylist()

    # groups hold frame positions (rows of ``scope``) while computing, dataset rows after
    if selection is None:
        groups = [Group("dataset", np.arange(len(scope), dtype=np.int64), kind="dataset")]
    else:
        groups = [Group("selection", np.arange(len(scope), dtype=np.int64),
                        kind="selection")]
    if slices:
        snames = list(workspace.store.list_state("slices")) if slices is True else list(slices)
        if slices is True:
            prefix = f"{dname}/"
            snames = [k[len(prefix):] for k in snames if k.startswith(prefix)]
        where: dict[int, list[int]] = {}
        for pos, i in enumerate(scope.tolist()):
            where.setdefault(i, []).append(pos)
        for sname in snames:
            inside = [p for i in slice_indices(workspace, dname, sname) for p in where.get(i, [])]
            groups.append(Group(sname, np.asarray(inside, np.int64), kind="slice"))
    if by is not None:
        groups.extend(group_by(frame, by, bins=bins, binning=binning))

    results: list[dict[tuple[str, str], dict[str, Any]]] = []
    for g in groups:
        res: dict[tuple[str, str], dict[str, Any]] = {}
        rows = g.rows.tolist()
        for pf, metric in pairs:
            gl = golds.get(pf.gold or "", [None] * len(scope))
            on = grouped_on(by, pf.name) if g.kind in ("facet", "bin") else None
            res[(pf.name, metric.id)] = _compute(
                metric, [gl[i] for i in rows], [outs[i][pf.name] for i in rows], pf,
                cfgs[metric.id], on)
        results.append(res)
        g.rows = scope[g.rows]

    sample: dict[tuple[str, str], dict[str, Any]] = {}
    for res in results:  # an empty group has no values: name the columns from them all
        for key, r in res.items():
            sample.setdefault(key, {}).update(r)
    names = _column_names(pairs, sample)
    columns = ["group", "kind", "count", *dict.fromkeys(names.values())]
    table_rows, details = [], []
    for g, res in zip(groups, results, strict=True):
        row: dict[str, Any] = {"group": g.label, "kind": g.kind, "count": int(len(g.rows)),
                               "small": bool(len(g.rows) < MIN_GROUP_SIZE)}
        if g.lo is not None:
            row.update(lo=g.lo, hi=g.hi)
        undefined: dict[str, str] = {}
        intervals: dict[str, list[float]] = {}
        methods: dict[str, str] = {}
        for (fname, mid), r in res.items():
            for k in (k for (f, m_, k) in names if (f, m_) == (fname, mid)):
                col = names[(fname, mid, k)]
                v = _scalars(r).get(k)
                row[col] = v
                if v is None:
                    undefined[col] = r.get("undefined", {}).get(k) or (
                        "no rows with gold in this group" if not r.get("count")
                        else "undefined for this group")
            for k, ci in (r.get("intervals") or {}).items():
                icol = names.get((fname, mid, k))
                if icol is not None and row.get(icol) is not None:
                    intervals[icol] = ci
                    methods[icol] = str((r.get("interval_methods") or {}).get(k, "wilson"))
        row["undefined"] = undefined
        row["intervals"] = intervals
        row["interval_methods"] = methods
        if with_indices:
            row["indices"] = g.rows.tolist()
        table_rows.append(row)
        details.append({f"{fname}/{mid}": r for (fname, mid), r in res.items()})
    return {
        "model": mname,
        "dataset": dname,
        "by": by,
        "binning": binning if by is not None else None,
        "metrics": [{"field": pf.name, "gold": pf.gold, "metric": metric.id}
                    for pf, metric in pairs],
        "columns": columns,
        "column_info": column_info(pairs, names),
        "min_group_size": MIN_GROUP_SIZE,
        "rows": table_rows,
        "details": details,
    }
