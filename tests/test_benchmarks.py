"""benchmarks/: RESULTS.md is generated from the recorded figures, and the runner keeps
every benchmark's latest record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import report  # noqa: E402
import run  # noqa: E402


def record(name: str, **kw) -> dict:
    base = {"name": name, "command": ["python", f"benchmarks/bench_{name}.py"],
            "returncode": 0, "quick": False, "started": "2026-12-01T22:00:00+0000",
            "commit": "abc1234", "machine": "x86_64, 2 CPUs", "load_before": 0.4,
            "load_after": 0.6, "seconds": 12.0,
            "lines": [{"text": "lumos 1.00 s  baseline 2.00 s  ratio 2.00x", "figures": []}],
            "stderr_tail": []}
    return {**base, **kw}


def test_the_committed_results_are_what_the_report_writes():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_record_shows_its_lines_commit_and_load(tmp_path):
    text = report.render({"engine": record("engine")}, notes=tmp_path)
    section = text.split("## Engine throughput")[1].split("\n## ")[0]
    assert "lumos 1.00 s  baseline 2.00 s  ratio 2.00x" in section
    assert "commit `abc1234`" in section and "load average 0.4 before, 0.6 after" in section
    assert "under load" not in section
    assert "No record in `results.json` yet" in text.split("## Live edit")[1]


def test_a_loaded_quick_or_failed_run_says_so(tmp_path):
    rec = record("table", load_before=3.5, quick=True, returncode=1,
                 stderr_tail=["Traceback", "ValueError: boom"])
    section = report.record_text("table", rec)
    assert "**taken under load**" in section and "**quick**" in section
    assert "**exit 1**" in section and "ValueError: boom" in section


def test_notes_follow_their_record(tmp_path):
    (tmp_path / "engine.md").write_text("Why it is fast.\n")
    (tmp_path / "_intro.md").write_text("Intro.\n")
    text = report.render({"engine": record("engine")}, notes=tmp_path)
    assert text.index("Intro.") < text.index("## Engine") < text.index("ratio 2.00x") \
        < text.index("Why it is fast.")


def test_a_subset_run_keeps_the_other_records(tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"benchmarks": {"engine": record("engine"),
                                              "table": record("table")}}))
    monkeypatch.setattr(run, "run", lambda name, quick, timeout: record(name, seconds=1.0))
    assert run.main(["--only", "table", "--out", str(out)]) == 0
    got = json.loads(out.read_text())["benchmarks"]
    assert set(got) == {"engine", "table"}
    assert got["engine"]["seconds"] == 12.0 and got["table"]["seconds"] == 1.0


def test_a_skipped_run_keeps_the_figures_recorded_before(tmp_path, monkeypatch):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"benchmarks": {"projector_fps": record("projector_fps")}}))
    monkeypatch.setattr(run, "run", lambda name, quick, timeout:
                        {"name": name, "command": [], "skipped": "needs /usr/bin/chromium"})
    run.main(["--only", "projector_fps", "--out", str(out)])
    assert json.loads(out.read_text())["benchmarks"]["projector_fps"]["seconds"] == 12.0


def test_the_older_one_run_layout_is_read(tmp_path):
    out = tmp_path / "old.json"
    out.write_text(json.dumps({"quick": False, "started": "2026-11-30T10:00:00",
                               "benchmarks": [{"name": "engine", "seconds": 3.0}]}))
    got = run.load_records(out)
    assert got["engine"]["started"] == "2026-11-30T10:00:00" and got["engine"]["seconds"] == 3
