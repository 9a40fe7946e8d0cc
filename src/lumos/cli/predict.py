"""`lumos predict`: run a model over a dataset and write the outputs to a file."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    workspace_from_args,
)
from lumos.cli.main import UsageError

if TYPE_CHECKING:
    from lumos.api.model import Model


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("predict", help="predict on a dataset; write Parquet/CSV/JSONL",
                       description="Run a model over a dataset (batched, cached) and write "
                       "inputs and outputs to a file. By default only the model's cheap "
                       "outputs are written (predictions, scores, tokens, pooled "
                       "embeddings); attention and per-token embeddings, which can take "
                       "gigabytes for a dataset, only when asked for.")
    add_model_dataset_args(p)
    p.add_argument("--out", required=True,
                   help="output file: .parquet, .csv or .jsonl; columns: id, the dataset's "
                   "columns with gold fields as gold:<field>, then per prediction "
                   "<field>:label, <field>:score and one <field>:<class> probability per "
                   "class in the model's order (Parquet also keeps the class order in its "
                   "schema metadata)")
    p.add_argument("--fields", default=None,
                   help="comma-separated output fields to write (default: the model's "
                   "cheap fields, i.e. all but attention, per-token embeddings and "
                   "gradients; 'default' names that set)")
    p.add_argument("--with-attention", action="store_true",
                   help="also write the attention weights (default: off)")
    p.add_argument("--with-embeddings", action="store_true",
                   help="also write per-token (and per-layer) embeddings (default: off)")
    p.set_defaults(func=run)


def output_fields(model: Model, name: str, fields: str | None, *, attention: bool = False,
                  embeddings: bool = False) -> list[str]:
    """The fields ``lumos predict`` writes: ``fields`` (comma-separated names, or None /
    'default' for the model's cheap fields), plus every attention field with
    ``attention`` and every per-token or per-layer embedding field with ``embeddings``."""
    from lumos.api.types import AttentionHeads, Embeddings, TokenEmbeddings

    spec = model.output_spec()
    if fields is None or fields == "default":
        chosen = model.default_fields()
    else:
        chosen = [f.strip() for f in fields.split(",") if f.strip()]
        unknown = [f for f in chosen if f not in spec]
        if unknown:
            from lumos.cli.common import did_you_mean

            raise UsageError(f"--fields: '{unknown[0]}' is not an output of '{name}'"
                             f"{did_you_mean(unknown[0], list(spec))} (fields: "
                             f"{', '.join(spec)}; or 'default')")
    for flag, wanted, kinds in (("--with-attention", attention, (AttentionHeads,)),
                                ("--with-embeddings", embeddings,
                                 (TokenEmbeddings, Embeddings))):
        if not wanted:
            continue
        extra = [f for f, fs in spec.items() if isinstance(fs, kinds) and fs.expensive]
        if not extra:
            raise UsageError(f"{flag}: model '{name}' has no such output "
                             f"(fields: {', '.join(spec)})")
        chosen += [f for f in extra if f not in chosen]
    return chosen


def run(args: argparse.Namespace) -> int:
    from lumos.engine.export import export_rows, prediction_table, readable

    out = check_out_path("--out", args.out, (".parquet", ".csv", ".jsonl"))
    ws, name, dname = workspace_from_args(args)
    model = ws.model(name)
    fields = output_fields(model, name, args.fields, attention=args.with_attention,
                           embeddings=args.with_embeddings)
    table = prediction_table(ws, name, dname, fields, progress=f"predict {name}")
    written = export_rows(table, out, model_name=name)
    columns = readable(table.slice(0, 0), model_name=name).column_names
    print(f"wrote {table.num_rows} rows to {written}; columns: {', '.join(columns)}")
    return 0
