"""`lumos highlight`: text coloured token by token, as one self-contained HTML file.

    lumos highlight --model sentiment --dataset tweets --limit 20 \\
        --source activation:module=bert.encoder.layer.3.output,dim=17 --out h.html
    lumos highlight --model sentiment --dataset tweets --ids 12,40 \\
        --source salience:integrated_gradients,steps=32 --out ig.html
    lumos highlight ... --source attention:layer=-1,token=0 --align token --out a.html

A thin caller of ``lumos.visual.highlight`` (values from the engine, cached in the
store, the same as the Python API gives).
"""

from __future__ import annotations

import argparse

from lumos.cli.common import add_model_dataset_args, check_out_path, workspace_from_args
from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("highlight", help="colour text by activations, salience or attention "
                       "(self-contained HTML)",
                       description="Colour each token of a dataset's texts by a value the "
                       "model gives it, and write one self-contained HTML page.")
    add_model_dataset_args(p)
    p.add_argument("--source", required=True,
                   help="where values come from: activation:layer=N,dim=D | "
                   "activation:module=NAME,dim=D (dim=norm: the vector's norm) | "
                   "salience:METHOD[,OPTION=VALUE...] (or just METHOD, e.g. "
                   "integrated_gradients) | attention:layer=L,head=H|mean,token=K | "
                   "rollout[:query=K]")
    p.add_argument("--out", required=True, help="output .html file")
    p.add_argument("--ids", default=None, metavar="ID,ID,...",
                   help="only these rows, by the dataset's id column (or the row keys "
                   "`lumos predict` prints) (default: every row, after --limit/--sample)")
    p.add_argument("--align", choices=("word", "char", "token"), default="word",
                   help="cells: words of the text, the original characters of each token, "
                   "or the model's tokens (default: %(default)s)")
    p.add_argument("--aggregate", choices=("sum", "mean", "max"), default=None,
                   help="how a word combines its sub-word values (default: mean for "
                   "activations, sum for salience and attention)")
    p.add_argument("--scale", choices=("auto", "sequential", "diverging"), default="auto",
                   help="colour scale (default: %(default)s, diverging when values are "
                   "signed and some are negative)")
    p.add_argument("--vmin", type=float, default=None,
                   help="low end of a sequential scale (default: 0, or the least value)")
    p.add_argument("--vmax", type=float, default=None,
                   help="high end of the scale; ±vmax for a diverging one (default: from "
                   "the values)")
    p.add_argument("--title", default=None,
                   help="page title (default: source, model and dataset)")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute cached values (default: off, cached values are reused)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: off, a progress bar on stderr)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.api.types import SpecError
    from lumos.visual.highlight import highlight
    from lumos.visual.sources import parse

    out = check_out_path("--out", args.out, (".html",))
    try:
        parse(args.source)
    except SpecError as e:
        raise UsageError(f"--source: {str(e).removeprefix('source: ')}") from None
    ws, mname, dname = workspace_from_args(args)
    model, ds = ws.model(mname), ws.dataset(dname)
    examples = ds.examples(range(len(ds)))
    labels = ws.engine.row_labels(model, examples)
    if args.ids is not None:
        wanted = [s.strip() for s in args.ids.split(",") if s.strip()]
        if not wanted:
            raise UsageError("--ids: give at least one id")
        where = {label: i for i, label in enumerate(labels)}
        missing = [w for w in wanted if w not in where]
        if missing:
            raise UsageError(f"--ids: no row of {dname} has id '{missing[0]}' "
                             f"(first ids: {', '.join(labels[:5])})")
        examples = [examples[where[w]] for w in wanted]
        labels = wanted
    if not examples:
        raise UsageError(f"--dataset: {dname} has no rows")
    title = args.title or f"{args.source}: {mname} on {dname}"
    try:
        h = highlight(examples, model=model, source=args.source, align=args.align,
                      aggregate=args.aggregate, scale=args.scale, vmin=args.vmin,
                      vmax=args.vmax, title=title, labels=labels, engine=ws,
                      use_cache=not args.no_cache,
                      progress=False if args.quiet else f"highlight {mname}")
    except SpecError as e:
        # the other arguments are checked by argparse: what is left is the source's
        raise UsageError(f"--source: {str(e).removeprefix('source: ')}") from None
    h.save(out)
    print(f"{len(h)} rows, {len(h.cells())} cells ({h.scale.name}, "
          f"{h.scale.lo:.4g} to {h.scale.hi:.4g}); wrote {out}")
    return 0
