"""`lumos cache info | prune | clear`: what the store caches, and making it smaller.

Only the cache is ever removed (model outputs, interpretations, projections, tables set
aside from older schemas); saved slices, datapoints and settings are never touched.
"""

from __future__ import annotations

import argparse
from typing import Any

from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("cache", help="show, prune or clear the prediction cache",
                       description="The store ($LUMOS_HOME/store.sqlite, else the user "
                       "cache dir) caches every prediction, map and projection, keyed by "
                       "model weights and example content. These commands show it and "
                       "make it smaller; saved slices, datapoints and settings are kept.")
    p.add_argument("--store", default=None, metavar="FILE",
                   help="the store file (default: $LUMOS_HOME/store.sqlite, else the user "
                   "cache dir)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="what is cached, per model (default action)")
    info.add_argument("--json", action="store_true",
                      help="print JSON instead of a table (default: off)")
    prune = actions.add_parser("prune", help="drop old-schema tables and models unused "
                               "for a while, then compact the file")
    prune.add_argument("--unused-days", type=float, default=30.0, metavar="DAYS",
                       help="drop the cache of models not used for DAYS days (default: "
                       "%(default)s)")
    clear = actions.add_parser("clear", help="delete cached values (all, or one model's)")
    clear.add_argument("--model", default=None, metavar="NAME",
                       help="only this model: its name as it was used (a demo or config "
                       "name), or its key or a key prefix from `lumos cache info` "
                       "(default: every model)")
    p.set_defaults(func=run)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def run(args: argparse.Namespace) -> int:
    from lumos.store import Store, default_store_path

    path = args.store or default_store_path()
    store = Store(path)
    try:
        if args.action == "info":
            return _info(store, args)
        if args.action == "prune":
            got = store.prune(unused_days=args.unused_days)
            print(f"pruned {path}: {got['set_aside_rows']} values from older schemas, "
                  f"{got['rows']} values of {got['models']} models unused for "
                  f"{args.unused_days:g} days; the file is now "
                  f"{_size(store.cache_info()['bytes'])}")
            return 0
        model_keys = None
        if args.model is not None:
            model_keys = store.models_named(args.model)
            demo_keys = None if model_keys else _demo_model_keys(store, args.model)
            if demo_keys is not None and not demo_keys:  # a demo with nothing cached
                print(f"nothing cached for demo '{args.model}' in {path}")
                return 0
            model_keys = model_keys or demo_keys
            if not model_keys:
                names = sorted({m["name"] for m in store.cache_info()["models"]})
                raise UsageError(f"--model: nothing cached for '{args.model}' (cached "
                                 f"models: {', '.join(names) or 'none'}; see `lumos cache "
                                 "info`)")
        n = store.clear_cache(model_keys)
        what = f"model '{args.model}'" if args.model else "every model"
        print(f"cleared {n} cached values of {what} from {path}")
        return 0
    finally:
        store.close()


def _demo_model_keys(store: Any, name: str) -> list[str] | None:
    """The cached keys of a demo's models, for ``--model sentiment`` (its models are
    cached under their own names, e.g. ``minilm-sentiment``) or ``sentiment:member``;
    None when ``name`` names no demo."""
    from lumos.demos import all_demos

    demo_name, _, member = name.partition(":")
    demo = all_demos().get(demo_name)
    if demo is None:
        return None
    models, _ = demo.build(progress=False)
    keys: list[str] = []
    for m in ([member] if member else list(models)):
        keys += [k for k in store.models_named(m) if k not in keys]
    return keys


def _info(store: Any, args: argparse.Namespace) -> int:
    info = store.cache_info()
    if args.json:
        import json

        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['path']} (store schema {info['schema']}, {_size(info['bytes'])} on disk)")
    if not info["models"]:
        print("  no cached model outputs")
    for m in info["models"]:
        derived = ", ".join(f"{k} {v['rows']}" for k, v in sorted(m["derived"].items()))
        print(f"  {m['name']:<24} {m['key'][:12]}  {m['rows']:>8} values  "
              f"{_size(m['bytes']):>9}" + (f"  (maps: {derived})" if derived else ""))
    p = info["projections"]
    if p["rows"]:
        print(f"  projections              {p['rows']:>8} stored  {_size(p['bytes']):>9}")
    for table, rows in info["set_aside"].items():
        print(f"  {table}: {rows} values from an older schema (`lumos cache prune` drops "
              "them)")
    return 0
