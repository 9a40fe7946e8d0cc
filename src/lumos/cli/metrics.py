"""`lumos metrics`: the metrics table of a model on a dataset, overall and by facet or bin."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    workspace_from_args,
)
from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("metrics", help="metrics table (overall, by facet or bin)",
                       description="Score a model against the gold fields of a dataset: "
                       "every metric that applies to each output, for the whole dataset, "
                       "each saved slice and each value (or bin) of --by.")
    add_model_dataset_args(p)
    p.add_argument("--by", default=None, metavar="FIELD",
                   help="facet by a field: a dataset column (the gold label gives each "
                   "class's recall) or a derived field such as text:length (binned), "
                   "probas:label (the predicted label: each class's precision), "
                   "probas:correct, probas:error (default: none, one row for the whole "
                   "dataset)")
    p.add_argument("--bins", type=int, default=10,
                   help="bins for a numeric --by field (default: %(default)s)")
    p.add_argument("--binning", choices=("equal_width", "quantile"), default="equal_width",
                   help="how numeric fields are binned (default: %(default)s)")
    p.add_argument("--metric", action="append", default=None, metavar="ID",
                   help="metric id to compute (repeatable; default: all that apply)")
    p.add_argument("--margin", type=float, default=None,
                   help="binary classification: log-odds needed to predict the positive "
                   "class (default 0 = argmax)")
    p.add_argument("--slices", action="store_true",
                   help="add a row per saved slice of the dataset (default: off)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="write the full table (with per-class scores and confusion "
                   "matrices) as JSON (default: none, the table is printed only)")
    p.set_defaults(func=run)


UNDEFINED = "—"


def format_table(result: Mapping[str, Any], *, digits: int = 4) -> str:
    """The metrics table as aligned text (one line per group), then a legend: what each
    column means (its averaging), why a value is undefined (``—``) and which groups are
    small. A value with an interval prints as ``value [lo, hi]``."""
    rows = result["rows"]
    # a column no group defines (e.g. per-class recall without --by label) is left out
    cols: Sequence[str] = [c for c in result["columns"] if c != "kind" and (
        c in ("group", "count") or any(r.get(c) is not None for r in rows))]
    cells = [list(cols)]
    why: dict[str, dict[str, list[str]]] = {}
    small = False
    for row in rows:
        line = []
        for c in cols:
            v = row.get(c)
            if c == "group":
                line.append(f"{v} *" if row.get("small") else str(v))
                small = small or bool(row.get("small"))
            elif v is None:
                line.append(UNDEFINED)
                reason = (row.get("undefined") or {}).get(c)
                if reason:
                    why.setdefault(reason, {}).setdefault(c, []).append(str(row["group"]))
            elif isinstance(v, float):
                ci = (row.get("intervals") or {}).get(c)
                line.append(f"{v:.{digits}f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
            else:
                line.append(str(v))
        cells.append(line)
    widths = [max(len(r[k]) for r in cells) for k in range(len(cols))]
    out = []
    for n, r in enumerate(cells):
        out.append("  ".join(s.ljust(w) if k == 0 else s.rjust(w)
                             for k, (s, w) in enumerate(zip(r, widths, strict=True))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    info = result.get("column_info") or {}
    legend = [f"  {c}: {info[c]['label']}" for c in cols if c in info and info[c]["label"]
              != info[c]["value"]]
    intervals = {c for row in rows for c in (row.get("intervals") or {})}
    if legend or intervals:
        out.append("")
        out.append("columns" + (" ([lo, hi]: 95% interval: Wilson for proportions, "
                                "bootstrap for macro averages)" if intervals else "") + ":")
        out.extend(legend)
    if why:
        out.append(f"{UNDEFINED} undefined:")
        for reason, by_col in why.items():
            merged: dict[tuple[str, ...], list[str]] = {}  # columns with the same groups
            for c, groups in by_col.items():
                merged.setdefault(tuple(groups), []).append(c)
            for groups, cs in merged.items():
                out.append(f"  {', '.join(cs)} in {', '.join(groups)}: {reason}")
    if small:
        out.append(f"* small group (fewer than {result.get('min_group_size', 30)} rows): "
                   "its figures move a lot by chance")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    import orjson

    from lumos.api.types import SpecError
    from lumos.engine.aggregate import compute_metrics

    out = check_out_path("--json", args.json, (".json",)) if args.json else None
    if args.bins < 1:
        raise UsageError(f"--bins: must be at least 1, got {args.bins}")
    ws, mname, dname = workspace_from_args(args)
    configs = {"classification": {"margin": args.margin}} if args.margin is not None else None
    try:
        result = compute_metrics(ws, mname, dname, by=args.by, bins=args.bins,
                                 binning=args.binning, metrics=args.metric, configs=configs,
                                 slices=args.slices, progress=f"predict {mname}")
    except SpecError as e:
        msg = str(e)
        flag = "--by" if args.by and f"'{args.by}'" in msg else \
            "--metric" if "metric '" in msg else "--dataset"
        raise UsageError(f"{flag}: {msg}") from None
    print(f"{mname} on {dname}" + (f", by {args.by}" if args.by else ""))
    print(format_table(result))
    if out is not None:
        out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2
                                     | orjson.OPT_SERIALIZE_NUMPY))
        print(f"wrote {out}")
    return 0
