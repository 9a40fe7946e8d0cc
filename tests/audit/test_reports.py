"""The report writers on a hand-made run: JUnit folding when facets explode (still valid
against the XSD), token diffs, a self-contained HTML file, Markdown, failure exports."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lumos.audit.diff import inline, token_ops
from lumos.audit.failures import export_failures
from lumos.audit.html import to_html
from lumos.audit.junit import MAX_CASES, to_junit, write_junit
from lumos.audit.markdown import to_markdown
from lumos.audit.report_json import to_json
from lumos.audit.run import AuditRun
from lumos.audit.suite import load_suite
from lumos.engine.checks import error_result, result

XSD = Path(__file__).parent / "data" / "junit.xsd"
SUITE = """\
version: 1
models:
  m: {demo: "sentiment:tfidf-logreg"}
datasets:
  d: {name: tweets}
checks:
  - id: acc
    kind: quality
    metric: accuracy
    by: user
    at_least: 0.5
  - id: flips
    kind: robustness
    generator: synonyms
    statistic: flip_rate
    at_most: 0.1
"""
CF = {"original": {"text": "I love this <b>film</b>"},
      "counterfactual": {"text": "I adore this <b>film</b>"},
      "parent_label": "positive", "label": "negative", "score_delta": -0.42,
      "valid": True}


@pytest.fixture
def run(tmp_path):
    p = tmp_path / "suite.yaml"
    p.write_text(SUITE)
    suite = load_suite(p)
    checks = dict((c["id"], c) for _, c in suite.checks())
    results = []
    for n in range(120):  # a facet with 120 values; three of them fail
        value = 0.2 if n in (7, 50, 99) else 0.9
        results.append(result(checks["acc"], model="m", dataset="d", slice=f"user=u{n}",
                              statistic="probas.accuracy", value=value, low=value - 0.05,
                              high=value + 0.05, count=40,
                              examples=[{"row": n, "text": "bad", "label": "negative",
                                         "probas:label": "positive"}]))
    results.append(result(checks["flips"], model="m", dataset="d", slice="overall",
                          statistic="flip_rate", value=0.3, low=0.2, high=0.4, count=50,
                          examples=[CF] * 5))
    results.append(error_result(checks["flips"], model="m", dataset="d",
                                message="RuntimeError: boom"))
    return AuditRun(suite=suite, results=results, models={"m": {"fingerprint": "mx"}},
                    datasets={"d": {"rows": 3, "fingerprint": "f"}},
                    calls={"requested": 100, "computed": 4})


def test_token_diff():
    assert inline("I love it.", "I really hate it.") == "I [-love-]{+really hate+} it."
    assert token_ops("same", "same") == [("=", "same")]


def test_junit_folds_an_exploding_facet_and_stays_valid(run, tmp_path):
    lxml = pytest.importorskip("lxml.etree", reason="lxml validates the JUnit XSD")
    path = write_junit(run, tmp_path / "r.xml")
    schema = lxml.XMLSchema(lxml.parse(str(XSD)))
    assert schema.validate(lxml.parse(str(path))), schema.error_log
    root = ET.parse(path).getroot()
    acc = next(s for s in root.iter("testsuite") if s.get("name") == "acc")
    cases = acc.findall("testcase")
    assert len(cases) == MAX_CASES
    names = [c.get("name") for c in cases]
    assert names[:3] == ["acc[user=u7]", "acc[user=u50]", "acc[user=u99]"]  # kept first
    assert names[-1] == f"acc[{120 - (MAX_CASES - 1)} more slices]"
    assert cases[-1].find("failure") is None  # every folded slice passed
    assert acc.get("failures") == "3" and acc.get("tests") == str(MAX_CASES)
    flips = next(s for s in root.iter("testsuite") if s.get("name") == "flips")
    failure = flips.find("testcase/failure")
    assert "flip_rate = 0.3 [0.2, 0.4] (at_most 0.1" in failure.get("message")
    assert failure.text.count("I [-love-]{+adore+} this") == 3  # three example diffs
    assert flips.find("testcase/error").get("message") == "RuntimeError: boom"
    assert root.get("errors") == "1"


def test_a_folded_failure_fails_the_folded_case(run):
    for r in run.results[:60]:  # more failures than the cap keeps
        r.verdict = "fail"
    acc = next(s for s in to_junit(run).iter("testsuite") if s.get("name") == "acc")
    folded = acc.findall("testcase")[-1]
    assert folded.find("failure") is not None
    # 61 fail (the first 60 and u99), 49 are kept: 12 of the 71 folded fail
    assert "12 of 71 folded slices failed" in folded.find("failure").get("message")


def test_html_is_self_contained_with_escaped_diffs(run):
    html = to_html(run)
    assert "<script" not in html and "src=" not in html and "href='http" not in html
    assert "<del>love</del><ins>adore</ins>" in html
    assert "&lt;b&gt;film&lt;/b&gt;" in html  # the tweet's own markup is escaped
    assert "positive → negative" in html and "-0.420" in html


def test_markdown_lists_failures_first(run):
    md = to_markdown(run)
    table = [line for line in md.splitlines() if line.startswith("| ")][2:]
    assert table[0].startswith("| **FAIL**") or table[0].startswith("| **ERROR**")
    assert "96.0% from the cache" in md
    assert "`I [-love-]{+adore+} this <b>film</b>  [positive -> negative (score -0.420)]`" \
        in md


def test_json_and_failure_export(run, tmp_path):
    data = to_json(run)
    assert data["calls"] == {"requested": 100, "computed": 4, "from_cache": 96,
                             "cache_share": 0.96}
    assert data["summary"] == {"pass": 117, "fail": 4, "skip": 0, "error": 1}
    assert data["exit_code"] == 3
    flips = next(c for c in data["checks"] if c["id"] == "flips")
    assert flips["examples_kept"] == 5
    assert flips["threshold"] == {"at_least": None, "at_most": 0.1}
    json.dumps(data)
    files = sorted(p.name for p in export_failures(run, tmp_path / "fx"))
    assert files == ["acc.jsonl", "flips.jsonl"]
    rows = [json.loads(x) for x in (tmp_path / "fx" / "flips.jsonl").read_text()
            .splitlines()]
    assert len(rows) == 5 and rows[0]["check"] == "flips" and rows[0]["valid"] is True
