"""The benchmark's TF-IDF suite (benchmarks/bench_audit.py) is derived from
examples/audit/sentiment.yaml: the same quality, robustness and fairness checks, the
model swapped for the TF-IDF baseline, every size capped; and it is a valid suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from lumos.audit.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]


def bench():
    spec = importlib.util.spec_from_file_location("bench_audit",
                                                  ROOT / "benchmarks" / "bench_audit.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def example() -> dict:
    return yaml.safe_load((ROOT / "examples" / "audit" / "sentiment.yaml").read_text())


def test_tfidf_suite_keeps_the_examples_checks_with_the_model_swapped():
    data = example()
    out = bench().tfidf_suite(data, 1000)
    assert out["models"] == {"tfidf": {"demo": "sentiment:tfidf-logreg"}}
    assert out["datasets"]["tweets"]["limit"] == 1000
    kept = [c for c in data["checks"] if c["kind"] in ("quality", "robustness", "fairness")]
    assert {c["kind"] for c in data["checks"]} - {c["kind"] for c in kept}  # some dropped
    assert [c["id"] for c in out["checks"]] == [c["id"] for c in kept]
    for old, new in zip(kept, out["checks"], strict=True):
        assert {k: v for k, v in new.items() if k != "sample"} == \
            {k: v for k, v in old.items() if k != "sample"}
        assert new.get("sample") == (min(old["sample"], 1000) if "sample" in old else None)
    assert data["models"] == {"minilm": {"demo": "sentiment"}}  # the input is untouched


def test_sizes_are_capped():
    data = example()
    out = bench().tfidf_suite(data, 100)
    assert out["datasets"]["tweets"]["limit"] == 100
    assert all(c["sample"] == 100 for c in out["checks"] if "sample" in c)
    data["datasets"]["tweets"]["limit"] = 50
    assert bench().tfidf_suite(data, 100)["datasets"]["tweets"]["limit"] == 50


def test_tfidf_suite_is_valid(tmp_path):
    path = tmp_path / "tfidf.yaml"
    path.write_text(yaml.safe_dump(bench().tfidf_suite(example()), sort_keys=False))
    suite = load_suite(path)
    assert {c["kind"] for _, c in suite.checks()} == {"quality", "robustness", "fairness"}


def report(load: float, seconds: float) -> dict:
    run = {"exit_code": 1, "wall_seconds": seconds, "audit_seconds": seconds - 3,
           "budget_ratio": seconds / 60, "load_average_before": load,
           "load_average_after": load,
           "calls": {"requested": 100, "computed": 40, "cache_share": 0.6}}
    return {"started": "2026-12-01T18:00:00", "cpus": 2,
            "runs": {"tfidf": {"suite": "x", "budget_seconds": 60.0,
                               "cold": run, "warm": dict(run, budget_ratio=0.1)}}}


def test_results_section_says_when_taken_under_load_or_over_budget():
    b = bench()
    idle = b.render(report(0.5, 30.0))
    assert "under load" not in idle and "Every run is within its budget" in idle
    loaded = b.render(report(6.0, 90.0))
    assert "**Taken under load**" in loaded and "load average up to 6.0" in loaded
    assert "Budget missed: tfidf cold." in loaded and "**1.50**" in loaded
    assert "100 / 40 / 60.0 %" in loaded
