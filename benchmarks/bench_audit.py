"""`lumos audit` against its budget (issue 14, part 7): cold and warm cache, model calls.

Two runs of the example suite, ``examples/audit/sentiment.yaml``, each as the CLI a CI
job would run (``lumos audit SUITE --json r.json --quiet`` in a fresh process):

- tfidf: its quality, robustness and fairness checks with the model swapped for the
  TF-IDF baseline (``sentiment:tfidf-logreg``) and every size capped at 1,000 tweets
  (the dataset's ``limit`` and each check's ``sample``); derived from the example by
  :func:`tfidf_suite`, so the two cannot drift apart. Budget 60 s on 2 cores.
- minilm: the whole example suite on the sentiment demo's MiniLM model (trained
  already, in ~/.cache/lumos/demos). Budget 5 minutes.

Each runs twice against one store: cold (a fresh ``LUMOS_HOME``, the trained demos
linked in, nothing predicted yet) and warm (the same store, a second process). Reported
per run: wall time of the process (start-up and model loading included), the audit's
own ``seconds``, the model calls requested and computed and the cache's share (from the
audit JSON), the exit code, and the ratio time / budget. The machine is shared: the
1-minute load average is recorded before and after each run.

    .venv/bin/python benchmarks/bench_audit.py [--suites tfidf,minilm] [--n 1000]
        [--out benchmarks/audit_results.json]
    .venv/bin/python benchmarks/bench_audit.py --markdown

The second form runs nothing: it regenerates RESULTS.md (``benchmarks/report.py``), whose
audit section comes from ``benchmarks/audit_results.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "audit" / "sentiment.yaml"

#: seconds allowed per run (issue 14, part 7)
BUDGETS = {"tfidf": 60.0, "minilm": 300.0}
#: the check kinds the TF-IDF budget covers
TFIDF_KINDS = ("quality", "robustness", "fairness")


def tfidf_suite(data: dict[str, Any], n: int = 1000) -> dict[str, Any]:
    """The example suite's quality, robustness and fairness checks, unchanged apart
    from sizes, with the TF-IDF baseline as its only model and at most ``n`` tweets:
    each dataset's ``limit`` and each check's ``sample`` are capped at ``n``."""
    out = copy.deepcopy(data)
    out["name"] = f"{data.get('name', 'suite')} (TF-IDF baseline, {n} tweets)"
    out["models"] = {"tfidf": {"demo": "sentiment:tfidf-logreg"}}
    for ds in out["datasets"].values():
        ds["limit"] = min(int(ds.get("limit", n)), n)
    out["checks"] = [c for c in out["checks"] if c["kind"] in TFIDF_KINDS]
    for c in out["checks"]:
        if "model" in c or "models" in c:
            c.pop("model", None)
            c.pop("models", None)
        for key in ("sample", "limit"):
            if key in c:
                c[key] = min(int(c[key]), n)
    return out


def _home(root: Path) -> Path:
    """A fresh LUMOS_HOME with the trained demos linked in (nothing predicted yet)."""
    from platformdirs import user_cache_dir

    home = root / "home"
    home.mkdir()
    shared = Path(os.environ.get("LUMOS_HOME") or user_cache_dir("lumos")) / "demos"
    if shared.is_dir():
        (home / "demos").symlink_to(shared, target_is_directory=True)
    return home


def run_once(suite: Path, home: Path, report: Path, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, LUMOS_HOME=str(home),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "lumos.cli.main", "audit", str(suite), "--json",
           str(report), "--quiet"]
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        code, tail = r.returncode, (r.stdout + r.stderr).strip().splitlines()[-3:]
    except subprocess.TimeoutExpired:
        code, tail = -1, [f"timed out after {timeout:.0f} s"]
    wall = time.perf_counter() - t
    out: dict[str, Any] = {"exit_code": code, "wall_seconds": round(wall, 2),
                           "load_average_before": round(load_before, 2),
                           "load_average_after": round(os.getloadavg()[0], 2),
                           "output_tail": tail}
    if report.exists():
        rep = json.loads(report.read_text())
        out["audit_seconds"] = rep.get("seconds")
        out["calls"] = rep.get("calls")
        out["summary"] = rep.get("summary")
        out["rows"] = {k: v.get("rows") for k, v in rep.get("datasets", {}).items()}
    return out


def bench(name: str, n: int, timeout: float, profile: str | None) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix=f"bench-audit-{name}-") as tmp:
        root = Path(tmp)
        home = _home(root)
        if name == "tfidf":
            suite = root / "tfidf.yaml"
            suite.write_text(yaml.safe_dump(tfidf_suite(data, n), sort_keys=False),
                             encoding="utf-8")
        else:
            suite = EXAMPLE
        budget = BUDGETS[name]
        res: dict[str, Any] = {"suite": str(suite.relative_to(ROOT)) if name != "tfidf"
                               else f"tfidf_suite(examples/audit/sentiment.yaml, n={n})",
                               "budget_seconds": budget}
        for phase in ("cold", "warm"):
            r = run_once(suite, home, root / f"{phase}.json", timeout)
            r["budget_ratio"] = round(r["wall_seconds"] / budget, 3)
            res[phase] = r
            calls = r.get("calls") or {}
            share = calls.get("cache_share")
            print(f"{name} {phase}: {r['wall_seconds']:.1f} s wall "
                  f"({r.get('audit_seconds')} s in the audit), budget {budget:.0f} s, "
                  f"ratio {r['budget_ratio']:.2f}x; {calls.get('requested')} calls "
                  f"requested, {calls.get('computed')} computed, cache share "
                  f"{100 * share if share is not None else 0:.1f} %; exit {r['exit_code']}; "
                  f"load average {r['load_average_before']:.1f} -> "
                  f"{r['load_average_after']:.1f}", flush=True)
        if profile:
            res["profile_cold"] = profile_run(suite, root, Path(profile) / f"{name}.prof")
    return res


def profile_run(suite: Path, root: Path, prof: Path, top: int = 25) -> list[str]:
    """A cold run under cProfile (a fresh store): the functions by cumulative time."""
    import io
    import pstats

    (root / "profile").mkdir()
    home = _home(root / "profile")
    prof.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, LUMOS_HOME=str(home),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH")])))
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m",
                    "lumos.cli.main", "audit", str(suite), "--quiet"], env=env,
                   capture_output=True, text=True)
    s = io.StringIO()
    pstats.Stats(str(prof), stream=s).sort_stats("cumulative").print_stats(top)
    return [ln for ln in s.getvalue().splitlines() if ln.strip()]


#: above this 1-minute load average (per the 2 cores), the figures were taken under load
LOADED = 2.0


def _calls(r: dict[str, Any]) -> str:
    c = r.get("calls") or {}
    share = c.get("cache_share")
    return (f"{c.get('requested', 0):,} / {c.get('computed', 0):,} / "
            + (f"{100 * share:.1f} %" if share is not None else "-"))


def render(report: dict[str, Any]) -> str:
    """The RESULTS.md record of a JSON report of this script (``report.py`` places it)."""
    loads = [r[ph][k] for r in report["runs"].values() for ph in ("cold", "warm")
             for k in ("load_average_before", "load_average_after")]
    peak = max(loads, default=0.0)
    lines = ["**Latest record**: `benchmarks/audit_results.json` (written by "
             "`bench_audit.py --out`). "
             f"Taken {report['started']} on {report['cpus']} CPUs; 1-minute load average "
             f"{min(loads, default=0.0):.1f}-{peak:.1f} during the runs.", ""]
    if peak > LOADED:
        lines += [f"**Taken under load**: the machine was shared with other engineers' "
                  f"jobs (load average up to {peak:.1f} on {report['cpus']} cores), so "
                  "the times are slower than on an idle machine; the model calls and "
                  "cache shares do not depend on the load.", ""]
    lines += ["| suite | cache | wall | in the audit | budget | time / budget | "
              "calls requested / computed / cache share | exit | load |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in report["runs"].items():
        for ph in ("cold", "warm"):
            x = r[ph]
            ratio = x["budget_ratio"]
            lines.append(
                f"| {name}: {r['suite']} | {ph} | {x['wall_seconds']:.1f} s | "
                f"{x.get('audit_seconds') or 0:.1f} s | {r['budget_seconds']:.0f} s | "
                + (f"**{ratio:.2f}**" if ratio > 1 else f"{ratio:.2f}")
                + f" | {_calls(x)} | {x['exit_code']} | "
                f"{x['load_average_before']:.1f}-{x['load_average_after']:.1f} |")
    missed = [f"{n} {ph}" for n, r in report["runs"].items() for ph in ("cold", "warm")
              if r[ph]["budget_ratio"] > 1]
    lines += ["", "Budget missed: " + ", ".join(missed) + "." if missed else
              "Every run is within its budget."]
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suites", default="tfidf,minilm")
    p.add_argument("--n", type=int, default=1000, help="tweets for the TF-IDF run")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    p.add_argument("--profile", default=None, metavar="DIR",
                   help="also profile a cold run of each suite (cProfile), keeping "
                   "DIR/<suite>.prof")
    p.add_argument("--out", default=None, help="write the figures as JSON to this file")
    p.add_argument("--markdown", action="store_true",
                   help="no run: regenerate RESULTS.md (benchmarks/report.py; the audit "
                   "section comes from benchmarks/audit_results.json)")
    args = p.parse_args()
    if args.markdown:
        import report  # RESULTS.md is written whole, from every benchmark's record

        return report.main([])
    names = [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = [s for s in names if s not in BUDGETS]
    if unknown:
        p.error(f"--suites: unknown suite {unknown[0]!r} (suites: {list(BUDGETS)})")
    print(f"lumos audit budget: {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "n": args.n, "runs": {}}
    for name in names:
        report["runs"][name] = bench(name, args.n, args.timeout, args.profile)
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    bad = [(n, ph) for n, r in report["runs"].items() for ph in ("cold", "warm")
           if r[ph]["exit_code"] not in (0, 1)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
