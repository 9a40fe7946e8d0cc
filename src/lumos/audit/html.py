"""The audit as one self-contained HTML file: inline CSS, no script, no external
resource, so it opens offline and from a CI artifact. A summary, then each check with
its value, interval and threshold, and for counterfactual checks the token-level diffs
(removed / added words) with the prediction change; for quality checks the rows the
model got wrong."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from lumos.audit.diff import token_ops
from lumos.audit.junit import message
from lumos.audit.report_json import calls_json, summary
from lumos.audit.run import AuditRun

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d232a}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border-bottom:1px solid #e3e6ea;padding:.25rem .5rem;text-align:left;
vertical-align:top}th{background:#f4f6f8}.v{font-weight:600;text-transform:uppercase}
.pass{color:#1a7f37}.fail{color:#c62828}.skip{color:#6e7781}.error{color:#9a6700}
del{background:#ffd7d5;text-decoration:line-through}ins{background:#ccffd8;
text-decoration:none}details{margin:.3rem 0 .8rem}summary{cursor:pointer}
code{background:#f4f6f8;padding:0 .2rem}.muted{color:#6e7781}
"""


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _diff_html(old: str, new: str) -> str:
    out = []
    for op, text in token_ops(old, new):
        t = escape(text)
        out.append(t if op == "=" else f"<del>{t}</del>" if op == "-" else f"<ins>{t}</ins>")
    return "".join(out)


def _example_rows(r: Any) -> str:
    if not r.examples:
        return "<p class=muted>no examples kept</p>"
    first = r.examples[0]
    if "original" in first:
        rows = ["<tr><th>change</th><th>prediction</th><th>score change</th>"
                "<th>valid</th></tr>"]
        for ex in r.examples:
            diff = "<br>".join(_diff_html(str(ex["original"].get(f) or ""),
                                          str(ex["counterfactual"].get(f) or ""))
                               for f in ex["original"])
            delta = ex.get("score_delta")
            rows.append(f"<tr><td>{diff}</td><td>{escape(str(ex.get('parent_label')))} → "
                        f"{escape(str(ex.get('label')))}</td><td>"
                        f"{'' if delta is None else f'{delta:+.3f}'}</td><td>"
                        f"{escape(str(ex.get('valid')))}</td></tr>")
        return "<table>" + "".join(rows) + "</table>"
    keys = [k for k in first if k != "row"][:6]
    head = "".join(f"<th>{escape(k)}</th>" for k in ["row", *keys])
    body = "".join("<tr>" + "".join(f"<td>{escape(str(ex.get(k)))}</td>"
                                    for k in ["row", *keys]) + "</tr>" for ex in r.examples)
    return f"<table><tr>{head}</tr>{body}</table>"


def to_html(run: AuditRun) -> str:
    s = summary(run)
    calls = calls_json(run.calls)
    name = escape(str(run.suite.data.get("name") or run.suite.path.name))
    share = calls["cache_share"]
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8>"
             f"<title>lumos audit: {name}</title><style>{CSS}</style></head><body>",
             f"<h1>lumos audit: {name}</h1>",
             f"<p><span class='v pass'>{s['pass']} passed</span> · <span class='v fail'>"
             f"{s['fail']} failed</span> · <span class='v skip'>{s['skip']} skipped</span>"
             f" · <span class='v error'>{s['error']} errors</span> — exit code "
             f"{run.exit_code()}</p>",
             f"<p class=muted>suite {escape(str(run.suite.path))} (sha256 "
             f"{run.suite.sha256[:12]}), seed {run.suite.seed}, confidence "
             f"{run.suite.confidence}; {calls['requested']} predictions, "
             f"{calls['computed']} computed"
             + (f", {100 * share:.1f}% from the cache" if share is not None else "")
             + "</p>"]
    for m, err in run.load_errors.items():
        parts.append(f"<p class=error>model {escape(m)} did not load: {escape(err)}</p>")
    parts.append("<table><tr><th>verdict</th><th>check</th><th>model</th><th>value</th>"
                 "<th>interval</th><th>threshold</th><th>n</th></tr>")
    for n, r in enumerate(run.results):
        iv = f"[{_num(r.low)}, {_num(r.high)}]" if r.low is not None else ""
        th = " ".join(b for b in (f"≥ {_num(r.at_least)}" if r.at_least is not None
                                  else "", f"≤ {_num(r.at_most)}" if r.at_most is not None
                                  else "") if b)
        parts.append(f"<tr><td class='v {r.verdict}'>{r.verdict}</td><td><a href='#c{n}'>"
                     f"<code>{escape(r.name)}</code></a></td><td>{escape(r.model)}</td>"
                     f"<td>{_num(r.value)}</td><td>{iv}</td><td>{escape(th)}</td>"
                     f"<td>{r.count}</td></tr>")
    parts.append("</table><h2>Checks</h2>")
    for n, r in enumerate(run.results):
        parts.append(f"<h3 id=c{n}><span class='v {r.verdict}'>{r.verdict}</span> "
                     f"<code>{escape(r.name)}</code> <span class=muted>({escape(r.kind)}, "
                     f"{escape(r.model)} on {escape(r.dataset)})</span></h3>"
                     f"<p>{escape(message(r))}</p>")
        if r.examples:
            parts.append(f"<details{' open' if r.verdict == 'fail' else ''}><summary>"
                         f"{len(r.examples)} examples</summary>{_example_rows(r)}</details>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_html(run: AuditRun, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(to_html(run), encoding="utf-8")
    return p


__all__ = ["to_html", "write_html"]
