"""Template checks: CheckList's minimum-functionality (MFT), invariance (INV) and
directional (DIR) tests (``lumos.components.generators.templates``) as pass rates.

A row passes (CheckList's expectations, ``checklist/expect.py``):

- MFT: the predicted class is the template's expected label;
- INV: the prediction does not change from the parent's (no flip);
- DIR: the probability of the named class moves the declared way from the parent's
  (``down``: it does not go up; ``up``: it does not go down).

Results: one per test kind present (``MFT``, ``INV``, ``DIR``) and one per template, each
a pass rate over its rows with a Wilson interval, judged with ``at_least`` (and
``at_most``); ``test`` limits the check to one kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.engine.check_counterfactual import run_generator
from lumos.engine.checks import CheckResult, CheckSpecError, result
from lumos.engine.counterfactual_stats import wilson_interval
from lumos.engine.workspace import Workspace


def _passes(expect: Mapping[str, Any], probas: np.ndarray, parent: np.ndarray | None,
            vocab: Sequence[str]) -> bool | None:
    kind = str(expect.get("kind", "")).upper()
    if kind == "MFT":
        label = str(expect.get("label"))
        return label in vocab and int(probas.argmax()) == list(vocab).index(label)
    if parent is None:
        return None
    if kind == "INV":
        return int(probas.argmax()) == int(parent.argmax())
    if kind == "DIR":
        label = str(expect.get("label"))
        if label not in vocab:
            return None
        i = list(vocab).index(label)
        if expect.get("direction") == "down":
            return bool(probas[i] <= parent[i] + 1e-9)
        return bool(probas[i] >= parent[i] - 1e-9)
    return None


def template_results(workspace: Workspace, model: str, dataset: str,
                     check: Mapping[str, Any], indices: Sequence[int] | None = None, *,
                     confidence: float = 0.95, progress: bool | str = False
                     ) -> list[CheckResult]:
    mdl = workspace.model(model)
    spec = mdl.output_spec()
    pf = next((n for n, f in spec.items() if isinstance(f, T.MulticlassPreds)), None)
    if pf is None:
        raise CheckSpecError("model", f"template checks read class probabilities; model "
                             f"'{model}' gives none")
    vocab = tuple(spec[pf].vocab or ())  # type: ignore[attr-defined]
    run = run_generator(workspace, model, dataset, check, indices, progress=progress)
    if run.outputs is None or run.parent_outputs is None:
        raise CheckSpecError("generator", f"{run.generator} made rows without predictions")
    pidx = run.parent_index()
    wanted = str(check.get("test", "any")).upper()
    groups: dict[str, list[tuple[bool, int]]] = {}
    for n, cf in enumerate(run.counterfactuals):
        if cf.expect is None:
            continue
        kind = str(cf.expect.get("kind", "")).upper()
        if wanted != "ANY" and kind != wanted:
            continue
        parent = np.asarray(run.parent_outputs[pidx[cf.parent]][pf], float) \
            if cf.parent in pidx else None
        ok = _passes(cf.expect, np.asarray(run.outputs[n][pf], float), parent, vocab)
        if ok is None:
            continue
        for key in (kind, str(cf.expect.get("template"))):
            groups.setdefault(key, []).append((ok, n))
    if not groups:
        return [result(check, model=model, dataset=dataset, slice="overall",
                       statistic="pass_rate", value=None, count=0,
                       insufficient=f"{run.generator} made no rows of test {wanted}")]
    limit = int(check.get("examples", 20))
    out = []
    for key in sorted(groups, key=lambda k: (":" in k, k)):
        rows = groups[key]
        k = sum(ok for ok, _ in rows)
        iv = wilson_interval(k, len(rows), confidence=confidence)
        fails = [n for ok, n in rows if not ok][:limit]
        exs = []
        for n in fails:
            cf = run.counterfactuals[n]
            probas = np.asarray(run.outputs[n][pf], float)
            rec: dict[str, Any] = {"id": run.rows[n]["id"], "expect": cf.expect,
                                   "label": vocab[int(probas.argmax())] if vocab else None,
                                   "counterfactual": {c.field: run.rows[n].get(c.field)
                                                      for c in cf.changes} or
                                   {k2: v for k2, v in run.rows[n].items()
                                    if isinstance(v, str) and not k2.startswith("_")
                                    and k2 != "id"}}
            if cf.parent in pidx:
                prow = run.parents[pidx[cf.parent]]
                rec["original"] = {f: prow.get(f) for f in rec["counterfactual"]}
                pp = np.asarray(run.parent_outputs[pidx[cf.parent]][pf], float)
                rec["parent_label"] = vocab[int(pp.argmax())] if vocab else None
            exs.append(rec)
        out.append(result(check, model=model, dataset=dataset, slice=key,
                          statistic="pass_rate", value=iv.estimate, low=iv.low,
                          high=iv.high, count=len(rows), examples=exs,
                          details={"passed": k, "generator": run.generator,
                                   "config_hash": run.config_hash}))
    return out


__all__ = ["template_results"]
