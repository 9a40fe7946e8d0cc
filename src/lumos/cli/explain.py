"""`lumos explain`: salience maps of a model on a dataset, as Parquet or HTML.

    lumos explain --model sentiment --dataset tweets --method integrated_gradients \\
        --option steps=32 --limit 100 --out salience.parquet

Runs through ``lumos.engine.interpret.explain`` (the function the server and Python users
call, so the numbers are the same) with the store's cache, then scores every map's
faithfulness (ERASER comprehensiveness / sufficiency / AOPC) unless ``--no-faithfulness``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    flag_error,
    workspace_from_args,
)
from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("explain", help="salience maps (IG, LIME, SHAP, ...) to Parquet/HTML",
                       description="Explain a model's predictions on a dataset with a "
                       "salience method and write one map per example.")
    add_model_dataset_args(p)
    p.add_argument("--method", required=True,
                   help="salience method id: integrated_gradients, grad_dot_input, "
                   "gradient_norm, lime, kernel_shap, occlusion, attention_rollout, "
                   "sequence_salience (generation models)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="method option, e.g. steps=32, n_samples=500, target=positive "
                   "(repeatable; see --list-options; default: the method's defaults)")
    p.add_argument("--list-options", action="store_true",
                   help="print the method's options with defaults and exit (default: off)")
    p.add_argument("--out", default=None,
                   help="output file: .parquet (one row per example) or .html (required "
                   "unless --list-options; default: none)")
    p.add_argument("--no-faithfulness", action="store_true",
                   help="skip the comprehensiveness/sufficiency scores (default: off, "
                   "the scores are computed)")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute cached maps (default: off, cached maps are reused)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: off, a progress bar on stderr)")
    p.set_defaults(func=run)


def salience_methods(model: Any, dataset_spec: Any) -> list[str]:
    """Ids of the registered salience methods (token or sequence maps) that apply to
    ``model`` on a dataset of ``dataset_spec``."""
    from lumos.api import registry
    from lumos.api import types as T

    registry.load_all()
    found = []
    for cid, cls in sorted(registry.available("interpreter").items()):
        try:
            interp = cls()
            if not interp.is_compatible(model, dataset_spec):
                continue
            spec = interp.output_spec(model)
        except Exception:  # a third-party method that cannot judge this model
            continue
        if any(isinstance(fs, T.TokenSalience | T.SequenceSalience) for fs in spec.values()):
            found.append(cid)
    return found


def method_mismatch(method: str, mname: str, model: Any, dataset_spec: Any) -> str:
    """The --method message for a method that does not apply, naming those that do."""
    ok = salience_methods(model, dataset_spec)
    return (f"--method: {method} does not apply to model '{mname}'; "
            + (f"methods that do: {', '.join(ok)}" if ok else
               "no salience method applies to it (it exposes no gradients, tokens or "
               "probabilities a method can perturb)"))


def parse_options(items: Sequence[str]) -> dict[str, Any]:
    import orjson

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--option: expected KEY=VALUE, got {item!r}")
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def rows_for_table(ids: Sequence[str], method: str, field: str,
                   results: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Column lists for the Parquet file: one row per example."""
    cols: dict[str, list[Any]] = {k: [] for k in (
        "id", "method", "tokens", "salience", "target_output", "target_label",
        "target_position", "score", "delta", "comprehensiveness", "sufficiency",
        "aopc_comprehensiveness", "aopc_sufficiency")}
    for ex_id, r in zip(ids, results, strict=True):
        v = r[field]
        t = v.get("target") or {}
        f = r.get("faithfulness") or {}
        cols["id"].append(ex_id)
        cols["method"].append(method)
        cols["tokens"].append([str(x) for x in v["tokens"]])
        cols["salience"].append([float(x) for x in v["salience"]])
        cols["target_output"].append(t.get("output"))
        cols["target_label"].append(t.get("label"))
        cols["target_position"].append(t.get("position"))
        cols["score"].append(v.get("score"))
        cols["delta"].append(v.get("delta"))
        for k in ("comprehensiveness", "sufficiency", "aopc_comprehensiveness",
                  "aopc_sufficiency"):
            cols[k].append(f.get(k))
    return cols


