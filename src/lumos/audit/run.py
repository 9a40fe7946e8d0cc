"""Run a checked suite: load its models and datasets, evaluate each check with the
engine (``lumos.engine.checks`` and the module of its kind) for each model it names.

A model that will not load, or a check whose run raises, does not stop the audit: its
checks are reported with the verdict ``error`` and the run is marked incomplete
(``lumos audit`` exits 3), while every check that could run is reported as usual. A
check whose definition does not fit the model or data (an unknown metric, a field the
dataset lacks) is a :class:`~lumos.audit.suite.SuiteError` naming its line (exit 2).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumos.api.types import SpecError
from lumos.audit.suite import Suite, SuiteError
from lumos.engine.checks import CheckResult, CheckSpecError, error_result

#: the check kinds this version evaluates (the schema names every planned kind)
RUNNERS = ("quality", "robustness", "fairness", "templates", "attention", "faithfulness")


@dataclass
class AuditRun:
    """Everything the report writers need."""

    suite: Suite
    results: list[CheckResult]
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def incomplete(self) -> bool:
        return bool(self.load_errors) or any(r.verdict == "error" for r in self.results)

    @property
    def failed(self) -> bool:
        return any(r.verdict == "fail" for r in self.results)

    def exit_code(self) -> int:
        """3 the run could not complete > 1 a check failed > 0 every check passed."""
        return 3 if self.incomplete else 1 if self.failed else 0


def _rel(suite: Suite, p: str) -> str:
    path = Path(p).expanduser()
    return str(path if path.is_absolute() else suite.path.parent / path)


def load_model(suite: Suite, name: str) -> Any:
    """The model ``models[name]`` describes; SuiteError when it names nothing known
    (an unknown demo), any other exception when it will not load."""
    from lumos.demos import all_demos
    from lumos.demos.base import materialise

    entry = suite.data["models"][name]
    if "demo" in entry:
        demo_name, _, member = str(entry["demo"]).partition(":")
        demos = all_demos()
        if demo_name not in demos:
            import difflib

            close = difflib.get_close_matches(demo_name, list(demos), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise suite.error(("models", name, "demo"), f"no demo named '{demo_name}'"
                              f"{hint} (demos: {', '.join(sorted(demos))})", key=False)
        models, _ = demos[demo_name].build()
        if member and member not in models:
            raise suite.error(("models", name, "demo"), f"demo '{demo_name}' has no model "
                              f"'{member}' (models: {', '.join(sorted(models))})",
                              key=False)
        return materialise(models[member or next(iter(models))])
    from lumos.models.load import load_model as load

    target = _rel(suite, entry["path"]) if "path" in entry else str(entry["url"])
    return load(target, task=entry.get("task"))


def load_dataset(suite: Suite, name: str) -> Any:
    """The dataset ``datasets[name]`` describes (limit/sample applied)."""
    from lumos.datasets import ArrowDataset, load_file
    from lumos.datasets.bundled import BUNDLED
    from lumos.datasets.sampling import sample

    entry = suite.data["datasets"][name]
    where = ("datasets", name)
    if "name" in entry:
        dname = str(entry["name"])
        demo_sets = _demo_datasets(suite)
        if dname in BUNDLED:
            ds = BUNDLED[dname]()
        elif dname in demo_sets:
            ds = demo_sets[dname]
        else:
            import difflib

            known = sorted(BUNDLED) + sorted(demo_sets)
            close = difflib.get_close_matches(dname, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise suite.error((*where, "name"), f"no bundled dataset named '{dname}'{hint}"
                              f" (bundled: {', '.join(known)})", key=False)
    else:
        path = _rel(suite, entry["path"])
        try:
            ds = load_file(path, encoding=entry.get("encoding", "utf-8"),
                           columns=entry.get("columns") or None)
        except SpecError as e:
            raise suite.error((*where, "path"), str(e), key=False) from None
    if "limit" in entry and isinstance(ds, ArrowDataset) and entry["limit"] < len(ds):
        ds = ArrowDataset(ds.to_arrow().slice(0, entry["limit"]), ds.spec(), name=ds.name,
                          source=ds.source, locate=ds.locate, check=False)
    if "sample" in entry:
        if not isinstance(ds, ArrowDataset):
            raise suite.error((*where, "sample"), "this dataset is not a table lumos can "
                              "sample; use limit")
        ds = sample(ds, int(entry["sample"]), seed=suite.seed)
    return ds


def _demo_datasets(suite: Suite) -> dict[str, Any]:
    """Datasets of the demos the suite's models come from (e.g. a demo's prompts)."""
    from lumos.demos import all_demos
    from lumos.demos.base import materialise

    out: dict[str, Any] = {}
    demos = all_demos()
    for entry in suite.data["models"].values():
        demo = demos.get(str(entry.get("demo", "")).partition(":")[0])
        if demo is not None:
            try:
                _, dsets = demo.build()
            except SpecError:
                continue
            out.update({k: materialise(v) for k, v in dsets.items()})
    return out


def fingerprint_dataset(ds: Any) -> str:
    """A content fingerprint of a dataset: its row keys (content hashes), in order."""
    h = hashlib.sha256()
    for i in ds.ids:
        h.update(str(i).encode())
        h.update(b"\n")
    return h.hexdigest()


def check_indices(suite: Suite, index: int, check: dict[str, Any], ds: Any
                  ) -> list[int] | None:
    """The rows a check reads: its limit (first N) or seeded stratified sample."""
    n = len(ds)
    if "limit" in check:
        return list(range(min(n, int(check["limit"]))))
    if "sample" in check:
        from lumos.datasets.sampling import gold_label, sample_indices

        gold = gold_label(ds.spec())
        table = ds.to_arrow()
        labels = table.column(gold) if gold and gold in table.column_names else None
        return [int(i) for i in sample_indices(labels, n, int(check["sample"]),
                                               suite.seed)]
    return None


def _evaluate(ws: Any, mname: str, dname: str, check: dict[str, Any],
              indices: list[int] | None, suite: Suite, progress: bool | str,
              memo: Any = None) -> list[CheckResult]:
    from lumos.engine.check_attention import attention_results
    from lumos.engine.check_counterfactual import counterfactual_results
    from lumos.engine.check_faithfulness import faithfulness_results
    from lumos.engine.check_group_metrics import metric_gap_results
    from lumos.engine.check_quality import quality_results
    from lumos.engine.check_templates import template_results

    kind = check["kind"]
    if kind == "quality":
        return quality_results(ws, mname, dname, check, indices)
    if kind == "fairness" and check.get("statistic") == "metric_gap":
        return metric_gap_results(ws, mname, dname, check, indices, seed=suite.seed,
                                  confidence=suite.confidence)
    if kind in ("robustness", "fairness"):
        return counterfactual_results(ws, mname, dname, check, indices, seed=suite.seed,
                                      confidence=suite.confidence, progress=progress,
                                      memo=memo)
    if kind == "templates":
        return template_results(ws, mname, dname, check, indices,
                                confidence=suite.confidence, progress=progress)
    if kind == "attention":
        if check.get("statistic", "share") == "share" and not check.get("words"):
            raise CheckSpecError("statistic", "a share of attention needs words: the "
                                 "tokens whose share is measured")
        return attention_results(ws, mname, dname, check, indices, seed=suite.seed,
                                 confidence=suite.confidence)
    if kind == "faithfulness":
        return faithfulness_results(ws, mname, dname, check, indices, seed=suite.seed,
                                    confidence=suite.confidence, progress=progress)
    raise CheckSpecError("kind", f"{kind} checks are not evaluated by this version")


def run_suite(suite: Suite, *, quiet: bool = False,
              on_check: Callable[[CheckResult], None] | None = None) -> AuditRun:
    """Evaluate every check of ``suite`` for every model it names."""
    from lumos.engine import Workspace
    from lumos.engine.workspace import compatibility_problem

    started = time.perf_counter()
    from lumos.engine.generation_memo import GenerationMemo

    ws = Workspace()
    memo = GenerationMemo()  # checks that share a generation run share it
    run = AuditRun(suite=suite, results=[])
    checks = list(suite.checks())
    for i, check in checks:
        if check["kind"] not in RUNNERS:
            raise suite.error(("checks", i, "kind"), f"{check['kind']} checks are not "
                              "evaluated by this version of lumos audit (evaluated: "
                              f"{', '.join(RUNNERS)})", key=False)
    needed_models = list(dict.fromkeys(m for _, c in checks for m in suite.model_names(c)))
    needed_data = list(dict.fromkeys(suite.dataset_name(c) for _, c in checks))
    for dname in needed_data:
        ds = load_dataset(suite, dname)
        ws.add_dataset(dname, ds)
        run.datasets[dname] = {"rows": len(ds), "fingerprint": fingerprint_dataset(ds)}
    for mname in needed_models:
        try:
            model = load_model(suite, mname)
        except SuiteError:
            raise
        except Exception as e:  # any failure to load: reported, the other checks run
            run.load_errors[mname] = f"model '{mname}' did not load: {type(e).__name__}: {e}"
            continue
        for dname in needed_data:
            problem = compatibility_problem(model, ws.dataset(dname).spec(), cli=True)
            if problem is not None:
                raise suite.error(("models", mname), f"model cannot read dataset "
                                  f"'{dname}': {problem}")
        ws.add_model(mname, model, smoke_test=False)
        desc = getattr(model, "description", "")
        run.models[mname] = {"fingerprint": ws.engine.fingerprint(model),
                             "description": str((desc() if callable(desc) else desc) or "")}
    bar = None
    if not quiet:
        from tqdm.auto import tqdm

        total = sum(len(suite.model_names(c)) for _, c in checks)
        bar = tqdm(total=total, desc="audit", unit="check", file=sys.stderr)
    try:
        for i, check in checks:
            dname = suite.dataset_name(check)
            for mname in suite.model_names(check):
                if bar is not None:
                    bar.set_postfix_str(f"{check['id']} ({mname})")
                if mname in run.load_errors:
                    res = [error_result(check, model=mname, dataset=dname,
                                        message=run.load_errors[mname])]
                else:
                    idx = check_indices(suite, i, check, ws.dataset(dname))
                    try:
                        res = _evaluate(ws, mname, dname, check, idx, suite,
                                        progress=False, memo=memo)
                    except CheckSpecError as e:
                        raise suite.error(("checks", i, *e.key.split(".")), str(e),
                                          key=False) from None
                    except Exception as e:  # a run that raised: reported, others go on
                        res = [error_result(check, model=mname, dataset=dname,
                                            message=f"{type(e).__name__}: {e}")]
                for r in res:
                    run.results.append(r)
                    if on_check is not None:
                        on_check(r)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    run.calls = dict(ws.engine.calls)
    run.seconds = time.perf_counter() - started
    return run


__all__ = ["RUNNERS", "AuditRun", "check_indices", "fingerprint_dataset", "load_dataset",
           "load_model", "run_suite"]
