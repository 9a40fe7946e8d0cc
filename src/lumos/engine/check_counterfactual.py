"""Robustness and group-swap fairness checks: a generator's counterfactuals of the
checked rows, predicted, validity-checked and summarised by
``lumos.engine.counterfactual_stats.run_statistics`` (what ``lumos generate`` prints).

- robustness: ``accuracy_drop`` (original − counterfactual accuracy, paired bootstrap
  over originals), ``flip_rate`` (worst case over each original's children, Wilson),
  ``score_shift`` (mean shift of the reference class's probability) or ``success_rate``
  (an attack generator's, TextAttack's definition, Wilson), on the validity-filtered
  counterfactuals unless ``view: raw``;
- fairness (``statistic: group_gap``, the default): the reference class's mean score gap
  per swap direction (e.g. ``female->male``), judged within ``±at_most`` (or
  ``[at_least, at_most]`` when both are given); a direction with fewer than
  ``min_count`` originals is too little evidence.

Each failing result keeps examples: the original, its counterfactual, the edits and both
predictions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api.component import model_task
from lumos.api.types import SpecError
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.counterfactual_stats import run_statistics
from lumos.engine.generate import GenerationRun, generate, get_generator
from lumos.engine.generation_memo import GenerationMemo, generation_key
from lumos.engine.workspace import Workspace

STATISTICS = ("accuracy_drop", "flip_rate", "success_rate", "score_shift", "group_gap")


def _text_fields(run: GenerationRun) -> list[str]:
    fields: dict[str, None] = {}
    for cf in run.counterfactuals:
        for c in cf.changes:
            fields.setdefault(c.field, None)
    return list(fields)


def examples_of(run: GenerationRun, *, flipped_only: bool, view: str, limit: int,
                direction: str | None = None) -> list[dict[str, Any]]:
    """Counterfactuals with their parents: the edits (a token-level diff), the
    prediction change, validity; flipped ones first, then by the largest score change."""
    if limit <= 0 or not run.changes:
        return []
    parents = {str(p["id"]): p for p in run.parents}
    fields = _text_fields(run)
    picked = []
    for n, cf in enumerate(run.counterfactuals):
        change = run.changes[n]
        if change is None or cf.parent not in parents:
            continue
        if view == "valid" and cf.valid is False:
            continue
        if direction is not None and cf.meta.get("direction") != direction:
            continue
        pred: dict[str, Any] = next(iter(change.values()), {})
        flipped = bool(pred.get("flipped"))
        if flipped_only and not flipped:
            continue
        picked.append((not flipped, -abs(float(pred.get("score_delta", 0.0))), n, cf,
                       pred))
    picked.sort(key=lambda t: (t[0], t[1], t[2]))
    out = []
    for _, _, n, cf, pred in picked[:limit]:
        parent = parents[cf.parent]
        out.append({"parent": cf.parent, "id": run.rows[n]["id"],
                    "original": {f: parent.get(f) for f in fields},
                    "counterfactual": {f: run.rows[n].get(f) for f in fields},
                    "changes": [c.to_json() for c in cf.changes],
                    "parent_label": pred.get("parent_label"), "label": pred.get("label"),
                    "flipped": bool(pred.get("flipped")),
                    "score_delta": pred.get("score_delta"), "valid": cf.valid,
                    "direction": cf.meta.get("direction")})
    return out


def run_generator(workspace: Workspace, model: str, dataset: str, check: Mapping[str, Any],
                  indices: Sequence[int] | None, *, progress: bool | str = False,
                  memo: GenerationMemo | None = None) -> GenerationRun:
    """The check's generation run; with ``memo``, one run per content key (another
    check with the same generator, options, model and rows reuses it)."""
    gen = str(check["generator"])
    options = dict(check.get("options") or {})
    try:
        if memo is None:
            return generate(workspace, model, dataset, gen, options, indices=indices,
                            progress=progress)
        component = get_generator(gen)
        ds = workspace.dataset(dataset)
        rows = ds.examples(list(range(len(ds))) if indices is None else list(indices))
        key = generation_key(workspace.model(model), component,
                             component.make_config(options), rows, ds.spec())
        return memo.get_or_run(key, lambda: generate(
            workspace, model, dataset, gen, options, indices=indices, progress=progress))
    except (SpecError, ValueError) as e:
        raise CheckSpecError("options" if "option" in str(e) else "generator",
                             f"{gen}: {e}") from None


def counterfactual_results(workspace: Workspace, model: str, dataset: str,
                           check: Mapping[str, Any], indices: Sequence[int] | None = None,
                           *, seed: int = 0, confidence: float = 0.95,
                           progress: bool | str = False,
                           memo: GenerationMemo | None = None) -> list[CheckResult]:
    """The results of a robustness or (group-swap) fairness check."""
    mdl = workspace.model(model)
    if model_task(mdl) != "classification":
        raise CheckSpecError("model", f"{check['kind']} checks read class probabilities; "
                             f"model '{model}' is a {model_task(mdl)} model")
    statistic = str(check.get("statistic") or "group_gap")
    run = run_generator(workspace, model, dataset, check, indices, progress=progress,
                        memo=memo)
    try:
        stats = run_statistics(run, mdl, reference=check.get("reference"),
                               min_pairs=int(check.get("min_count", 30)),
                               confidence=confidence, seed=seed)
    except ValueError as e:
        raise CheckSpecError("reference" if "reference" in str(e) else "generator",
                             str(e)) from None
    view = str(check.get("view", "valid"))
    limit = int(check.get("examples", 20))
    s = stats.get(view, {})
    common: dict[str, Any] = {"model": model, "dataset": dataset}
    summary = run.summary()
    details = {"generator": run.generator, "version": run.version,
               "config_hash": run.config_hash, "view": view, "summary": summary}
    if statistic == "group_gap":
        gaps = s.get("group_gap") or {}
        if not gaps:
            return [result(check, **common, slice="overall", statistic="group_gap",
                           value=None, count=0, details=details,
                           insufficient=f"{run.generator} made no group swaps of these "
                           f"{len(run.parents)} rows")]
        hi = check.get("at_most")
        lo = check.get("at_least", -hi if hi is not None else None)
        out = []
        for direction, g in sorted(gaps.items()):
            iv = g["gap"]
            thin = None if g["verdict"] != "not enough evidence" else \
                f"{g['pairs']} originals with a swap, fewer than min_count {g['min_pairs']}"
            out.append(result(check, **common, slice=direction, statistic="group_gap",
                              value=iv.get("estimate"), low=iv.get("low"),
                              high=iv.get("high"), count=int(g["pairs"]), insufficient=thin,
                              at_least=lo, at_most=hi,
                              details={**details, "reference_class":
                                       stats.get("reference_class")},
                              examples=examples_of(run, flipped_only=False, view=view,
                                                   limit=limit, direction=direction)))
        return out
    if statistic == "success_rate":
        att = stats.get("attack_summary")
        if att is None:
            raise CheckSpecError("statistic", f"success_rate is an attack's; generator "
                                 f"'{run.generator}' is not an attack (use greedy_attack, "
                                 "or the statistic flip_rate)")
        iv = att["success_rate_interval"]
        return [result(check, **common, slice="overall", statistic="success_rate",
                       value=iv.get("estimate"), low=iv.get("low"), high=iv.get("high"),
                       count=int(att["succeeded"]) + int(att["failed"]),
                       details={**details, "attack_summary": att},
                       examples=examples_of(run, flipped_only=True, view="raw",
                                            limit=limit))]
    if statistic == "flip_rate":
        fr = s.get("flip_rate") or {}
        iv, count = fr.get("worst_case") or {}, int(fr.get("parents", 0))
        extra = {"flipped_parents": fr.get("flipped_parents"),
                 "mean_over_children": fr.get("mean_over_children")}
    elif statistic == "accuracy_drop":
        acc = s.get("accuracy")
        if acc is None:
            raise CheckSpecError("statistic", f"accuracy_drop needs gold labels; dataset "
                                 f"'{dataset}' gives none the model's output names")
        iv, count = acc["drop"], int(acc["parents"])
        extra = {"original": acc["original"], "counterfactual": acc["counterfactual"]}
    elif statistic == "score_shift":
        iv = s.get("score_shift") or {}
        count = int(iv.get("n") or 0)
        extra = {"reference_class": stats.get("reference_class")}
    else:
        raise CheckSpecError("statistic", f"{check['kind']} checks have no statistic "
                             f"'{statistic}' (statistics: {', '.join(STATISTICS)})")
    thin = None if count else f"{run.generator} made no counterfactuals of these " \
        f"{len(run.parents)} rows" + (" that passed the validity checks"
                                      if view == "valid" and summary["rows"] else "")
    return [result(check, **common, slice="overall", statistic=statistic,
                   value=iv.get("estimate"), low=iv.get("low"), high=iv.get("high"),
                   count=count, insufficient=thin, details={**details, **extra},
                   examples=examples_of(run, flipped_only=statistic != "score_shift",
                                        view=view, limit=limit))]


__all__ = ["STATISTICS", "counterfactual_results", "examples_of", "run_generator"]
