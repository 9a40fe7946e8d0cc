"""Faithfulness checks: a salience method's ERASER comprehensiveness or sufficiency
(``lumos.components.metrics.erasure``, through ``lumos.engine.faithfulness``) on the
checked rows, its mean with a seeded BCa bootstrap interval, within bounds.

The maps come from ``lumos.engine.interpret.explain`` (cached in the store as the
workbench's are); the per-row scores are cached under the maps' key, the erasure
module's name and this module's version, so a second run reads them instead of
predicting the erased copies again. Rows a method cannot score (a map that is not
word-level, an empty text) are left out and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api.types import SpecError
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.counterfactual_stats import bootstrap_mean
from lumos.engine.derived import derived_outputs
from lumos.engine.faithfulness import faithfulness_scores
from lumos.engine.interpret import cache_key, explain, get_interpreter
from lumos.engine.workspace import Workspace
from lumos.store import keys

VERSION = "1"
STATISTICS = ("comprehensiveness", "sufficiency")


def faithfulness_results(workspace: Workspace, model: str, dataset: str,
                         check: Mapping[str, Any], indices: Sequence[int] | None = None,
                         *, seed: int = 0, confidence: float = 0.95,
                         progress: bool | str = False) -> list[CheckResult]:
    engine = workspace.engine
    mdl = workspace.model(model)
    ds = workspace.dataset(dataset)
    idx = list(range(len(ds))) if indices is None else list(indices)
    examples = ds.examples(idx)
    statistic = str(check["statistic"])
    try:
        interp = get_interpreter(str(check["method"]))
        cfg = interp.make_config(dict(check.get("options") or {}))
        if not interp.is_compatible(mdl, ds.spec()):
            raise CheckSpecError("method", f"{interp.id} cannot explain model '{model}'")
    except (SpecError, ValueError, TypeError) as e:
        if isinstance(e, CheckSpecError):
            raise
        raise CheckSpecError("method" if "method" in str(e) else "options", str(e)) \
            from None
    field = next(iter(interp.output_spec(mdl)))
    key = keys.content_key(cache_key(engine, mdl, interp, cfg), "audit-faithfulness",
                           VERSION)

    def compute(batch: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        maps = explain(workspace, model, batch, interp, cfg, progress=progress)
        return [{"scores": sc} for sc in
                faithfulness_scores(engine, mdl, batch, [m[field] for m in maps])]

    per_row = [r["scores"] for r in derived_outputs(
        engine, mdl, examples, key, ("scores",), compute, name="faithfulness scores",
        batch_size=max(1, len(examples)))]
    vals, rows_ = [], []
    for n, sc in enumerate(per_row):
        v = sc.get(statistic) if isinstance(sc, Mapping) else None
        if v is not None:
            vals.append(float(v))
            rows_.append(n)
    iv = bootstrap_mean(vals, seed=seed, confidence=confidence)
    limit = int(check.get("examples", 20))
    worst_first = sorted(range(len(vals)), key=lambda k: vals[k]
                         if statistic == "comprehensiveness" else -vals[k])[:limit]
    texts = [{k: v for k, v in ex.items() if isinstance(v, str) and not k.startswith("_")}
             for ex in examples]
    exs = [{"row": int(idx[rows_[k]]), statistic: vals[k], **texts[rows_[k]]}
           for k in worst_first]
    return [result(check, model=model, dataset=dataset, slice="overall",
                   statistic=statistic, value=iv.estimate, low=iv.low, high=iv.high,
                   count=len(vals), examples=exs,
                   insufficient=None if vals else f"{interp.id} gave no scorable map "
                   "for these rows",
                   details={"method": interp.id, "version": str(interp.version),
                            "unscored": len(per_row) - len(vals)})]


__all__ = ["STATISTICS", "VERSION", "faithfulness_results"]
