"""`lumos project`: project an embeddings field to 2-D/3-D with PCA, UMAP or t-SNE."""

from __future__ import annotations

import argparse

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    flag_error,
    no_embeddings,
    workspace_from_args,
)
from lumos.cli.main import UsageError

METHODS = ("pca", "umap", "tsne")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("project", help="project embeddings (PCA, UMAP, t-SNE) to a file",
                       description="Project an embeddings field of a model over a dataset "
                       "to 2 or 3 dimensions; the result is cached in the store, so the "
                       "second run is instant.")
    add_model_dataset_args(p)
    p.add_argument("--field", default="embedding",
                   help="embeddings output field (default: %(default)s)")
    p.add_argument("--method", choices=METHODS, default="umap",
                   help="projection method, one of %(choices)s (default: %(default)s)")
    p.add_argument("--dims", type=int, choices=(2, 3), default=2,
                   help="dimensions of the points, 2 or 3 (default: %(default)s)")
    p.add_argument("--layer", type=int, default=None,
                   help="layer of a per-layer embeddings field (default: the last)")
    p.add_argument("--tokens", choices=("mean", "all"), default="mean",
                   help="token embeddings: 'mean' pools each row's tokens into one point, "
                   "'all' gives one point per token (default: %(default)s)")
    p.add_argument("--neighbors", type=int, default=None,
                   help="UMAP n_neighbors (default: 15, capped below the number of rows)")
    p.add_argument("--perplexity", type=float, default=None,
                   help="t-SNE perplexity (default: 30, capped at a third of the rows)")
    p.add_argument("--with", dest="with_columns", action="append", default=[],
                   metavar="COL",
                   help="add a column to each point: a dataset column or a prediction "
                   "column such as probas:label or probas:correct; repeat for more "
                   "(default: none; the text and gold label are always written)")
    p.add_argument("--out", required=True,
                   help="points file: .parquet, .csv or .jsonl, one row per point with id, "
                   "index, x, y (z), the text and the gold label")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.api.types import SpecError
    from lumos.engine.export import export_rows, label_points
    from lumos.engine.projection import project

    out = check_out_path("--out", args.out, (".parquet", ".csv", ".jsonl"))
    config: dict[str, object] = {"n_components": args.dims, "seed": args.seed}
    if args.neighbors is not None:
        if args.method != "umap":
            raise UsageError("--neighbors: only applies to --method umap")
        config["n_neighbors"] = args.neighbors
    if args.perplexity is not None:
        if args.method != "tsne":
            raise UsageError("--perplexity: only applies to --method tsne")
        config["perplexity"] = args.perplexity
    ws, mname, dname = workspace_from_args(args)
    no_embeddings(ws.model(mname), mname, "projected")
    try:
        res = project(ws, mname, dname, args.field, args.method, config, layer=args.layer,
                      tokens=args.tokens, progress=f"embed {mname}")
    except SpecError as e:
        msg = str(e)
        flag = "--layer" if msg.startswith("layer") else "--field" if "field" in msg \
            else "--method"
        raise flag_error(flag, e) from None
    try:
        points = label_points(ws, mname, dname, res["points"], args.with_columns)
    except SpecError as e:
        raise UsageError(f"--with: {e}") from None
    export_rows(points, out)
    how = "cached" if res["cached"] else "computed"
    print(f"{how} {args.method} projection of '{args.field}' ({points.num_rows} points, "
          f"{args.dims}-D); wrote {out}")
    return 0