def run(args: argparse.Namespace) -> int:
    from lumos.api import types as T
    from lumos.api.types import SpecError
    from lumos.components.metrics.erasure import summarize
    from lumos.engine.faithfulness import score_label
    from lumos.engine.interpret import explain, get_interpreter

    try:
        interp = get_interpreter(args.method)
    except SpecError as e:
        raise flag_error("--method", e) from None
    if args.list_options:
        for opt in interp.config_schema():
            print(f"{opt['name']:<20} default {opt['default']!r:<16} {opt['help']}")
        return 0
    if args.out is None:
        raise UsageError("--out: give an output file (.parquet or .html)")
    out = check_out_path("--out", args.out, (".parquet", ".html"))
    try:
        config = interp.make_config(parse_options(args.option))
    except SpecError as e:
        raise UsageError(f"--option: {e}") from None
    ws, mname, dname = workspace_from_args(args)
    model, ds = ws.model(mname), ws.dataset(dname)
    if not interp.is_compatible(model, ds.spec()):
        raise UsageError(method_mismatch(interp.id, mname, model, ds.spec()))
    spec = interp.output_spec(model)
    field = next(iter(spec))
    sequence = isinstance(spec[field], T.SequenceSalience)
    if not isinstance(spec[field], T.TokenSalience) and not sequence:
        raise UsageError(f"--method: {interp.id} does not produce salience maps; "
                         "use the Python API (lumos.engine.interpret.explain) for it")
    if sequence and not args.no_faithfulness and not args.quiet:
        print("note: faithfulness scores are computed for token salience maps, not for "
              "sequence salience; writing the matrices only")
    examples = ds.examples(range(len(ds)))
    try:
        results = explain(ws, mname, examples, interp, config, use_cache=not args.no_cache,
                          progress=False if args.quiet else f"{interp.id} {mname}",
                          faithfulness=not args.no_faithfulness and not sequence)
    except SpecError as e:
        raise UsageError(f"--option: {e}") from None
    ids = ws.engine.row_labels(model, examples)
    title = f"{interp.display_name}: {mname} on {dname}"
    print(f"{interp.display_name} on {len(results)} examples of {dname} ({mname})")
    if sequence:
        write_sequence(out, interp, field, ids, results, title=title)
    else:
        summary = summarize([r["faithfulness"] for r in results]) \
            if not args.no_faithfulness else None
        deltas = [abs(float(d)) for r in results
                  if (d := (r.get(field) or {}).get("delta")) is not None]
        if deltas:
            print(f"  {score_label('delta', sum(deltas) / len(deltas), digits=4)}"
                  " — mean |δ| over the examples")
        if summary is not None:
            print(f"  faithfulness, mean over {summary.get('n', len(results))} examples:")
            for k in ("comprehensiveness", "sufficiency", "aopc_comprehensiveness",
                      "aopc_sufficiency"):
                print(f"  {score_label(k, summary[k], digits=4)}")
        write(out, interp, field, ids, results, title=title, summary=summary,
              signed=spec[field].signed)
    print(f"wrote {out}")
    return 0


def write(out: Path, interp: Any, field: str, ids: Sequence[str],
          results: Sequence[Mapping[str, Any]], *, title: str,
          summary: Mapping[str, Any] | None, signed: bool = True) -> None:
    if out.suffix.lower() == ".html":
        from lumos.components.salience.html import render_html

        faith = [r.get("faithfulness") or {} for r in results] if summary else None
        out.write_text(render_html([r[field] for r in results], method=interp.id, title=title,
                                   signed=signed, faithfulness=faith, summary=summary),
                       encoding="utf-8")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = rows_for_table(ids, interp.id, field, results)
    table = pa.table({k: pa.array(v, type=pa.list_(pa.float32()) if k == "salience" else None)
                      for k, v in cols.items()})
    pq.write_table(table, out)


def write_sequence(out: Path, interp: Any, field: str, ids: Sequence[str],
                   results: Sequence[Mapping[str, Any]], *, title: str) -> None:
    """Sequence salience: one row per example with the source and generated tokens and
    the [generated, source + generated] matrix (Parquet), or a table per example (HTML)."""
    values = [r[field] for r in results]
    if out.suffix.lower() == ".html":
        from lumos.components.salience.html import render_sequence_html

        out.write_text(render_sequence_html(values, method=interp.id, title=title),
                       encoding="utf-8")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "id": pa.array(list(ids)),
        "method": pa.array([str(v.get("method", interp.id)) for v in values]),
        "source": pa.array([[str(t) for t in v["source"]] for v in values]),
        "target": pa.array([[str(t) for t in v["target"]] for v in values]),
        "salience": pa.array([[[float(x) for x in row] for row in v["salience"]]
                              for v in values], type=pa.list_(pa.list_(pa.float32()))),
    })
    pq.write_table(table, out)
