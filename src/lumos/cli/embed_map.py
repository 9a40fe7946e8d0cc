"""`lumos embed-map`: a model's sentence or token embeddings as an offline HTML map (and a
PNG, and TensorBoard Projector files)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    no_embeddings,
    workspace_from_args,
)
from lumos.cli.main import UsageError

#: the SpecError's leading word (embed_map's parameter) -> the flag that sets it
FLAGS = {"level": "--level", "method": "--method", "field": "--field",
         "color_by": "--color-by", "perplexity": "--perplexity",
         "n_neighbors": "--neighbors", "layer": "--layer", "tokens": "--level"}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "embed-map", help="map sentence or token embeddings (t-SNE, UMAP) to an HTML page",
        description="Map a model's sentence or token embeddings over a dataset to 2-D with "
        "t-SNE or UMAP: one self-contained HTML page (hover a point for its token inside "
        "its sentence; opens with the network off), optionally a PNG and the TensorBoard "
        "Projector's TSV files. Embeddings and layouts are cached in the store.")
    add_model_dataset_args(p)
    p.add_argument("--level", choices=("sentence", "token"), default="sentence",
                   help="one point per row (a pooled embeddings field) or per model token "
                   "(a per-token embeddings field) (default: %(default)s)")
    p.add_argument("--method", choices=("tsne", "umap"), default="tsne",
                   help="projection method, one of %(choices)s (default: %(default)s)")
    p.add_argument("--field", default=None,
                   help="embeddings output field (default: the model's first one of the "
                   "--level's kind)")
    p.add_argument("--layer", type=int, default=None,
                   help="layer of a per-layer embeddings field (default: the last)")
    p.add_argument("--color-by", default=None, metavar="FIELD",
                   help="colour points by a dataset column (label, any other), gold:FIELD, "
                   "or a prediction column such as probas:label or probas:correct "
                   "(default: the gold label when the dataset has one)")
    p.add_argument("--perplexity", type=float, default=None,
                   help="t-SNE perplexity (default: 30, capped at (points - 1) / 3)")
    p.add_argument("--neighbors", type=int, default=None,
                   help="UMAP n_neighbors (default: 15, capped below the number of points)")
    p.add_argument("--out", required=True, help="the map, an .html file")
    p.add_argument("--png", default=None, help="also write the map as a .png (default: none)")
    p.add_argument("--projector", default=None, metavar="DIR",
                   help="also write vectors.tsv, metadata.tsv and projector_config.pbtxt "
                   "for TensorBoard's Projector into DIR (default: none)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.api.types import SpecError
    from lumos.visual.embed_map import embed_map

    out = check_out_path("--out", args.out, (".html", ".htm"))
    png = check_out_path("--png", args.png, (".png",)) if args.png else None
    projector = Path(args.projector) if args.projector else None
    if projector is not None and projector.exists() and not projector.is_dir():
        raise UsageError(f"--projector: {projector} exists and is not a directory")
    if args.perplexity is not None and args.method != "tsne":
        raise UsageError("--perplexity: only applies to --method tsne")
    if args.neighbors is not None and args.method != "umap":
        raise UsageError("--neighbors: only applies to --method umap")
    ws, mname, dname = workspace_from_args(args)
    no_embeddings(ws.model(mname), mname, "mapped")

    def stage(done: int, total: int, name: str) -> None:
        if name.startswith("fitting"):  # the one long step after the embeddings
            print(f"{name} ...", file=sys.stderr, flush=True)

    try:
        m = embed_map(mname, dname, level=args.level, method=args.method,
                      color_by=args.color_by, field=args.field, seed=args.seed,
                      perplexity=args.perplexity, n_neighbors=args.neighbors,
                      layer=args.layer, workspace=ws, progress=f"embed {mname}",
                      on_progress=stage)
    except SpecError as e:
        msg = str(e)
        word = msg.split(":", 1)[0]
        rows = "--sample" if args.sample else "--limit" if args.limit else "--dataset"
        flag = FLAGS.get(word, rows)
        if word in FLAGS:  # the engine's own name for the argument
            msg = msg.removeprefix(word + ": ")
        raise UsageError(f"{flag}: {msg}") from None
    m.save(out)
    wrote = [str(out)]
    if png is not None:
        m.save_png(png)
        wrote.append(str(png))
    if projector is not None:
        m.save_projector(projector)
        wrote.append(f"{projector}/vectors.tsv, metadata.tsv")
    print(f"{'cached' if m.cached else 'computed'} {args.method} map of {len(m)} "
          f"{args.level} points ({m.description()}); wrote {', '.join(wrote)}")
    return 0
