"""`lumos generate`: counterfactuals of a dataset's rows, with their statistics.

    lumos generate --model sentiment:tfidf-logreg --dataset tweets --limit 20 \\
        --generator word_replace --option "rules=great -> terrible" --out cf.jsonl

Runs through ``lumos.engine.generate.generate`` (what the server and Python call) and
``lumos.engine.counterfactual_stats.run_statistics``, so the three report the same
numbers. Writes one row per counterfactual to ``--out`` (JSONL, CSV or Parquet by its
suffix) and every statistic to the sidecar ``<out>.stats.json``; prints the headline.

``--option KEY=VALUE`` sets a generator option (checked against the generator's typed
Config; repeatable), as ``lumos explain --option`` sets a method's; ``--config FILE.py``
is the ``models``/``datasets`` file, as in every other command.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import typing
from pathlib import Path
from typing import Any

from lumos.cli.common import (
    add_model_dataset_args,
    check_out_path,
    did_you_mean,
    workspace_from_args,
)
from lumos.cli.main import UsageError

OUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
DESCRIPTION = """\
Generate counterfactuals of a dataset's rows with a registered generator, predict
them, check their validity, and write them with a sidecar JSON of statistics (flip
rate, accuracy drop, group gaps, attack summary; raw and validity-filtered, with 95%
intervals over the original rows): the numbers lumos.generate(...) and then
run_statistics(...) give in Python."""
EXAMPLES = """examples:
  lumos generate --list
  lumos generate --model sentiment:tfidf-logreg --dataset tweets --sample 200 \\
      --generator synonyms --out cf.jsonl
  lumos generate --model sentiment --dataset tweets --limit 100 \\
      --generator word_replace --option "rules=great -> terrible | awful" --out cf.csv
  lumos generate --model sentiment --dataset tweets --sample 500 \\
      --generator group_swap --option group=gender --out swaps.parquet
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("generate", help="counterfactuals (synonyms, flips, group swaps, "
                       "...) and their statistics",
                       description=DESCRIPTION,
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_dataset_args(p, required_unless="--list")
    p._option_string_actions["--seed"].help = (
        "seed of --sample and of the bootstrap intervals (a generator's own random draws "
        "take --option seed=N) (default: %(default)s)")
    p.add_argument("--generator", default=None,
                   help="generator id, e.g. synonyms, word_replace, ablation_flips, "
                   "greedy_attack, group_swap (required unless --list; default: none; "
                   "see --list)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="generator option, e.g. max_set_size=2 or 'rules=good -> bad' "
                   "(repeatable, checked against the generator's config; see --list; "
                   "default: none, the generator's defaults)")
    p.add_argument("--out", default=None,
                   help="counterfactual rows: .jsonl, .csv or .parquet; the statistics go "
                   "to <out without suffix>.stats.json beside it (required unless --list; "
                   "default: none)")
    p.add_argument("--list", action="store_true",
                   help="list the registered generators with their tasks and config "
                   "options, then exit (default: off)")
    p.add_argument("--reference", default=None,
                   help="class whose score shift and group gaps are reported (default: "
                   "the model's last class, e.g. positive)")
    p.add_argument("--delta", type=float, default=0.02,
                   help="a group gap is flagged when its interval lies outside "
                   "±delta, in probability (default: %(default)s)")
    p.add_argument("--min-pairs", type=int, default=30,
                   help="below this many original rows with a swap, a group gap's "
                   "verdict is 'not enough evidence' (default: %(default)s)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: off, a progress bar on stderr)")
    p.set_defaults(func=run)


# ------------------------------------------------------------------ generators, config
def generators() -> dict[str, type[Any]]:
    from lumos.api import registry

    return dict(sorted(registry.available("generator").items()))


def pick_generator(name: str | None) -> Any:
    """The generator instance for --generator; unknown ids list the registered ones."""
    known = generators()
    if not name:
        raise UsageError("--generator: required (one of " + ", ".join(known)
                         + "; see lumos generate --list)")
    if name not in known:
        raise UsageError(f"--generator: no generator named '{name}'"
                         f"{did_you_mean(name, list(known))} (generators: "
                         f"{', '.join(known)}; see lumos generate --list)")
    return known[name]()


def _field_types(config_cls: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(config_cls)
    except Exception:  # an annotation that cannot be resolved: read values as text
        return {f.name: str for f in dataclasses.fields(config_cls)}


def _coerce(gen_id: str, key: str, raw: str, kind: Any) -> Any:
    """``raw`` (command-line text) as the config field's type."""
    if kind is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise UsageError(f"--option: {gen_id} option '{key}' is true/false, got {raw!r}")
    for t, what in ((int, "an integer"), (float, "a number")):
        if kind is t:
            try:
                return t(raw)
            except ValueError:
                raise UsageError(f"--option: {gen_id} option '{key}' must be {what}, got "
                                 f"{raw!r}") from None
    if kind is str or kind is Any:
        return raw.replace("\\n", "\n")
    import orjson

    try:  # lists, tuples, mappings: JSON
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UsageError(f"--option: {gen_id} option '{key}' takes JSON "
                         f"({kind}), got {raw!r}") from None


def parse_config(gen: Any, options: list[str]) -> Any:
    """The generator's typed Config from KEY=VALUE items; unknown keys list the known."""
    from lumos.api.types import SpecError

    fields = {f.name: f for f in dataclasses.fields(gen.Config)}
    types = _field_types(gen.Config)
    values: dict[str, Any] = {}
    for item in options:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--option: expected KEY=VALUE (an option of {gen.id}), got "
                             f"{item!r}")
        if key not in fields:
            raise UsageError(f"--option: {gen.id} has no option '{key}'"
                             f"{did_you_mean(key, list(fields))} (options: "
                             f"{', '.join(fields) or 'none'}; see lumos generate --list)")
        values[key] = _coerce(gen.id, key, raw, types.get(key, str))
    try:
        return gen.make_config(values)
    except SpecError as e:
        raise UsageError(f"--option: {e}") from None


def describe_generators() -> str:
    """`lumos generate --list`: every generator with its tasks and options."""
    lines = []
    for gid, cls in generators().items():
        tasks = ", ".join(sorted(cls.tasks))
        model = "needs a model" if cls.needs_model else "model optional"
        lines.append(f"{gid}  ({cls.display_name or gid}; v{cls.version}; tasks: {tasks}; "
                     f"{model})")
        for f in cls.config_schema():
            default = f["default"]
            shown = "" if default is None else repr(default)
            if len(shown) > 40:
                shown = shown[:37] + "..."
            help_ = f"  {f['help']}" if f["help"] else ""
            lines.append(f"    {f['name']}={shown}{help_}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------- rows
def write_rows(records: list[dict[str, Any]], path: Path) -> Path:
    import pyarrow as pa

    from lumos.datasets.export import write_table

    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(r))
    table = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in records]) \
        if records else pa.table({"id": pa.array([], pa.string())})
    return write_table(table, path)


