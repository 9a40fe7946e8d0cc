"""`lumos plot`: training curves from Flair, Hugging Face and TensorBoard logs.

    lumos plot runs/ner/loss.tsv hf_out/ --out plots
    lumos plot resumed/loss.tsv --header-from first/loss.tsv --out plots --watch

A thin caller of ``lumos.visual.plot`` (what the notebook calls): writes
``training.png`` (``weights.png``, ``lr_finder.png`` for those logs) and
``training.html`` into ``--out`` and prints their paths. A log it cannot read, or a
headerless ``loss.tsv`` whose layout is not certain, exits 2 naming the file and line
(and the candidate layouts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("plot", help="draw training curves (Flair, Hugging Face, TensorBoard)",
                       description="Draw training curves from Flair loss.tsv, weights.txt "
                       "and learning_rate.tsv, Hugging Face trainer_state.json (or an "
                       "output/checkpoint directory) and TensorBoard event files, as PNG "
                       "and one interactive HTML page. Several files are overlaid.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="log files or directories (a Hugging Face output or checkpoint "
                   "directory, a TensorBoard log directory)")
    p.add_argument("--out", required=True,
                   help="directory to write training.png / training.html into (created)")
    p.add_argument("--header-from", default=None, metavar="F",
                   help="for a Flair loss.tsv without a header (a resumed run): take its "
                   "columns from this earlier loss.tsv of the run (default: none)")
    p.add_argument("--columns", default=None,
                   help="for a Flair loss.tsv without a header: its column names, "
                   "comma-separated, e.g. EPOCH,TIMESTAMP,BAD_EPOCHS,LEARNING_RATE,"
                   "TRAIN_LOSS,DEV_LOSS,DEV_ACCURACY (default: inferred when exactly one "
                   "known layout fits)")
    p.add_argument("--format", default="png,html",
                   help="comma-separated output formats, png and/or html "
                   "(default: png,html)")
    p.add_argument("--title", default=None,
                   help="figure and page title (default: 'Training curves')")
    p.add_argument("--watch", action="store_true",
                   help="keep running and redraw whenever a log changes, until Ctrl-C "
                   "(default: off)")
    p.add_argument("--interval", type=float, default=2.0,
                   help="with --watch, seconds between checks, 0.2 to 60 (default: 2.0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.visual.logs import LogFormatError
    from lumos.visual.plot_html import MissingScriptError
    from lumos.visual.plotter import MAX_INTERVAL, MIN_INTERVAL, Watcher, plot

    for f in args.files:
        if not Path(f).exists():
            raise UsageError(f"FILE: {f} does not exist")
    if args.header_from is not None and args.columns is not None:
        raise UsageError("--header-from and --columns: give one of them, not both")
    if args.header_from is not None and not Path(args.header_from).is_file():
        raise UsageError(f"--header-from: {args.header_from} is not a file")
    if not MIN_INTERVAL <= args.interval <= MAX_INTERVAL:
        raise UsageError(f"--interval: {args.interval} is not between {MIN_INTERVAL} and "
                         f"{MAX_INTERVAL} seconds")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a directory")
    options = {"header_from": args.header_from, "columns": args.columns,
               "formats": args.format, "title": args.title}
    try:
        if not args.watch:
            for path in plot(args.files, out, **options):
                print(path)
            return 0
        watcher = Watcher(args.files, out, interval=args.interval,
                          on_redraw=lambda w: print("wrote", ", ".join(map(str, w)),
                                                    flush=True),
                          on_error=lambda e: print(f"waiting for a readable log: {e}",
                                                   file=sys.stderr, flush=True),
                          **options)
        print(f"watching {len(args.files)} log(s) every {watcher.interval:g} s; Ctrl-C "
              "stops", file=sys.stderr)
        try:
            watcher.run()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        return 0
    except LogFormatError as e:
        raise UsageError(str(e)) from e
    except ValueError as e:  # --format, --columns
        raise UsageError(str(e)) from e
    except MissingScriptError as e:
        print(f"lumos plot: error: {e}", file=sys.stderr)
        return 1
