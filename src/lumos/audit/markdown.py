"""The audit as Markdown: a pull-request comment (summary, a table of the checks with
the failing ones first, and each failure's first example diffs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lumos.audit.diff import example_line
from lumos.audit.junit import message
from lumos.audit.report_json import calls_json, summary
from lumos.audit.run import AuditRun

MAX_ROWS = 100
MARK = {"pass": "pass", "fail": "**FAIL**", "skip": "skip", "error": "**ERROR**"}


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(run: AuditRun) -> str:
    s = summary(run)
    calls = calls_json(run.calls)
    share = calls["cache_share"]
    name = run.suite.data.get("name") or run.suite.path.name
    lines = [f"### lumos audit: {name}", "",
             f"{s['pass']} passed, {s['fail']} failed, {s['skip']} skipped, "
             f"{s['error']} errors (exit {run.exit_code()}); {calls['requested']} "
             f"predictions, {calls['computed']} computed"
             + (f", {100 * share:.1f}% from the cache" if share is not None else ""), ""]
    for m, err in run.load_errors.items():
        lines.append(f"- **model {_cell(m)} did not load**: {_cell(err)}")
    if run.load_errors:
        lines.append("")
    lines += ["| verdict | check | model | value | interval | threshold | n |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    order = sorted(run.results, key=lambda r: r.verdict not in ("fail", "error"))
    for r in order[:MAX_ROWS]:
        iv = f"[{_num(r.low)}, {_num(r.high)}]" if r.low is not None else ""
        th = " ".join(b for b in (f"≥ {_num(r.at_least)}" if r.at_least is not None
                                  else "", f"≤ {_num(r.at_most)}" if r.at_most is not None
                                  else "") if b)
        lines.append(f"| {MARK.get(r.verdict, r.verdict)} | `{_cell(r.name)}` | "
                     f"{_cell(r.model)} | {_num(r.value)} | {iv} | {th} | {r.count} |")
    if len(order) > MAX_ROWS:
        lines.append(f"\n({len(order) - MAX_ROWS} more rows in the JSON report)")
    failing = [r for r in order if r.verdict in ("fail", "error")][:20]
    if failing:
        lines += ["", "#### Failures", ""]
    for r in failing:
        lines.append(f"<details><summary><code>{_cell(r.name)}</code> ({_cell(r.model)}): "
                     f"{_cell(message(r))}</summary>\n")
        for ex in r.examples[:3]:
            lines.append(f"- `{_cell(example_line(ex))}`")
        lines.append("\n</details>")
    return "\n".join(lines) + "\n"


def write_markdown(run: AuditRun, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(to_markdown(run), encoding="utf-8")
    return p


__all__ = ["to_markdown", "write_markdown"]
