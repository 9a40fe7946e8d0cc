"""The audit's JSON report (format ``lumos-audit``, version 1).

Top level: ``format``, ``version``, ``lumos`` (library version), ``suite`` (path, name,
sha256 of its canonical content), ``seed``, ``confidence``, ``models`` (fingerprint, or
the error that kept it from loading), ``datasets`` (rows, content fingerprint),
``calls`` (examples requested, computed by a model, answered from the cache, and the
cache's share), ``summary`` (checks by verdict), ``exit_code`` and ``checks``: one entry
per check × slice × model with ``value``, ``interval`` (low, high, confidence),
``threshold`` (at_least, at_most), ``pass_on``, ``judged_on``, ``verdict``, ``reason``,
``count``, ``insufficient``, ``examples`` (a sample: at most :data:`SAMPLE` of the kept
examples; ``--export-failures`` writes them all) and ``details``.

Nothing in it depends on the clock except ``seconds``: two runs on the same inputs
give the same file apart from it and ``calls``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lumos.audit.run import AuditRun

FORMAT = "lumos-audit"
VERSION = 1
SAMPLE = 5


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("lumos")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def calls_json(calls: dict[str, int]) -> dict[str, Any]:
    requested = int(calls.get("requested", 0))
    computed = int(calls.get("computed", 0))
    return {"requested": requested, "computed": computed,
            "from_cache": requested - computed,
            "cache_share": (requested - computed) / requested if requested else None}


def check_json(r: Any, confidence: float) -> dict[str, Any]:
    return {"id": r.check, "name": r.name, "kind": r.kind, "model": r.model,
            "dataset": r.dataset, "slice": r.slice, "statistic": r.statistic,
            "value": r.value,
            "interval": {"low": r.low, "high": r.high, "confidence": confidence}
            if r.low is not None and r.high is not None else None,
            "threshold": {"at_least": r.at_least, "at_most": r.at_most},
            "pass_on": r.pass_on, "judged_on": r.judged_on, "verdict": r.verdict,
            "reason": r.reason, "count": r.count, "insufficient": r.insufficient,
            "examples_kept": len(r.examples), "examples": r.examples[:SAMPLE],
            "details": r.details}


def summary(run: AuditRun) -> dict[str, int]:
    out = {"pass": 0, "fail": 0, "skip": 0, "error": 0}
    for r in run.results:
        out[r.verdict] = out.get(r.verdict, 0) + 1
    return out


def to_json(run: AuditRun) -> dict[str, Any]:
    suite = run.suite
    models: dict[str, Any] = {k: dict(v) for k, v in run.models.items()}
    for name, err in run.load_errors.items():
        models[name] = {"fingerprint": None, "error": err}
    return {"format": FORMAT, "version": VERSION, "lumos": _version(),
            "suite": {"path": str(suite.path), "name": suite.data.get("name"),
                      "sha256": suite.sha256, "checks_sha256": suite.checks_sha256},
            "seed": suite.seed, "confidence": suite.confidence,
            "models": models, "datasets": run.datasets, "calls": calls_json(run.calls),
            "summary": summary(run), "exit_code": run.exit_code(),
            "seconds": round(run.seconds, 3),
            "checks": [check_json(r, suite.confidence) for r in run.results]}


def write_json(run: AuditRun, path: str | Path) -> Path:
    import orjson

    p = Path(path)
    p.write_bytes(orjson.dumps(to_json(run), default=str, option=orjson.OPT_INDENT_2
                               | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS))
    return p


__all__ = ["FORMAT", "SAMPLE", "VERSION", "calls_json", "summary", "to_json", "write_json"]
