"""Runs → panels: what the PNG and the HTML plot both draw.

* one panel per (metric, x axis): ``loss`` holds train, dev and test loss of every run;
* a split keeps its colour in every panel (train blue, dev/eval orange, test green, other
  splits from the palette) and a run its line style, so several runs overlay legibly;
* three groups, drawn as separate figures: training curves, Flair weights (one panel per
  parameter, one line per sampled element) and the learning-rate finder (log x axis).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lumos.visual.logs import Run

GROUPS = ("training", "weights", "lr_finder")
GROUP_TITLES = {"training": "Training curves", "weights": "Weights",
                "lr_finder": "Learning-rate finder"}
SPLIT_COLOURS = {"train": "#1f77b4", "dev": "#ff7f0e", "eval": "#ff7f0e", "val": "#ff7f0e",
                 "validation": "#ff7f0e", "test": "#2ca02c", "smoothed": "#1f77b4",
                 "raw": "#9e9e9e"}
PALETTE = ("#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
           "#1f77b4", "#ff7f0e", "#2ca02c")
DASHES = ("solid", "dashed", "dotted", "dashdot")
METRIC_ORDER = ("loss", "f1", "accuracy", "precision", "recall")


@dataclass(frozen=True, kw_only=True)
class Line:
    label: str
    run: str
    split: str | None
    colour: str
    dash: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]


@dataclass(frozen=True, kw_only=True)
class Panel:
    group: str
    metric: str
    x_label: str
    log_x: bool
    lines: tuple[Line, ...]

    @property
    def title(self) -> str:
        return self.metric.replace("_", " ")


def group_of(run: Run) -> str:
    return {"flair_weights": "weights", "flair_lr": "lr_finder"}.get(run.format, "training")


def short_labels(runs: list[Run]) -> list[str]:
    """Each run's label without the path parts all runs share (``a/loss.tsv``,
    ``b/loss.tsv`` → ``a``, ``b``); a lone run keeps its label."""
    labels = [r.label for r in runs]
    if len(runs) < 2 or len(set(labels)) < len(labels):
        return labels
    parts = [Path(x).parts for x in labels]
    pre = len(os.path.commonprefix(parts))
    suf = len(os.path.commonprefix([p[::-1] for p in parts]))
    out = []
    for p in parts:
        core = p[pre:len(p) - suf] if pre + suf < len(p) else p[pre:]
        out.append("/".join(core) or "/".join(p))
    return out if len(set(out)) == len(out) else labels


def panels(runs: list[Run]) -> list[Panel]:
    labels = [""] * len(runs)
    for g in GROUPS:  # shortened among the runs drawn together
        idx = [i for i, r in enumerate(runs) if group_of(r) == g]
        for i, lab in zip(idx, short_labels([runs[i] for i in idx]), strict=True):
            labels[i] = lab
    several = {g: sum(group_of(r) == g for r in runs) > 1 for g in GROUPS}
    order: list[tuple[str, str, str, bool]] = []
    lines: dict[tuple[str, str, str, bool], list[Line]] = {}
    other_colours: dict[str, str] = {}

    def colour(split: str | None) -> str:
        key = split or ""
        if key in SPLIT_COLOURS:
            return SPLIT_COLOURS[key]
        if key not in other_colours:
            other_colours[key] = PALETTE[len(other_colours) % len(PALETTE)]
        return other_colours[key]

    index_in_group: dict[str, int] = {}
    for run, label in zip(runs, labels, strict=True):
        group = group_of(run)
        i = index_in_group[group] = index_in_group.get(group, -1) + 1
        for s in run.series:
            key = (group, s.metric, s.x_label, s.log_x)
            if key not in lines:
                order.append(key)
                lines[key] = []
            name = s.split or s.metric
            lines[key].append(Line(label=f"{name} · {label}" if several[group] else name, run=label,
                                   split=s.split, colour=colour(s.split),
                                   dash=DASHES[i % len(DASHES)], x=s.x, y=s.y))

    def rank(key: tuple[str, str, str, bool]) -> tuple[int, int, int]:
        g, metric, _, _ = key
        m = METRIC_ORDER.index(metric) if metric in METRIC_ORDER else len(METRIC_ORDER)
        return GROUPS.index(g), m, order.index(key)

    return [Panel(group=k[0], metric=k[1], x_label=k[2], log_x=k[3], lines=tuple(lines[k]))
            for k in sorted(order, key=rank)]
