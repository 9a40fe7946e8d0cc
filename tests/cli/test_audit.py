"""`lumos audit` end to end on the sentiment demo's TF-IDF model and 60 bundled tweets:
exit codes (0 pass, 1 fail, 2 wrong suite, 3 a model that will not load), the JUnit
report validated against a JUnit XSD and read back, the JSON report's values the same on
a second run, which answers its model calls from the cache, with sockets blocked."""

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lumos.cli.main import main

XSD = Path(__file__).parents[1] / "audit" / "data" / "junit.xsd"

PASSING = textwrap.dedent("""\
    version: 1
    name: passing
    seed: 3
    models:
      tfidf: {demo: "sentiment:tfidf-logreg"}
    datasets:
      tweets: {name: tweets, limit: 60}
    checks:
      - id: accuracy
        kind: quality
        metric: accuracy
        at_least: 0.4
      - id: accuracy-by-label
        kind: quality
        metric: accuracy
        at_least: 0.1
        by: label
        on_insufficient: skip
        slices:
          short: {field: "text:length", max: 400}
      - id: synonyms
        kind: robustness
        generator: synonyms
        options: {max_synonyms: 2}
        statistic: flip_rate
        at_most: 0.7
      - id: gender
        kind: fairness
        options: {group: gender}
        at_most: 0.5
        on_insufficient: skip
    """)


def _audit(tmp, name, text, *extra):
    d = tmp / name
    d.mkdir()
    suite = d / "suite.yaml"
    suite.write_text(text)
    code = main(["audit", str(suite), "--quiet", "--json", str(d / "r.json"),
                 "--junit", str(d / "r.xml"), "--html", str(d / "r.html"),
                 "--markdown", str(d / "r.md"), *extra])
    return code, d


def _validate_junit(path):
    lxml = pytest.importorskip("lxml.etree", reason="lxml validates the JUnit XSD")
    schema = lxml.XMLSchema(lxml.parse(str(XSD)))
    doc = lxml.parse(str(path))
    assert schema.validate(doc), schema.error_log
    return ET.parse(path).getroot()


