"""`lumos audit SUITE.yaml`: run a suite of checks and gate a CI build on them.

    lumos audit examples/audit/sentiment.yaml --junit r.xml --html r.html --json r.json

Thin: the suite is read and checked by ``lumos.audit.suite``, run by
``lumos.audit.run`` (checks evaluated in ``lumos.engine``) and written by the report
modules of ``lumos.audit``. Exit codes, in this precedence: 2 the suite is wrong (the
message names file, line, column and key), 3 the run could not complete (a model that
will not load, a check that raised; the checks that could run are still reported),
1 a check failed, 0 every check passed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lumos.cli.main import UsageError

DESCRIPTION = """\
Run the checks of a suite file (quality, robustness, fairness) against its models and
datasets, and write JSON, JUnit XML, HTML and Markdown reports. Exit codes: 2 the suite
is wrong (file, line, column and key named), 3 the run could not complete (the checks
that could run are reported), 1 a check failed, 0 every check passed. The suite's schema:
lumos audit --schema."""
EXAMPLES = """examples:
  lumos audit examples/audit/sentiment.yaml
  lumos audit examples/audit/sentiment.yaml --junit r.xml --html r.html --json r.json
  lumos audit suite.yaml --markdown comment.md --export-failures failures/ --quiet
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("audit", help="run a suite of checks; exit 1 when one fails (CI)",
                       description=DESCRIPTION, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("suite", nargs="?", default=None,
                   help="the suite file (YAML; required unless --schema; default: none)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="write the JSON report (values, intervals, verdicts, model calls, "
                   "cache share) (default: none)")
    p.add_argument("--junit", default=None, metavar="FILE",
                   help="write JUnit XML, one test case per check and slice (default: none)")
    p.add_argument("--html", default=None, metavar="FILE",
                   help="write a self-contained HTML report (default: none)")
    p.add_argument("--markdown", default=None, metavar="FILE",
                   help="write a Markdown summary for a pull-request comment (default: "
                   "none)")
    p.add_argument("--export-failures", default=None, metavar="DIR",
                   help="write each failing check's examples to DIR/<check>.jsonl "
                   "(default: none)")
    p.add_argument("--baseline", default=None, metavar="FILE",
                   help="a JSON report of an earlier run of this suite (e.g. of the last "
                   "release's model): a check whose value got worse by more than its "
                   "tolerance fails (default: none)")
    p.add_argument("--schema", action="store_true",
                   help="print the suite's JSON Schema and exit (default: off)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: off, a progress bar on stderr)")
    p.set_defaults(func=run)


def _out(flag: str, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(value)
    if not p.parent.exists():
        raise UsageError(f"{flag}: directory {p.parent} does not exist")
    return p


def run(args: argparse.Namespace) -> int:
    try:
        from lumos.audit.suite import SuiteError, load_suite, schema
    except ImportError as e:
        raise UsageError(f"lumos audit needs PyYAML and jsonschema ({e}): pip install "
                         "'lumos[audit]'") from None
    if args.schema:
        import json

        print(json.dumps(schema(), indent=2))
        return 0
    if not args.suite:
        raise UsageError("SUITE: required (the suite file; see lumos audit --help)")
    outs = {flag: _out(flag, getattr(args, attr)) for flag, attr in (
        ("--json", "json"), ("--junit", "junit"), ("--html", "html"),
        ("--markdown", "markdown"))}
    from lumos.audit.baseline import (
        BaselineError,
        add_regressions,
        check_definitions,
        read_baseline,
    )

    try:
        suite = load_suite(args.suite)
        base = read_baseline(args.baseline) if args.baseline else None
        if base is not None:
            check_definitions(suite, base, args.baseline)
        from lumos.audit.run import run_suite

        result = run_suite(suite, quiet=args.quiet)
        if base is not None:
            add_regressions(result, base, args.baseline)
    except (SuiteError, BaselineError) as e:
        raise UsageError(str(e)) from None
    except Exception as e:  # the run could not complete: say why, never a traceback
        print(f"lumos audit: the run could not complete: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 3
    from lumos.audit.failures import export_failures
    from lumos.audit.html import write_html
    from lumos.audit.junit import message, write_junit
    from lumos.audit.markdown import write_markdown
    from lumos.audit.report_json import calls_json, summary, write_json

    writers = {"--json": write_json, "--junit": write_junit, "--html": write_html,
               "--markdown": write_markdown}
    try:
        for flag, path in outs.items():
            if path is not None:
                writers[flag](result, path)
        if args.export_failures:
            export_failures(result, args.export_failures)
    except OSError as e:  # a report that cannot be written: the run is incomplete
        print(f"lumos audit: could not write a report: {e}", file=sys.stderr)
        return 3
    for err in result.load_errors.values():
        print(f"error: {err}", file=sys.stderr)
    for r in result.results:
        if r.verdict in ("fail", "error"):
            who = f" ({r.model})" if len(result.models) + len(result.load_errors) > 1 else ""
            print(f"{r.verdict.upper()} {r.name}{who}: {message(r)}")
    s = summary(result)
    calls = calls_json(result.calls)
    share = calls["cache_share"]
    print(f"{s['pass']} passed, {s['fail']} failed, {s['skip']} skipped, {s['error']} "
          f"errors; {calls['requested']} predictions, {calls['computed']} computed"
          + (f" ({100 * share:.1f}% from the cache)" if share is not None else ""))
    return result.exit_code()
