"""`lumos agreement` and `lumos randomisation`: how far to trust a salience method.

    lumos agreement --model sentiment --dataset tweets --limit 50 \\
        --method grad_dot_input --method occlusion
    lumos randomisation --model sentiment --dataset tweets --limit 20 \\
        --method grad_dot_input --out sanity.json

Thin callers of ``lumos.engine.agreement.agreement`` and
``lumos.engine.randomisation.randomisation_check`` (what the server's routes call):
they print a table and, with ``--out``, write the result as JSON.
"""

from __future__ import annotations

import argparse
from typing import Any

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    flag_error,
    workspace_from_args,
)
from lumos.cli.explain import parse_options
from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    a = sub.add_parser("agreement", help="rank agreement of salience methods' maps",
                       description="Run two or more token salience methods and give the "
                       "mean Spearman and Kendall correlation of each pair's maps.")
    add_model_dataset_args(a)
    a.add_argument("--method", action="append", required=True,
                   help="a token salience method id (give two or more)")
    a.add_argument("--absolute", action="store_true",
                   help="compare magnitudes instead of signed maps (default: off)")
    a.add_argument("--out", default=None,
                   help="write the result as JSON (default: none, a summary is printed)")
    a.set_defaults(func=run_agreement)

    r = sub.add_parser("randomisation", help="model-randomisation sanity check",
                       description="Re-initialise a torch model's layers from the top, one "
                       "more each step, and give the rank correlation of the method's maps "
                       "with the trained model's (Adebayo et al., 2018).")
    add_model_dataset_args(r)
    r.add_argument("--method", required=True, help="a token salience method id")
    r.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="method option, e.g. steps=16 (repeatable; default: the method's "
                   "defaults)")
    r.add_argument("--max-steps", type=int, default=None,
                   help="re-initialise at most this many layer groups (default: all of "
                   "them)")
    r.add_argument("--out", default=None,
                   help="write the result as JSON (default: none, a summary is printed)")
    r.set_defaults(func=run_randomisation)


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def _write(path: str | None, result: Any) -> None:
    if path is None:
        return
    import orjson

    out = check_out_path("--out", path, (".json",))
    out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 |
                                 orjson.OPT_SERIALIZE_NUMPY))
    print(f"wrote {out}")


def check_methods(methods: list[str], mname: str, model: Any, dataset_spec: Any) -> None:
    """Each --method must exist and apply to the model; else name the ones that do."""
    from lumos.api.types import SpecError
    from lumos.cli.explain import method_mismatch
    from lumos.engine.interpret import get_interpreter

    for m in methods:
        try:
            interp = get_interpreter(m)
        except SpecError as e:
            raise flag_error("--method", e) from None
        if not interp.is_compatible(model, dataset_spec):
            raise UsageError(method_mismatch(m, mname, model, dataset_spec))


def run_agreement(args: argparse.Namespace) -> int:
    from lumos.api.types import SpecError
    from lumos.engine.agreement import agreement

    if len(args.method) < 2:
        raise UsageError("--method: give at least two methods to compare")
    ws, mname, dname = workspace_from_args(args)
    ds = ws.dataset(dname)
    check_methods(args.method, mname, ws.model(mname), ds.spec())
    try:
        result = agreement(ws, mname, ds.examples(range(len(ds))),
                           [(m, None) for m in args.method], absolute=args.absolute)
    except SpecError as e:
        raise flag_error("--method", e) from None
    print(f"agreement of {', '.join(result['methods'])} on {len(ds)} examples of {dname} "
          f"({mname})")
    for p in result["pairs"]:
        print(f"  {p['a']} ~ {p['b']}: spearman {_fmt(p['spearman'])}, kendall "
              f"{_fmt(p['kendall'])} (n={p['n']}, skipped {p['skipped']})")
    _write(args.out, result)
    return 0


def run_randomisation(args: argparse.Namespace) -> int:
    from lumos.api.types import SpecError
    from lumos.engine.randomisation import randomisation_check, randomisation_steps

    ws, mname, dname = workspace_from_args(args)
    ds = ws.dataset(dname)
    try:
        if not randomisation_steps(ws.model(mname)):
            raise SpecError("its torch module has no layers with weights to re-initialise")
    except SpecError as e:
        raise UsageError(f"--model: the randomisation check cannot run on '{mname}': {e}; "
                         "use a PyTorch model, e.g. --model sentiment") from None
    check_methods([args.method], mname, ws.model(mname), ds.spec())
    try:
        result = randomisation_check(ws, mname, ds.examples(range(len(ds))), args.method,
                                     parse_options(args.option), seed=args.seed,
                                     max_steps=args.max_steps)
    except SpecError as e:
        raise flag_error("--method", e) from None
    print(f"randomisation check of {result['method']} on {len(ds)} examples of {dname} "
          f"({mname}): rank correlation with the trained model's maps")
    for s in result["steps"]:
        print(f"  up to {s['layer']:<32} rho {_fmt(s['rank'])}  |rho| {_fmt(s['abs_rank'])}")
    _write(args.out, result)
    return 0
