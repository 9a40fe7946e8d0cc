"""Group-metric fairness checks (``kind: fairness``, ``statistic: metric_gap``): the
largest difference of a group metric (selection rate, accuracy, true- or false-positive
rate; fairlearn's ``MetricFrame.difference(method="between_groups")``, through
``lumos.engine.counterfactual_stats.group_metrics``) across the values of a field.

Groups with fewer than ``min_count`` rows (for TPR/FPR: rows of the gold class the rate
is over) are left out and named; fewer than two groups left is too little evidence.
The interval is a seeded percentile bootstrap of the difference, resampling each group's
rows (a group's rate over ``n`` rows resamples as Binomial(n, rate) / n).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.counterfactual_stats import GROUP_METRICS, group_metrics
from lumos.engine.frames import INDEX_COLUMN, build_frame
from lumos.engine.grouping import frame_column
from lumos.engine.workspace import Workspace

N_BOOT = 2000


def bootstrap_difference(rates: Sequence[float], ns: Sequence[int], *, seed: int = 0,
                         confidence: float = 0.95, n_boot: int = N_BOOT
                         ) -> tuple[float, float]:
    """Percentile interval of max − min of group rates, each resampled as
    Binomial(n, rate) / n."""
    rng = np.random.default_rng(seed)
    draws = np.stack([rng.binomial(n, p, size=n_boot) / n for p, n in zip(rates, ns,
                                                                          strict=True)])
    diff = draws.max(0) - draws.min(0)
    a = (1 - confidence) / 2
    return float(np.quantile(diff, a)), float(np.quantile(diff, 1 - a))


def metric_gap_results(workspace: Workspace, model: str, dataset: str,
                       check: Mapping[str, Any], indices: Sequence[int] | None = None, *,
                       seed: int = 0, confidence: float = 0.95) -> list[CheckResult]:
    by = check.get("group_by")
    if not by:
        raise CheckSpecError("statistic", "metric_gap needs group_by: the field whose "
                             "values are the groups")
    metric = str(check.get("metric", "accuracy"))
    if metric not in GROUP_METRICS:
        raise CheckSpecError("metric", f"no group metric '{metric}' (metrics: "
                             f"{', '.join(GROUP_METRICS)})")
    mdl = workspace.model(model)
    spec = mdl.output_spec()
    pf = next((n for n, f in spec.items() if isinstance(f, T.MulticlassPreds)), None)
    if pf is None:
        raise CheckSpecError("model", f"metric_gap reads class predictions; model '{model}'"
                             " gives none")
    vocab = list(spec[pf].vocab or ())  # type: ignore[attr-defined]
    positive = str(check.get("positive") or (vocab[-1] if vocab else ""))
    if vocab and positive not in vocab:
        raise CheckSpecError("positive", f"'{positive}' is not a class of model '{model}' "
                             f"(classes: {', '.join(vocab)})")
    frame = build_frame(workspace, model, dataset, indices, fields=[pf])
    try:
        groups = [str(g) for g in frame_column(frame, str(by)).to_pylist()]
    except SpecError as e:
        raise CheckSpecError("group_by", str(e)) from None
    gold = getattr(spec[pf], "parent", None)
    if not gold or gold not in frame.column_names:
        raise CheckSpecError("metric", f"metric_gap needs gold labels; dataset '{dataset}' "
                             f"has no '{gold}' column")
    y_true = frame.column(gold).to_pylist()
    y_pred = frame.column(f"{pf}:label").to_pylist()
    gm = group_metrics(y_true, y_pred, groups, positive=positive, confidence=confidence)
    min_count = int(check.get("min_count", 30))
    kept, left_out = {}, []
    for g, rate in gm.by_group[metric].items():
        n = gm.intervals[metric][g].n
        if n >= min_count and not np.isnan(rate):
            kept[g] = (rate, n)
        else:
            left_out.append(f"{g} ({n})")
    details = {"metric": metric, "group_by": by, "positive": positive,
               "by_group": gm.to_json()["by_group"][metric],
               "counts": {str(g): c for g, c in gm.counts.items()},
               "left_out": left_out}
    if len(kept) < 2:
        return [result(check, model=model, dataset=dataset, slice="overall",
                       statistic=f"{metric}_gap", value=None, count=len(frame),
                       details=details,
                       insufficient=f"{len(kept)} group(s) of {by} with at least "
                       f"{min_count} rows" + (f" (left out: {', '.join(left_out)})"
                                              if left_out else ""))]
    rates = [r for r, _ in kept.values()]
    ns = [n for _, n in kept.values()]
    lo, hi = bootstrap_difference(rates, ns, seed=seed, confidence=confidence)
    worst = max(kept, key=lambda g: kept[g][0]), min(kept, key=lambda g: kept[g][0])
    idx = frame.column(INDEX_COLUMN).to_pylist()
    exs = [{"row": int(idx[n]), "group": groups[n], "label": y_true[n],
            "predicted": y_pred[n]} for n in range(len(groups))
           if groups[n] == worst[1] and y_true[n] != y_pred[n]][:int(check.get("examples",
                                                                              20))]
    return [result(check, model=model, dataset=dataset, slice="overall",
                   statistic=f"{metric}_gap", value=max(rates) - min(rates), low=lo,
                   high=hi, count=sum(ns), examples=exs,
                   details={**details, "highest": worst[0], "lowest": worst[1]})]


__all__ = ["bootstrap_difference", "metric_gap_results"]
