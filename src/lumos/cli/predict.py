"""`lumos predict`: run a model over a dataset and write the outputs to a file."""

from __future__ import annotations

import argparse

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    workspace_from_args,
)
from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("predict", help="predict on a dataset; write Parquet/CSV/JSONL",
                       description="Run a model over a dataset (batched, cached) and write "
                       "inputs and outputs, including attention and embeddings, to a file.")
    add_model_dataset_args(p)
    p.add_argument("--out", required=True, help="output file: .parquet, .csv or .jsonl")
    p.add_argument("--fields", default=None,
                   help="comma-separated output fields (default: every field except "
                   "gradients; 'default' for the cheap ones only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.api.types import TokenGradients
    from lumos.datasets.export import rows_to_table, write_table

    out = check_out_path("--out", args.out, (".parquet", ".csv", ".jsonl"))
    ws, name, dname = workspace_from_args(args)
    model, ds = ws.model(name), ws.dataset(dname)
    spec = model.output_spec()
    if args.fields is None:
        fields = [f for f, fs in spec.items() if not isinstance(fs, TokenGradients)]
    elif args.fields == "default":
        fields = model.default_fields()
    else:
        fields = [f.strip() for f in args.fields.split(",") if f.strip()]
        unknown = [f for f in fields if f not in spec]
        if unknown:
            raise UsageError(f"--fields: '{unknown[0]}' is not an output of '{name}' "
                             f"(fields: {', '.join(spec)})")
    examples = ds.examples(range(len(ds)))
    outputs = ws.engine.predict(model, examples, fields=fields, model_name=name,
                               progress=f"predict {name}")
    inputs = [c for c in ds.spec() if c in examples[0]] if examples else []
    rows = [{"id": ex["id"], **{c: ex.get(c) for c in inputs},
             **{f"{name}:{f}" if f in inputs else f: o[f] for f in fields}}
            for ex, o in zip(examples, outputs, strict=True)]
    names = ["id", *inputs, *[f"{name}:{f}" if f in inputs else f for f in fields]]
    write_table(rows_to_table(rows, names), out)
    print(f"wrote {len(rows)} rows x {len(names)} columns to {out}")
    return 0
