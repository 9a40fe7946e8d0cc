"""``lumos audit --baseline previous.json``: regression checks against an earlier run.

The baseline is a JSON report of this suite (``report_json``). It is refused, saying
why, when it is not one, when its checks were defined otherwise (the hash of the suite
without its models differs) or when it was run on other data (a dataset's content
fingerprint differs); a baseline made with another model is the point of the mode.
Each check × slice of this run found in the baseline gets a regression result
(``lumos.engine.checks.regression_result``): it fails when the value got worse by more
than the check's ``tolerance`` (default 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lumos.audit.report_json import FORMAT, VERSION
from lumos.audit.run import AuditRun
from lumos.audit.suite import Suite
from lumos.engine.checks import regression_result


class BaselineError(Exception):
    """The baseline cannot be compared with this run: ``lumos audit`` exits 2."""


def read_baseline(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"--baseline: {p}: no such file") from None
    except (OSError, ValueError) as e:
        raise BaselineError(f"--baseline: {p}: not a JSON report ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BaselineError(f"--baseline: {p}: not a lumos audit JSON report (write one "
                            "with lumos audit --json)")
    if data.get("version") != VERSION:
        raise BaselineError(f"--baseline: {p}: report format version "
                            f"{data.get('version')}; this lumos reads version {VERSION}")
    return data


def check_definitions(suite: Suite, base: dict[str, Any], path: str | Path) -> None:
    """Raise :class:`BaselineError` unless ``base`` measured the same checks (checked
    before anything runs)."""
    theirs = (base.get("suite") or {}).get("checks_sha256")
    if theirs != suite.checks_sha256:
        raise BaselineError(f"--baseline: {path}: made with other check definitions "
                            f"(checks sha256 {str(theirs)[:12]}, this suite's "
                            f"{suite.checks_sha256[:12]}): rerun the baseline with "
                            "this suite")


def check_comparable(run: AuditRun, base: dict[str, Any], path: str | Path) -> None:
    """Raise :class:`BaselineError` unless ``base`` measured the same checks on the same
    data."""
    check_definitions(run.suite, base, path)
    for name, info in run.datasets.items():
        other = (base.get("datasets") or {}).get(name, {}).get("fingerprint")
        if other != info["fingerprint"]:
            raise BaselineError(f"--baseline: {path}: dataset '{name}' differs (fingerprint "
                                f"{str(other)[:12]}, this run's {info['fingerprint'][:12]})"
                                ": a baseline compares models on the same data")


def add_regressions(run: AuditRun, base: dict[str, Any], path: str | Path) -> int:
    """Append a regression result per check × slice found in ``base``; returns how many.
    A baseline with one model is compared with each model of this run; with several,
    model by model."""
    check_comparable(run, base, path)
    entries = base.get("checks") or []
    models = {e.get("model") for e in entries}
    index = {((e["name"], e["model"]) if len(models) > 1 else e["name"]): e
             for e in entries if e.get("kind") != "regression"}
    tolerances = {c["id"]: float(c.get("tolerance", 0.0)) for _, c in run.suite.checks()}
    added = []
    for r in list(run.results):
        if r.verdict == "error" or r.kind == "regression":
            continue
        entry = index.get((r.name, r.model) if len(models) > 1 else r.name)
        if entry is None:
            continue
        added.append(regression_result(r, entry, tolerances.get(r.check, 0.0)))
    run.results.extend(added)
    return len(added)


__all__ = ["BaselineError", "add_regressions", "check_comparable", "check_definitions",
           "read_baseline"]
