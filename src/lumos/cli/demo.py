"""`lumos demo`: list the built-in demos or start one in the workbench."""

from __future__ import annotations

import argparse

from lumos.cli.main import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="list or start a built-in demo",
                       description="Start a built-in demo (real models and data that ship "
                       "inside packages) in the browser workbench.")
    p.add_argument("name", nargs="?", default=None,
                   help="demo to start (default: none, the demos are listed as by --list)")
    p.add_argument("--list", action="store_true", help="list the demos and exit (default: off)")
    p.add_argument("--port", type=int, default=5432, help="port (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default: %(default)s; others need --token)")
    p.add_argument("--token", default=None,
                   help="access token for non-loopback binds (default: none on "
                   "127.0.0.1; generated and printed for other addresses)")
    p.add_argument("--open", action="store_true", help="open a browser tab (default: off)")
    p.add_argument("--print", dest="print_only", action="store_true",
                   help="print a few predictions instead of serving the workbench "
                   "(default: off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lumos.demos import all_demos

    demos = all_demos()
    if args.list or args.name is None:
        width = max(len(n) for n in demos)
        for name, d in demos.items():
            print(f"{name:<{width}}  {d.description}")
            if d.notes:
                print(f"{'':<{width}}  ({d.notes})")
        if not args.list:
            print("\nstart one with: lumos demo NAME")
        return 0
    if args.name not in demos:
        raise UsageError(f"no demo named '{args.name}' (demos: {', '.join(sorted(demos))})")
    demo = demos[args.name]
    if args.print_only:
        return _print_predictions(demo)
    try:
        from lumos.server.serve import serve
    except ImportError:
        print("the workbench is not available in this install; printing predictions")
        return _print_predictions(demo)
    from lumos.server.serve import PortInUse, check_port

    try:
        check_port(args.host, args.port)  # before the demo builds (it may train a model)
    except PortInUse as e:
        raise UsageError(f"--port: {e.strerror}") from None
    models, datasets = demo.build()
    serve(models=models, datasets=datasets, port=args.port, host=args.host, token=args.token,
          open_browser=args.open)
    return 0


def _print_predictions(demo: object) -> int:
    import numpy as np

    from lumos.api.types import MulticlassPreds
    from lumos.engine import Engine

    models, datasets = demo.build()  # type: ignore[attr-defined]
    dname, ds = next(iter(datasets.items()))
    engine = Engine()
    examples = ds.examples(range(min(8, len(ds))))
    from lumos.demos.base import materialise

    for mname, factory in models.items():
        model = materialise(factory)
        print(f"\n== {mname} on {dname}: {model.description()}")
        outs = engine.predict(model, examples, model_name=mname)
        spec = model.output_spec()
        for ex, out in zip(examples, outs, strict=True):
            text = next((v for v in ex.values() if isinstance(v, str) and v != ex["id"]), "")
            shown = []
            for f, v in out.items():
                fs = spec[f]
                if isinstance(fs, MulticlassPreds):
                    shown.append(f"{f}={fs.vocab[int(np.argmax(v))]} ({float(np.max(v)):.2f})")
                elif isinstance(v, str | float | int):
                    shown.append(f"{f}={v}")
            print(f"  {text[:70]!r:<74} {'; '.join(shown)}")
    return 0
