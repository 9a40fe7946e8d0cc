"""Run the benchmarks, one process each, and write their figures as JSON.

    .venv/bin/python benchmarks/run.py [--quick] [--only table,engine] [--out bench.json]

Each benchmark prints its side-by-side figures (see RESULTS.md for what they mean); this
runner keeps every printed line and the numbers in it (value and unit, e.g. ``1.23 s``,
``0.98x``, ``45 ms``), the command, its exit code and wall time, when it ran, at which
commit, and the machine's load average before and after. ``results.json`` holds the
latest record of each benchmark: running a subset replaces only those records, and
``benchmarks/report.py`` (run after this by ``make bench``) writes ``RESULTS.md`` from
it. ``--quick`` runs each on a small input (a smoke run: the ratios are noisy) and
writes ``results.quick.json`` instead, so a smoke run never replaces recorded figures.
The projector frame-rate benchmark needs Chromium and the built UI; it is skipped with
a note when either is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: name -> (script, full-run args, quick-run args)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "table": ("bench_table.py", [], ["--rows", "20000", "--repeat", "3"]),
    "engine": ("bench_engine.py", [], ["--n", "64", "--repeat", "1"]),
    "salience": ("bench_salience.py", [],
                 ["--ig-examples", "8", "--steps", "8", "--lime-examples", "4",
                  "--samples", "64", "--repeat", "1"]),
    "projections": ("bench_projections.py", [], ["--n", "300"]),
    "live_edit": ("bench_live_edit.py", [], ["--n", "8"]),
    "projector_fps": ("bench_projector_fps.py", [],
                      ["--points", "100000", "--seconds", "1"]),
    "audit": ("bench_audit.py", ["--out", "benchmarks/audit_results.json"],
              ["--suites", "tfidf", "--n", "100"]),
    # 200 tweets at 60 candidates (ablation) / queries (attack) per tweet: the one-by-one
    # baseline at the script's default budget (200) takes over an hour on a loaded machine
    "counterfactuals": ("bench_counterfactuals.py", ["--n", "200", "--budget", "60"],
                        ["--n", "10", "--budget", "60"]),
    "highlight": ("bench_highlight.py", [], ["--tokens", "2000", "--repeat", "2"]),
}

NUMBER = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.\d+)?)\s*(x|%|ms|s|MB|GB|ex/s|/s)?(?![\w.])")


def figures(line: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for m in NUMBER.finditer(line):
        out.append({"value": float(m.group(1).replace(",", "")), "unit": m.group(2) or ""})
    return out


def missing_requirement(name: str) -> str | None:
    if name != "projector_fps":
        return None
    if not Path("/usr/bin/chromium").exists():
        return "needs /usr/bin/chromium"
    if not (ROOT / "src" / "lumos" / "server" / "static" / "index.html").exists():
        return "needs the built UI (make ui)"
    return None


def run(name: str, quick: bool, timeout: float) -> dict[str, object]:
    script, full, small = BENCHMARKS[name]
    cmd = [sys.executable, str(HERE / script), *(small if quick else full)]
    why = missing_requirement(name)
    if why:
        return {"name": name, "command": cmd, "skipped": why}
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load_before = round(os.getloadavg()[0], 2)
    start = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        code, stdout, stderr = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        code = -1
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stderr = f"timed out after {timeout:.0f} s"
    lines = [ln.rstrip() for ln in stdout.splitlines() if ln.strip()]
    return {"name": name, "command": [Path(c).name if c == sys.executable else
                                      os.path.relpath(c, ROOT) if c.startswith(str(ROOT))
                                      else c for c in cmd],
            "returncode": code, "quick": quick, "started": started,
            "commit": commit(), "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2),
            "seconds": round(time.perf_counter() - start, 3),
            "lines": [{"text": ln, "figures": figures(ln)} for ln in lines],
            "stderr_tail": stderr.strip().splitlines()[-5:] if code else []}


def commit() -> str:
    """The checked-out commit, with ``+changes`` when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def load_records(path: Path) -> dict[str, dict[str, object]]:
    """The records already in ``path`` by benchmark name (an older file holding one
    run's list, with the run's header fields, is read too)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data.get("benchmarks", {})
    if isinstance(records, list):  # the one-run layout of earlier files
        head = {k: data[k] for k in ("quick", "python", "started") if k in data}
        records = {r["name"]: {**head, **r} for r in records}
    return dict(records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small inputs (a smoke run)")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {list(BENCHMARKS)}")
    ap.add_argument("--out", default=None,
                    help="JSON file to update (default: benchmarks/results.json, or "
                         "benchmarks/results.quick.json with --quick)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per benchmark")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"--only: unknown benchmark {unknown[0]!r} (benchmarks: {list(BENCHMARKS)})")
    out = Path(args.out) if args.out else \
        HERE / ("results.quick.json" if args.quick else "results.json")
    records = load_records(out)
    results = []
    for name in names:
        print(f"running {name} ...", flush=True)
        res = run(name, args.quick, args.timeout)
        status = res.get("skipped") or f"exit {res['returncode']} in {res['seconds']} s"
        print(f"  {status}", flush=True)
        results.append(res)
        if "skipped" not in res:  # a skipped run keeps the figures recorded before
            records[name] = res
        out.write_text(json.dumps({"benchmarks": {n: records[n] for n in BENCHMARKS
                                                  if n in records}}, indent=2) + "\n",
                       encoding="utf-8")  # after each one: a killed run keeps the others
    print(f"wrote {out}")
    failed = [r["name"] for r in results if r.get("returncode") not in (0, None)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
