"""Panels → matplotlib figures (Agg canvas, never pyplot, so nothing blocks or opens a
window), one figure per group, a grid of up to three panels a row."""

from __future__ import annotations

import math
from typing import Any

from lumos.visual.curves import GROUP_TITLES, Panel


def _matplotlib() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the installed extras
        raise ImportError("PNG plots need matplotlib (pip install 'lumos[visual]')") from e
    return Figure, FigureCanvasAgg


def figures(panels: list[Panel], *, title: str | None = None) -> dict[str, Any]:
    """group → Figure (training, weights, lr_finder; only the groups that have panels)."""
    Figure, FigureCanvasAgg = _matplotlib()
    out: dict[str, Any] = {}
    for group in dict.fromkeys(p.group for p in panels):
        mine = [p for p in panels if p.group == group]
        cols = min(3, len(mine))
        rows = math.ceil(len(mine) / cols)
        height = 3.6 * rows + 0.5
        # margins set by hand: constrained layout doubled the time of savefig
        fig = Figure(figsize=(5.0 * cols, height))
        fig.subplots_adjust(left=0.5 / (5.0 * cols), right=1 - 0.15 / (5.0 * cols),
                            bottom=0.55 / height, top=1 - 0.75 / height, wspace=0.22,
                            hspace=0.5 * 3.6 / height * rows if rows > 1 else 0.2)
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, panel in zip(axes, mine, strict=False):
            for line in panel.lines:
                y = [math.nan if v is None else v for v in line.y]
                few = sum(v is not None for v in line.y) <= 30
                ax.plot(line.x, y, label=line.label, color=line.colour, linestyle=line.dash,
                        marker="o" if few else None, markersize=3, linewidth=1.5)
            ax.set_title(panel.title)
            ax.set_xlabel(panel.x_label.replace("_", " "))
            if panel.log_x:
                ax.set_xscale("log")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        for ax in axes[len(mine):]:
            ax.set_visible(False)
        fig.suptitle(title or GROUP_TITLES[group])
        out[group] = fig
    return out
