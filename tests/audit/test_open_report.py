"""lumos.audit.open_report on its own: names resolved only inside the audit directory,
the report's fields checked, datasets matched by content fingerprint and examples mapped
to row indices and keys (counterfactual ones to their parents)."""

import json

import pytest

from lumos.audit.open_report import (
    RefusedPath,
    ReportError,
    list_reports,
    match_report,
    read_report,
    report_path,
)
from lumos.testing.sample import sample_datasets


def test_report_path_stays_inside_the_dir(tmp_path):
    root = tmp_path / "audits"
    (root / "nightly").mkdir(parents=True)
    (root / "nightly" / "r.json").write_text("{}")
    (root / "notes.txt").write_text("")
    assert report_path(root, "nightly/r.json") == (root / "nightly" / "r.json").resolve()
    assert list_reports(root) == ["nightly/r.json"]
    for bad in ("../audits/nightly/r.json", str(root / "nightly" / "r.json"), "nightly/../../x",
                "notes.txt", ""):
        with pytest.raises(RefusedPath, match="audit_dir"):
            report_path(root, bad)
    with pytest.raises(FileNotFoundError, match="nightly/r.json"):
        report_path(root, "other.json")
    with pytest.raises(RefusedPath, match="no audit directory is configured"):
        report_path(None, "r.json")


def test_read_report_names_the_field(tmp_path, fake_audit):
    data = fake_audit(tmp_path / "r.json")
    assert read_report(json.dumps(data))["checks"] == data["checks"]
    data["checks"][2].pop("kind")
    with pytest.raises(ReportError) as e:
        read_report(json.dumps(data).encode())
    assert e.value.field == "checks[2].kind" and "missing" in str(e.value)


def test_match_maps_rows_and_parents(tmp_path, fake_audit):
    data = fake_audit(tmp_path / "r.json")
    served = sample_datasets()
    out = match_report(read_report(json.dumps(data)), served)  # no page dataset: no verdict
    assert out["mismatch"] is None and out["datasets"][0]["served"] == "sentiment"
    keys = list(served["sentiment"].ids)
    by_id = {c["id"]: c for c in out["checks"]}
    assert by_id["accuracy-high"]["rows"] == [e["row"] for e in data["checks"][0]["examples"]]
    noise = by_id["noise"]
    assert [keys[r] for r in noise["rows"]] == noise["ids"]
    assert set(noise["ids"]) == {e["parent"] for e in data["checks"][2]["examples"]}
    # the generated rows, in the counterfactual module's structure, and what made them
    kept = data["checks"][2]["examples"]
    assert [r["id"] for r in noise["counterfactuals"]] == [e["id"] for e in kept]
    assert [r["changes"] for r in noise["counterfactuals"]] == [e["changes"] for e in kept]
    assert noise["generator"]["id"] == "char_noise"
    assert noise["generator"]["config_hash"] == data["checks"][2]["details"]["config_hash"]
    assert by_id["accuracy-high"]["generator"] is None
    assert by_id["accuracy-high"]["counterfactuals"] == []
    assert match_report(data, {"ner": served["ner"]}, "ner")["mismatch"].startswith(
        "the report's dataset 'sentiment'")
