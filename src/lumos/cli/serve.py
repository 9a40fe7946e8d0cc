"""`lumos serve CONFIG.py`: serve the workbench for the models and datasets a file defines.

CONFIG.py is plain Python that defines ``models`` and ``datasets``: dicts from name to a
Model / Dataset, or to a zero-argument function that builds one (built in the
background, so the page opens at once and shows their progress).
"""

from __future__ import annotations

import argparse
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lumos.cli.main import UsageError


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the browser workbench for a config file",
        description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("config", type=Path, help="a Python file defining `models` and `datasets`")
    p.add_argument("--port", type=int, default=5432, help="port (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default: %(default)s; others need an access token)")
    p.add_argument("--token", default=None,
                   help="access token (default: none on 127.0.0.1; generated and "
                   "printed when binding beyond loopback)")
    p.add_argument("--store", default=None,
                   help="SQLite store for the cache and your datapoints (default: user cache)")
    p.add_argument("--open", action="store_true", help="open the page in a browser (default: off)")
    p.add_argument("--precompute", action="store_true",
                   help="predict every dataset with every model in the background "
                   "(default: off; predictions are made as the page asks)")
    p.add_argument("--audit-dir", type=Path, default=None,
                   help="a directory of audit JSON reports (lumos audit --json) the page "
                   "can open by name (default: none; reports can still be uploaded)")
    p.add_argument("--forwarded-host", action="append", default=None, metavar="NAME",
                   help="behind a reverse proxy: a public host name it sends in "
                   "X-Forwarded-Host, which then stands for the Host (repeatable; default: "
                   "the header is ignored)")
    p.add_argument("--frame-ancestor", action="append", default=None, metavar="SOURCE",
                   help="a CSP source that may show the page in a frame, e.g. "
                   "https://dash.example.org (repeatable; default: only the page itself)")
    p.set_defaults(func=run)


def load_config(path: Path) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if not path.is_file():
        raise UsageError(f"config: no such file '{path}'")
    try:
        ns = runpy.run_path(str(path), run_name="lumos_config")
    except Exception as e:
        raise UsageError(f"config: '{path}' failed: {type(e).__name__}: {e}") from None
    models, datasets = ns.get("models"), ns.get("datasets")
    for name, value in (("models", models), ("datasets", datasets)):
        if not isinstance(value, Mapping):
            raise UsageError(f"config: '{path}' must define `{name}` as a dict of name -> "
                             f"object or factory (found {type(value).__name__})")
    assert isinstance(models, Mapping) and isinstance(datasets, Mapping)
    return models, datasets


def run(args: argparse.Namespace) -> int:
    from lumos.server.serve import PortInUse, serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port: {args.port} is not a port number")
    if args.audit_dir is not None and not args.audit_dir.is_dir():
        raise UsageError(f"--audit-dir: '{args.audit_dir}' is not a directory")
    from lumos.server.security import SELF_ONLY, check_frame_sources

    try:
        frames = check_frame_sources([*SELF_ONLY, *(args.frame_ancestor or ())])
    except ValueError as e:
        raise UsageError(f"--frame-ancestor: {e}") from None
    models, datasets = load_config(args.config)
    try:
        serve(models, datasets, port=args.port, host=args.host, token=args.token,
              store=args.store, open_browser=args.open, precompute=args.precompute,
              audit_dir=args.audit_dir, forwarded_hosts=args.forwarded_host,
              frame_ancestors=frames)
    except ValueError as e:
        raise UsageError(f"--host/--token: {e}") from None
    except PortInUse as e:
        raise UsageError(f"--port: {e.strerror}") from None
    except OSError as e:
        raise UsageError(f"--port: cannot listen on {args.host}:{args.port}: {e}") from None
    return 0
