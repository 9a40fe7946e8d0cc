"""Panels → one self-contained interactive HTML page (uPlot: drag to zoom, double-click
to reset, hover for values in the legend, click a legend entry to hide its series).

The script is ``static/plot.js``, built by the UI build (``ui/visual/plot.ts``, ``npm
run build``) and inlined, so the page opens with the network off. Each panel's data is
aligned on the union of its lines' x values (``null`` where a line has no point; drawn
across, since a missing eval between train steps is not a gap in the curve)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lumos.visual import html
from lumos.visual.curves import GROUP_TITLES, Panel
from lumos.visual.logs import Run

SCRIPT = Path(__file__).parent / "static" / "plot.js"

CSS = """
body{font:14px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:18px 0 6px}
.files{font-size:12px;color:#555;margin:0 0 8px;padding-left:18px}
.note{color:#8a5a00}
.grid{display:flex;flex-wrap:wrap;gap:18px}
.panel{border:1px solid #ddd;border-radius:4px;padding:6px}
.panel h3{font-size:14px;margin:0 0 4px;font-weight:600}
.hint{font-size:12px;color:#666}
.u-legend{font-size:12px}
table.summary{border-collapse:collapse;font-size:12px;margin:4px 0}
table.summary td,table.summary th{border:1px solid #ddd;padding:2px 6px;text-align:left}
"""


class MissingScriptError(RuntimeError):
    """The interactive page's script was not built."""


def script() -> str:
    if not SCRIPT.is_file():
        raise MissingScriptError(
            f"the interactive plot's script {SCRIPT} is not built: run `make ui` (or `npm "
            "ci && npm run build` in ui/), or ask for PNG only (--format png)")
    return SCRIPT.read_text(encoding="utf-8")


def panel_data(panel: Panel) -> dict[str, Any]:
    xs = sorted({x for line in panel.lines for x in line.x})
    at = {x: i for i, x in enumerate(xs)}
    series = []
    for line in panel.lines:
        ys: list[float | None] = [None] * len(xs)
        for x, y in zip(line.x, line.y, strict=True):
            ys[at[x]] = y
        series.append({"label": line.label, "run": line.run, "split": line.split,
                       "colour": line.colour, "dash": line.dash, "y": ys})
    return {"group": panel.group, "title": panel.title, "metric": panel.metric,
            "x_label": panel.x_label.replace("_", " "), "log_x": panel.log_x, "x": xs,
            "series": series}


def data(panels: list[Panel]) -> dict[str, Any]:
    groups = list(dict.fromkeys(p.group for p in panels))
    return {"groups": [{"id": g, "title": GROUP_TITLES[g]} for g in groups],
            "panels": [panel_data(p) for p in panels]}


def page(runs: list[Run], panels: list[Panel], *, title: str = "Training curves") -> str:
    files = []
    for r in runs:
        notes = "".join(f' <span class="note">({html.text(n)})</span>' for n in r.notes)
        files.append(f"<li>{html.text(r.label)}: {html.text(r.format)}{notes}</li>")
    summaries = []
    for r in runs:
        if r.summary:
            rows = "".join(f"<tr><th>{html.text(k)}</th><td>{v:g}</td></tr>"
                           for k, v in r.summary.items())
            summaries.append(f'<table class="summary"><caption>{html.text(r.label)}'
                             f"</caption>{rows}</table>")
    body = (f"<h1>{html.text(title)}</h1>\n<ul class=\"files\">{''.join(files)}</ul>\n"
            '<p class="hint">Drag across a plot to zoom, double-click to reset; hover for '
            "values; click a legend entry to hide or show its line.</p>\n"
            f"{''.join(summaries)}\n<div id=\"plots\"></div>\n"
            f'<script id="plot-data" type="application/json">{html.script_json(data(panels))}'
            "</script>")
    boot = ("LumosPlot.render(document.getElementById('plots'),"
            "JSON.parse(document.getElementById('plot-data').textContent));")
    return html.page(title=title, body=body, css=CSS, scripts=[script(), boot])