def stats_path(out: Path) -> Path:
    return out.with_name(out.stem + ".stats.json")


# --------------------------------------------------------------------------- headline
def _pct(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _interval(iv: dict[str, Any], scale: float = 100.0, unit: str = "%") -> str:
    est, lo, hi = iv.get("estimate"), iv.get("low"), iv.get("high")
    if est is None:
        return "n/a"
    text = f"{scale * est:+.1f}{unit}" if unit == " pts" else f"{scale * est:.1f}{unit}"
    if lo is None or hi is None:
        return text + " [interval n/a]"
    u = "%" if unit == "%" else ""
    return text + f" [{scale * lo:.1f}{u}, {scale * hi:.1f}{u}]"


def headline(stats: dict[str, Any], summary: dict[str, Any],
             attack_table: list[tuple[str, str]] | None = None) -> list[str]:
    """The lines `lumos generate` prints: counts, then per view (raw, valid) the flip
    rate and accuracy drop with their intervals, group gaps, and the attack summary
    (``attack_table``: ``AttackSummary.table()``, TextAttack's rows)."""
    v = summary["validity"]
    failed = ", ".join(f"{k} {n}" for k, n in summary["failed_checks"].items())
    lines = [f"validity: {v['valid']} valid, {v['invalid']} invalid"
             + (f" ({failed})" if failed else "") + f", {v['unknown']} not fully checked"]
    conf = int(round(100 * stats.get("confidence", 0.95)))
    for view, label in (("raw", "all rows"), ("valid", "validity-filtered")):
        s = stats.get(view, {})
        fr = s.get("flip_rate")
        if fr:
            where = " in this view" if view == "valid" else ""
            lines.append(f"{label}: flip rate {_interval(fr['worst_case'])} "
                         f"({fr['flipped_parents']} flipped of n = {fr['parents']} "
                         f"originals with a counterfactual{where}, of "
                         f"{summary['parents']} originals; Wilson {conf}%); mean over "
                         f"children {_interval(fr['mean_over_children'])} "
                         f"(n = {fr['parents']})")
        acc = s.get("accuracy")
        if acc:
            lines.append(f"{label}: accuracy {_pct(acc['original']['estimate'])} -> "
                         f"{_pct(acc['counterfactual']['estimate'])}, drop "
                         f"{_interval(acc['drop'], unit=' pts')} (bootstrap {conf}%, "
                         f"n = {acc['parents']} originals with a counterfactual)")
        ref = stats.get("reference_class")
        for d, g in (s.get("group_gap") or {}).items():
            lines.append(f"{label}: group gap {d} ({ref} score): "
                         f"{_interval(g['gap'], unit=' pts')} (n = {g['pairs']} originals "
                         f"with a swap {d}) -> {g['verdict']} (flagged outside "
                         f"±{100 * g['delta']:.1f} pts; at least {g['min_pairs']} "
                         "originals)")
    att = stats.get("attack_summary")
    if att and attack_table:
        attacked = att["succeeded"] + att["failed"]
        lines.append(f"attack summary (TextAttack's definitions; n = {att['total']} "
                     f"originals for the accuracies, n = succeeded + failed = {attacked} "
                     f"for the success rate and queries, skipped {att['skipped']} "
                     "excluded):")
        lines += [f"  {k:<32}{x}" for k, x in attack_table]
        lines.append(f"  {'success rate interval:':<32}"
                     f"{_interval(att['success_rate_interval'])} (Wilson {conf}%, "
                     f"n = {attacked})")
    return lines


# -------------------------------------------------------------------------------- run
def run(args: argparse.Namespace) -> int:
    if args.list:
        print(describe_generators())
        return 0
    for flag, value in (("--model", args.model), ("--dataset", args.dataset),
                        ("--out", args.out)):
        if not value:
            raise UsageError(f"{flag}: required (or use --list to see the generators)")
    out = check_out_path("--out", args.out, OUT_SUFFIXES)
    if args.min_pairs < 1:
        raise UsageError(f"--min-pairs: must be at least 1, got {args.min_pairs}")
    if args.delta < 0:
        raise UsageError(f"--delta: must be >= 0, got {args.delta}")
    gen = pick_generator(args.generator)
    if args.config and "=" in args.config:
        raise UsageError(f"--config: takes the Python file defining `models` and "
                         f"`datasets`; generator options are --option KEY=VALUE (got "
                         f"{args.config!r})")
    cfg = parse_config(gen, args.option)

    from lumos.api.component import model_task
    from lumos.api.types import SpecError
    from lumos.engine.counterfactual_stats import attack_summary_of, run_statistics
    from lumos.engine.generate import generate

    ws, mname, dname = workspace_from_args(args)
    model = ws.model(mname)
    ds = ws.dataset(dname)
    if not gen.is_compatible(model, ds.spec()):
        from lumos.engine.generate import compatible, incompatibility

        ok = [gid for gid, cls in generators().items()
              if compatible(cls, model, ds.spec())]
        raise UsageError(f"--generator: {gen.id} cannot run on model '{mname}': "
                         f"{incompatibility(gen, model, ds.spec())}; generators that can: "
                         f"{', '.join(ok) or 'none'}")
    check_reference(args.reference, mname, model)
    try:
        result = generate(ws, mname, dname, gen, cfg,
                          progress=False if args.quiet else f"generate {gen.id}")
    except (SpecError, ValueError) as e:  # options a generator only checks when it runs
        if "config option" in str(e):
            raise UsageError(f"--option: {e} (set it with --option KEY=VALUE; see lumos "
                             "generate --list)") from None
        if isinstance(e, SpecError):
            raise UsageError(f"--generator: {e}") from None
        raise
    summary = result.summary()
    stats: dict[str, Any] | None = None
    why_no_stats = ""
    if model_task(model) == "classification":
        try:
            stats = run_statistics(result, model, reference=args.reference,
                                   delta=args.delta, min_pairs=args.min_pairs,
                                   seed=args.seed)
        except ValueError as e:
            if "reference" in str(e):
                raise UsageError(f"--reference: {e}") from None
            raise
    else:
        why_no_stats = (f"statistics are computed for classifiers; model '{mname}' is a "
                        f"{model_task(model)} model, so only counts are written")
    from lumos.engine.counterfactual_rows import rows_of

    written = write_rows(rows_of(result, model), out)
    import orjson

    sidecar = {"model": mname, "dataset": dname, "generator": result.generator,
               "version": result.version, "config": _config_json(result.config),
               "config_hash": result.config_hash, "rows_file": written.name,
               "summary": summary, "statistics": stats}
    if why_no_stats:
        sidecar["statistics_note"] = why_no_stats
    side = stats_path(out)
    side.write_bytes(orjson.dumps(sidecar, default=str, option=orjson.OPT_INDENT_2
                                  | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS))
    statuses = ", ".join(f"{k} {n}" for k, n in summary["statuses"].items())
    print(f"generated {summary['rows']} counterfactuals from {summary['parents']} rows "
          f"of {dname} with {result.generator} v{result.version} (config "
          f"{result.config_hash[:12]}); statuses: {statuses or 'none'}")
    if stats is not None:
        table = attack_summary_of(result.results).table() \
            if "attack_summary" in stats else None
        for line in headline(stats, summary, table):
            print(line)
    else:
        print(why_no_stats, file=sys.stderr)
    print(f"wrote {summary['rows']} rows to {written}; statistics to {side}")
    return 0


def check_reference(reference: str | None, mname: str, model: Any) -> None:
    """--reference names a class of the model's first class-probability output."""
    if reference is None:
        return
    from lumos.api import types as T

    preds = [fs for fs in model.output_spec().values() if isinstance(fs, T.MulticlassPreds)]
    if not preds:
        raise UsageError(f"--reference: model '{mname}' gives no class probabilities; "
                         "drop the flag")
    vocab = list(preds[0].vocab or ())
    if vocab and reference not in vocab:
        raise UsageError(f"--reference: '{reference}' is not a class of model '{mname}' "
                         f"(classes: {', '.join(vocab)})")


def _config_json(cfg: Any) -> Any:
    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}
    return cfg
