"""An audit JSON report opened in the workbench: read, checked, matched to served data.

``read_report`` parses the bytes of a report and checks it is a ``lumos-audit`` report of
the version this lumos writes (:data:`lumos.audit.report_json.VERSION`), with the fields
the workbench reads; a failure is a :class:`ReportError` naming the field at fault.
``report_path`` resolves a report's name inside the configured audit directory and
refuses anything else (an absolute path, ``..``, a link out of it), naming the setting.
``match_report`` compares each dataset's content fingerprint (``fingerprint_dataset``:
the row keys in order) with the served datasets and maps each check's examples to the
served rows: quality, fairness-metric, attention and faithfulness examples carry the row
index (``row``); counterfactual examples (robustness, group swaps) carry their parent's
row key (``parent``), and their generated rows come along as ``children`` and, in the
counterfactual module's row structure, as ``counterfactuals``
(``lumos.engine.counterfactual_rows.report_rows``), with the ``generator`` that made them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lumos.audit.report_json import FORMAT, VERSION
from lumos.audit.run import fingerprint_dataset
from lumos.engine.counterfactual_rows import report_rows

#: the setting that names the audit directory (``make_server(audit_dir=...)``)
SETTING = "audit_dir (lumos serve --audit-dir)"
SUFFIX = ".json"


class ReportError(ValueError):
    """The report cannot be read: ``field`` names where (``version``, ``checks[3].verdict``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class RefusedPath(PermissionError):
    """A report asked for outside the configured audit directory."""


def _need(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str
          ) -> Any:
    if key not in data:
        raise ReportError(f"{where}{key}", "missing")
    value = data[key]
    if not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ReportError(f"{where}{key}", f"expected {want}, got {type(value).__name__}")
    return value


def read_report(raw: bytes | str) -> dict[str, Any]:
    """The report in ``raw``, checked; :class:`ReportError` names the field at fault."""
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ReportError("report", f"not JSON ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReportError("format", f"not a lumos audit report (expected format "
                          f"'{FORMAT}'; write one with lumos audit --json)")
    if data.get("version") != VERSION:
        raise ReportError("version", f"report format version {data.get('version')!r}; "
                          f"this lumos reads version {VERSION}")
    datasets = _need(data, "datasets", dict, "")
    for name, info in datasets.items():
        if not isinstance(info, dict):
            raise ReportError(f"datasets.{name}", "expected an object")
        _need(info, "fingerprint", str, f"datasets.{name}.")
    checks = _need(data, "checks", list, "")
    for n, c in enumerate(checks):
        where = f"checks[{n}]."
        if not isinstance(c, dict):
            raise ReportError(f"checks[{n}]", "expected an object")
        for key in ("id", "kind", "verdict"):
            _need(c, key, str, where)
        ds = _need(c, "dataset", str, where)
        if ds not in datasets:
            raise ReportError(f"{where}dataset", f"'{ds}' is not among the report's "
                              f"datasets ({', '.join(sorted(datasets))})")
        if not isinstance(c.get("examples", []), list):
            raise ReportError(f"{where}examples", "expected a list")
    return data


def list_reports(audit_dir: str | os.PathLike[str] | None) -> list[str]:
    """The report names (``*.json`` files, relative paths) in the audit directory."""
    if audit_dir is None:
        return []
    root = Path(audit_dir).resolve()
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob(f"*{SUFFIX}")
                  if p.is_file() and p.resolve().is_relative_to(root))


def report_path(audit_dir: str | os.PathLike[str] | None, name: str) -> Path:
    """The file ``name`` names inside ``audit_dir``; :class:`RefusedPath` for anything
    else, naming the setting; FileNotFoundError when it is not there."""
    if audit_dir is None:
        raise RefusedPath(f"name: '{name}': no audit directory is configured (the server "
                          f"setting {SETTING}); upload the report instead")
    root = Path(audit_dir).resolve()
    given = Path(name)
    if not name or given.is_absolute() or name.startswith(("/", "\\")) or ".." in given.parts \
            or "\\" in name or ":" in name:
        raise RefusedPath(f"name: '{name}' is not a report name inside the audit directory "
                          f"(the server setting {SETTING}); only paths inside it are read")
    path = (root / given).resolve()
    if not path.is_relative_to(root):
        raise RefusedPath(f"name: '{name}' leads outside the audit directory (the server "
                          f"setting {SETTING})")
    if path.suffix != SUFFIX:
        raise RefusedPath(f"name: '{name}': only {SUFFIX} reports in the audit directory "
                          f"(the server setting {SETTING}) are read")
    if not path.is_file():
        raise FileNotFoundError(f"name: no report '{name}' in the audit directory (the "
                                f"server setting {SETTING}; reports: "
                                f"{', '.join(list_reports(root)) or 'none'})")
    return path


def _served_for(fingerprint: str, served: Mapping[str, Any],
                prints: dict[str, str]) -> str | None:
    for name, ds in served.items():
        if name not in prints:
            prints[name] = fingerprint_dataset(ds)
        if prints[name] == fingerprint:
            return name
    return None


def _generator(check: Mapping[str, Any]) -> dict[str, Any] | None:
    """What made a counterfactual check's rows (its ``details``): id, version, config
    hash; None for other checks."""
    details = check.get("details")
    if not isinstance(details, dict) or not isinstance(details.get("generator"), str):
        return None
    return {"id": details["generator"], "version": details.get("version"),
            "config_hash": details.get("config_hash")}


def match_report(report: Mapping[str, Any], served: Mapping[str, Any],
                 current: str | None = None) -> dict[str, Any]:
    """The report as the workbench shows it, each dataset matched by fingerprint with a
    served one (``current``, the page's dataset, compared first) and each check's
    examples mapped to that dataset's rows (``rows``: indices, ``ids``: row keys)."""
    order = dict(served)
    if current is not None and current in served:
        order = {current: served[current], **{k: v for k, v in served.items()
                                               if k != current}}
    prints: dict[str, str] = {}
    datasets = []
    matched: dict[str, str | None] = {}
    for name, info in report["datasets"].items():
        hit = _served_for(info["fingerprint"], order, prints)
        matched[name] = hit
        datasets.append({"name": name, "rows": info.get("rows"),
                         "fingerprint": info["fingerprint"], "served": hit})
    mismatch = None
    if current is not None and current in served:
        wrong = [d["name"] for d in datasets if d["served"] != current]
        if wrong:
            mine = prints.get(current) or fingerprint_dataset(served[current])
            mismatch = (f"the report's dataset{'s' if len(wrong) > 1 else ''} "
                        f"{', '.join(repr(w) for w in wrong)} (fingerprint "
                        f"{report['datasets'][wrong[0]]['fingerprint'][:12]}) "
                        f"{'do' if len(wrong) > 1 else 'does'} not match the served "
                        f"dataset '{current}' (fingerprint {mine[:12]})")
            others = {d["name"]: d["served"] for d in datasets if d["served"]}
            if others:
                mismatch += "; matched: " + ", ".join(f"'{k}' is '{v}'"
                                                        for k, v in others.items())
    checks = []
    for n, c in enumerate(report["checks"]):
        target = matched.get(c["dataset"])
        rows: list[int] = []
        ids: list[str] = []
        children: list[dict[str, Any]] = []
        generated: list[dict[str, Any]] = []
        if target is not None:
            ds = served[target]
            keys = list(ds.ids)
            index = {k: i for i, k in enumerate(keys)}
            for ex in c.get("examples") or []:
                if not isinstance(ex, dict):
                    continue
                if "parent" in ex and str(ex["parent"]) in index:
                    r = index[str(ex["parent"])]
                    generated.append(ex)
                    children.append({k: ex.get(k) for k in
                                     ("id", "parent", "original", "counterfactual",
                                      "parent_label", "label", "flipped", "score_delta",
                                      "valid", "direction") if k in ex})
                elif isinstance(ex.get("row"), int) and 0 <= ex["row"] < len(keys):
                    r = ex["row"]
                else:
                    continue
                if r not in rows:
                    rows.append(r)
                    ids.append(keys[r])
        checks.append({"index": n, "id": c["id"], "name": c.get("name") or c["id"],
                       "kind": c["kind"], "model": c.get("model"), "dataset": c["dataset"],
                       "served": target, "slice": c.get("slice"),
                       "statistic": c.get("statistic"), "value": c.get("value"),
                       "interval": c.get("interval"), "threshold": c.get("threshold"),
                       "judged_on": c.get("judged_on"), "verdict": c["verdict"],
                       "reason": c.get("reason"), "count": c.get("count"),
                       "examples_kept": c.get("examples_kept"), "rows": rows, "ids": ids,
                       "children": children, "counterfactuals": report_rows(generated),
                       "generator": _generator(c)})
    given = report.get("suite")
    suite: Mapping[str, Any] = given if isinstance(given, dict) else {}
    return {"suite": {"name": suite.get("name"), "path": suite.get("path")},
            "version": report["version"], "summary": report.get("summary"),
            "models": {k: v.get("fingerprint") if isinstance(v, dict) else None
                       for k, v in (report.get("models") or {}).items()},
            "datasets": datasets, "dataset": current, "mismatch": mismatch,
            "checks": checks}


__all__ = ["SETTING", "RefusedPath", "ReportError", "list_reports", "match_report",
           "read_report", "report_path"]
