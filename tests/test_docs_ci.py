"""docs/ci.md's CI snippets are valid YAML and do what the page says: install lumos, run
``lumos audit SUITE --junit r.xml --html r.html --json r.json``, publish the JUnit as a
test report, upload the HTML, fail on a non-zero exit and tell 1, 2 and 3 apart."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "ci.md"


def snippets() -> list[dict]:
    return [yaml.safe_load(code) for code in
            re.findall(r"^```yaml\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)]


def audit_args(script: str) -> list[str]:
    """The arguments of the one ``lumos audit`` command in a shell script."""
    lines = [ln for ln in script.splitlines() if ln.strip().startswith("lumos audit ")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0].split("||")[0])


def check_command(args: list[str]) -> None:
    assert args[:2] == ["lumos", "audit"] and args[2].endswith(".yaml")
    for flag, path in (("--junit", "r.xml"), ("--html", "r.html"), ("--json", "r.json")):
        assert args[args.index(flag) + 1] == path, flag


def check_exit_codes(script: str) -> None:
    for code in ("0", "1", "2", "3"):
        assert re.search(rf"^\s*{code}\)", script, re.M), f"exit {code} not handled"
    assert "exit $code" in script  # the build fails with the audit's code
    assert "pip install" in script and "lumos[audit" in script


def test_page_is_linked_from_the_readme():
    assert "(docs/ci.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_both_snippets_parse():
    docs = snippets()
    assert len(docs) == 2
    assert "jobs" in docs[0] and "lumos-audit" in docs[1]


def test_github_actions_workflow():
    wf = snippets()[0]
    # YAML 1.1 (PyYAML) reads the key ``on`` as True; GitHub reads it as "on"
    assert set(wf.get("on", wf.get(True))) >= {"pull_request", "push"}
    steps = wf["jobs"]["audit"]["steps"]
    script = "\n".join(s.get("run", "") for s in steps)
    check_exit_codes(script)
    audit = next(s for s in steps if "lumos audit" in s.get("run", ""))
    check_command(audit_args(audit["run"]))
    assert "set +e" in audit["run"]  # the code is read, not lost to bash -e
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    report = uses["mikepenz/action-junit-report"]
    assert report["with"]["report_paths"] == "r.xml"
    upload = uses["actions/upload-artifact"]
    assert {"r.xml", "r.html"} <= set(upload["with"]["path"].split())
    for s in (report, upload):  # published whether or not the audit failed
        assert "cancelled()" in s["if"]
    assert wf["jobs"]["audit"]["permissions"]["checks"] == "write"


def test_gitlab_job():
    job = snippets()[1]["lumos-audit"]
    script = "\n".join(job["script"])
    check_exit_codes(script)
    check_command(audit_args(script))
    assert "|| code=$?" in script  # a failing audit does not end the script early
    art = job["artifacts"]
    assert art["reports"]["junit"] == "r.xml"
    assert "r.html" in art["paths"]
    assert art["when"] == "always"