@pytest.fixture(scope="module")
def passing(home, tmp_path_factory):
    from pytest_socket import disable_socket, enable_socket

    tmp = tmp_path_factory.mktemp("audit")
    disable_socket()  # an audit uses no network
    try:
        first = _audit(tmp, "first", PASSING)
        second = _audit(tmp, "second", PASSING)
    finally:
        enable_socket()
    return first, second


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_passing_suite_exits_0_and_writes_every_report(passing):
    (code, d), _ = passing
    assert code == 0
    report = json.loads((d / "r.json").read_text())
    assert report["format"] == "lumos-audit" and report["version"] == 1
    assert report["exit_code"] == 0 and report["summary"]["fail"] == 0
    ids = {c["id"] for c in report["checks"]}
    assert ids == {"accuracy", "accuracy-by-label", "synonyms", "gender"}
    acc = next(c for c in report["checks"] if c["name"] == "accuracy")
    assert acc["verdict"] == "pass" and acc["count"] == 60
    assert acc["interval"]["low"] < acc["value"] < acc["interval"]["high"]
    assert acc["threshold"] == {"at_least": 0.4, "at_most": None}
    slices = {c["slice"] for c in report["checks"] if c["id"] == "accuracy-by-label"}
    assert {"overall", "label=negative", "label=neutral", "label=positive",
            "slice:short"} <= slices
    # fewer than 30 rows of a label: skipped as the suite says, not passed
    skipped = [c for c in report["checks"] if c["verdict"] == "skip"]
    assert skipped and all(c["insufficient"] for c in skipped)
    syn = next(c for c in report["checks"] if c["id"] == "synonyms")
    assert syn["statistic"] == "flip_rate" and syn["details"]["view"] == "valid"
    root = _validate_junit(d / "r.xml")
    cases = root.findall(".//testcase")
    assert len(cases) == len(report["checks"])
    assert not root.findall(".//failure")
    assert len(root.findall(".//skipped")) == len(skipped)
    html = (d / "r.html").read_text()
    assert "<script" not in html and "http://" not in html.split("<body>")[0]
    assert "lumos audit: passing" in html
    assert "0 failed" in (d / "r.md").read_text()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_second_run_same_values_and_answered_from_the_cache(passing):
    (_, d1), (code, d2) = passing
    assert code == 0
    a, b = (json.loads((d / "r.json").read_text()) for d in (d1, d2))
    assert len(a["checks"]) == len(b["checks"])
    for x, y in zip(a["checks"], b["checks"], strict=True):
        assert (x["name"], x["verdict"]) == (y["name"], y["verdict"])
        for k in ("value",):
            assert (x[k] is None) == (y[k] is None)
            if x[k] is not None:
                assert abs(x[k] - y[k]) <= 1e-6
        if x["interval"]:
            assert abs(x["interval"]["low"] - y["interval"]["low"]) <= 1e-6
            assert abs(x["interval"]["high"] - y["interval"]["high"]) <= 1e-6
    assert a["models"] == b["models"] and a["datasets"] == b["datasets"]
    assert a["suite"]["sha256"] == b["suite"]["sha256"]
    assert a["calls"]["computed"] > 0
    assert b["calls"]["requested"] == a["calls"]["requested"]
    assert b["calls"]["cache_share"] >= 0.95, b["calls"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_failing_suite_exits_1_and_junit_names_the_check(home, tmp_path, capsys):
    text = PASSING.replace("at_least: 0.4", "at_least: 0.99").replace(
        "    on_insufficient: skip\n    slices", "    slices")
    code, d = _audit(tmp_path, "fail", text, "--export-failures", str(tmp_path / "fx"))
    assert code == 1
    out = capsys.readouterr().out
    assert "FAIL accuracy:" in out and "at_least 0.99" in out
    root = _validate_junit(d / "r.xml")
    failed = {c.get("name"): c.find("failure") for c in root.iter("testcase")
              if c.find("failure") is not None}
    assert "accuracy" in failed
    msg = failed["accuracy"].get("message")
    assert "probas.accuracy = " in msg and "at_least 0.99" in msg and "[" in msg
    assert "examples:" in failed["accuracy"].text
    # insufficient evidence fails by default: the by-label facets of < 30 rows
    assert any(n.startswith("accuracy-by-label[label=") for n in failed)
    assert "not enough evidence" in failed[next(n for n in failed
                                                if n.startswith("accuracy-by-label["))
                                           ].get("message")
    assert int(root.get("failures")) == len(failed)
    rows = [json.loads(line) for line in (tmp_path / "fx" / "accuracy.jsonl")
            .read_text().splitlines()]
    assert rows and all(r["check"] == "accuracy" for r in rows)
    assert all(r["probas:correct"] is False for r in rows)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_model_that_cannot_load_exits_3_and_the_rest_is_reported(home, tmp_path,
                                                                    capsys):
    broken = tmp_path / "broken.joblib"  # pickled: needs trust, then fails to load
    broken.write_text("not a model")
    text = PASSING.replace('  tfidf: {demo: "sentiment:tfidf-logreg"}\n',
                           '  tfidf: {demo: "sentiment:tfidf-logreg"}\n'
                           f'  broken: {{path: "{broken}", trust: true}}\n')
    text = text.replace("  - id: synonyms", "  - id: synonyms\n    model: tfidf") \
        .replace("  - id: gender", "  - id: gender\n    model: tfidf")
    code, d = _audit(tmp_path, "broken", text)
    assert code == 3
    assert "model 'broken' did not load" in capsys.readouterr().err
    report = json.loads((d / "r.json").read_text())
    assert report["models"]["broken"]["fingerprint"] is None
    by_model = {(c["id"], c["model"]): c["verdict"] for c in report["checks"]}
    assert by_model[("accuracy", "tfidf")] == "pass"
    assert by_model[("accuracy", "broken")] == "error"
    assert by_model[("synonyms", "tfidf")] == "pass"
    root = _validate_junit(d / "r.xml")
    assert root.findall(".//error")
    assert int(root.get("errors")) >= 2


@pytest.mark.parametrize("old,new,where", [
    ("    at_least: 0.4", "    at_leest: 0.4",
     "suite.yaml:12:5: checks[0].at_leest: unknown key; did you mean 'at_least'?"),
    ("    generator: synonyms", "    generator: synonymss",
     "suite.yaml:23:16: checks[2].generator: no generator named 'synonymss'"),
    ("    options: {group: gender}", "    options: {grup: gender}",
     "suite.yaml:29:15: checks[3].options.grup: group_swap has no option 'grup'; did you "
     "mean 'group'?"),
])
def test_malformed_suite_exits_2_naming_line_and_key(home, tmp_path, capsys, old, new,
                                                     where):
    assert old in PASSING
    suite = tmp_path / "suite.yaml"
    suite.write_text(PASSING.replace(old, new))
    with pytest.raises(SystemExit) as e:
        main(["audit", str(suite), "--quiet"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert where in err, err
    assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_metric_the_model_lacks_exits_2_naming_its_line(home, tmp_path, capsys):
    suite = tmp_path / "suite.yaml"
    suite.write_text(PASSING.replace("    metric: accuracy\n    at_least: 0.4",
                                     "    metric: acuracy\n    at_least: 0.4"))
    with pytest.raises(SystemExit) as e:
        main(["audit", str(suite), "--quiet"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "suite.yaml:11:13: checks[0].metric: no metric value 'acuracy'" in err
    assert "did you mean 'accuracy'?" in err


def test_a_missing_suite_and_the_schema_flag(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["audit", str(tmp_path / "nope.yaml")])
    assert e.value.code == 2
    assert "nope.yaml: no such suite file" in capsys.readouterr().err
    assert main(["audit", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "lumos audit suite"
    assert schema["additionalProperties"] is False


def test_an_output_in_a_missing_directory_is_refused(tmp_path, capsys):
    suite = tmp_path / "suite.yaml"
    suite.write_text(PASSING)
    with pytest.raises(SystemExit) as e:
        main(["audit", str(suite), "--junit", str(tmp_path / "no" / "r.xml")])
    assert e.value.code == 2
    assert "--junit: directory" in capsys.readouterr().err


def _baseline(passing, tmp_path, edit=None):
    (_, d), _ = passing
    data = json.loads((d / "r.json").read_text())
    if edit is not None:
        edit(data)
    p = tmp_path / "baseline.json"
    p.write_text(json.dumps(data))
    return p


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_baseline_of_the_same_run_passes_and_another_model_is_compared(passing, tmp_path):
    base = _baseline(passing, tmp_path)
    # another model name (and fingerprint) is the point of the mode: still comparable
    text = PASSING.replace("  tfidf: {demo:", "  candidate: {demo:")
    code, d = _audit(tmp_path, "same", text, "--baseline", str(base))
    assert code == 0
    report = json.loads((d / "r.json").read_text())
    reg = [c for c in report["checks"] if c["kind"] == "regression"]
    assert {c["id"] for c in reg} == {f"{i}.regression" for i in
                                      ("accuracy", "accuracy-by-label", "synonyms",
                                       "gender")}
    assert all(c["verdict"] == "pass" for c in reg if c["details"]["current"] is not None)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_baseline_catches_a_planted_regression(passing, tmp_path, capsys):
    def better_baseline(data):  # the baseline model was 0.2 more accurate
        for c in data["checks"]:
            if c["name"] == "accuracy":
                c["value"] += 0.2

    base = _baseline(passing, tmp_path, better_baseline)
    code, d = _audit(tmp_path, "worse", PASSING, "--baseline", str(base))
    assert code == 1
    assert "FAIL accuracy.regression:" in capsys.readouterr().out
    root = _validate_junit(d / "r.xml")
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["accuracy.regression"]
    msg = next(c for c in root.iter("testcase") if c.get("name") == "accuracy.regression"
               ).find("failure").get("message")
    assert "worse than the baseline by 0.2" in msg


@pytest.mark.parametrize("what", ["checks", "dataset", "format"])
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_incomparable_baseline_is_refused(passing, tmp_path, capsys, what):
    def edit(data):
        if what == "dataset":
            data["datasets"]["tweets"]["fingerprint"] = "0" * 64
        if what == "format":
            data["format"] = "something-else"

    base = _baseline(passing, tmp_path, edit)
    text = PASSING.replace("at_most: 0.7", "at_most: 0.6") if what == "checks" else PASSING
    suite = tmp_path / "suite.yaml"
    suite.write_text(text)
    with pytest.raises(SystemExit) as e:
        main(["audit", str(suite), "--quiet", "--baseline", str(base)])
    assert e.value.code == 2
    err = capsys.readouterr().err
    expected = {"checks": "made with other check definitions",
                "dataset": "dataset 'tweets' differs",
                "format": "not a lumos audit JSON report"}[what]
    assert f"--baseline: {base}" in err and expected in err, err
