"""The audit as JUnit XML (Ant/Jenkins format, what CI systems read).

One ``<testsuite>`` per check, one ``<testcase>`` per slice × model of it: a failing
one holds ``<failure>`` whose message gives value, interval and threshold and whose body
adds up to three example diffs; a skipped one ``<skipped>``; one that could not run
``<error>``. A check with more than :data:`MAX_CASES` slices (a facet with many values)
keeps its failing cases first and folds the rest into one case that fails when any of
them does and names them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lumos.audit.diff import example_line
from lumos.audit.run import AuditRun

MAX_CASES = 50
EXAMPLES = 3


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def message(r: Any) -> str:
    """``flip_rate = 0.2 [0.11, 0.34] (at_most 0.3): <reason>``."""
    iv = f" [{_num(r.low)}, {_num(r.high)}]" if r.low is not None else ""
    bounds = ", ".join(b for b in (
        f"at_least {_num(r.at_least)}" if r.at_least is not None else "",
        f"at_most {_num(r.at_most)}" if r.at_most is not None else "") if b)
    return (f"{r.statistic} = {_num(r.value)}{iv} ({bounds}; n = {r.count}; "
            f"pass_on {r.pass_on}): {r.reason}")


def _case_name(r: Any, many_models: bool) -> str:
    return f"{r.name} ({r.model})" if many_models else r.name


def _fill(case: ET.Element, r: Any) -> None:
    if r.verdict == "fail":
        el = ET.SubElement(case, "failure", message=message(r), type=r.statistic or "check")
        lines = [example_line(ex) for ex in r.examples[:EXAMPLES]]
        el.text = message(r) + ("\nexamples:\n  " + "\n  ".join(lines) if lines else "")
    elif r.verdict == "skip":
        ET.SubElement(case, "skipped", message=r.reason)
    elif r.verdict == "error":
        el = ET.SubElement(case, "error", message=r.reason, type="AuditError")
        el.text = r.reason


def _suite_element(check: str, kind: str, results: Sequence[Any], many_models: bool
                   ) -> ET.Element:
    ordered = sorted(range(len(results)),
                     key=lambda i: (results[i].verdict not in ("fail", "error"), i))
    keep = [results[i] for i in ordered[:MAX_CASES - 1]] if len(results) > MAX_CASES \
        else list(results)
    rest = [results[i] for i in ordered[MAX_CASES - 1:]] if len(results) > MAX_CASES \
        else []
    cls = f"lumos.audit.{kind}.{check}"
    counts = {"fail": 0, "error": 0, "skip": 0}
    suite = ET.Element("testsuite", name=check)
    for r in keep:
        case = ET.SubElement(suite, "testcase", name=_case_name(r, many_models),
                             classname=cls)
        _fill(case, r)
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    if rest:
        case = ET.SubElement(suite, "testcase", name=f"{check}[{len(rest)} more slices]",
                             classname=cls)
        bad = [r for r in rest if r.verdict in ("fail", "error")]
        names = ", ".join(_case_name(r, many_models) for r in rest)
        if bad:
            ET.SubElement(case, "failure", message=f"{len(bad)} of {len(rest)} folded "
                          "slices failed", type="folded").text = "\n".join(
                f"{_case_name(r, many_models)}: {message(r)}" for r in bad)
            counts["fail"] += 1
        else:
            ET.SubElement(case, "system-out").text = f"all passed or skipped: {names}"
    total = len(keep) + (1 if rest else 0)
    suite.set("tests", str(total))
    suite.set("failures", str(counts["fail"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skip"]))
    return suite


def to_junit(run: AuditRun) -> ET.Element:
    by_check: dict[str, list[Any]] = {}
    kinds: dict[str, str] = {}
    for r in run.results:
        by_check.setdefault(r.check, []).append(r)
        kinds[r.check] = r.kind
    many = len({r.model for r in run.results}) > 1
    root = ET.Element("testsuites", name=str(run.suite.data.get("name")
                                             or run.suite.path.name))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for check, results in by_check.items():
        el = _suite_element(check, kinds[check], results, many)
        root.append(el)
        for k in totals:
            totals[k] += int(el.get(k, "0"))
    for name, err in run.load_errors.items():  # a model that never loaded is an error
        el = ET.SubElement(root, "testsuite", name=f"load:{name}", tests="1",
                           failures="0", errors="1", skipped="0")
        case = ET.SubElement(el, "testcase", name=f"load model {name}",
                             classname="lumos.audit.load")
        ET.SubElement(case, "error", message=err, type="ModelLoadError").text = err
        totals["tests"] += 1
        totals["errors"] += 1
    for k, v in totals.items():
        root.set(k, str(v))
    return root


def write_junit(run: AuditRun, path: str | Path) -> Path:
    p = Path(path)
    tree = ET.ElementTree(to_junit(run))
    ET.indent(tree)
    tree.write(p, encoding="utf-8", xml_declaration=True)
    return p


__all__ = ["EXAMPLES", "MAX_CASES", "message", "to_junit", "write_junit"]
