"""/api/audits: an audit JSON report uploaded or opened by name from the configured audit
directory, its checks with their examples mapped to the served rows; paths outside the
directory refused naming the setting; a report of other data says so; a malformed report
answers 4xx naming the field."""

import json

import pytest
from fastapi.testclient import TestClient

from lumos.server.app import create_app


@pytest.fixture
def report(tmp_path, fake_audit):
    d = tmp_path / "audits"
    d.mkdir()
    data = fake_audit(d / "fake.json")
    return d, data


@pytest.fixture
def dir_client(workspace, report):
    app = create_app(workspace, audit_dir=report[0])
    with TestClient(app) as c:
        yield c
    app.state.jobs.shutdown()


def _check(body, cid):
    return next(c for c in body["checks"] if c["id"] == cid)


def test_upload_maps_failing_examples_to_rows(client, report, workspace):
    d, data = report
    r = client.post("/api/audits/upload?dataset=sentiment&filename=fake.json",
                    content=(d / "fake.json").read_bytes(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mismatch"] is None and body["source"] == "fake.json"
    assert body["datasets"] == [{"name": "sentiment", "rows": 16, "served": "sentiment",
                                 "fingerprint": data["datasets"]["sentiment"]["fingerprint"]}]
    ids = list(workspace.datasets["sentiment"].ids)
    high = _check(body, "accuracy-high")
    assert high["verdict"] == "fail" and high["threshold"]["at_least"] == 0.95
    assert 0 < high["value"] < 0.95 and high["slice"] == "overall"
    assert high["interval"]["low"] <= high["value"] <= high["interval"]["high"]
    # the wrong rows, by index and key: the keyword model misreads "not good at all"
    texts = [workspace.datasets["sentiment"].examples([r])[0]["text"] for r in high["rows"]]
    assert "not good at all" in texts
    assert high["ids"] == [ids[r] for r in high["rows"]]
    assert [e["row"] for e in data["checks"][0]["examples"]] == high["rows"]
    assert _check(body, "accuracy-low")["verdict"] == "pass"


def test_counterfactual_check_selects_parents_and_lists_children(client, report, workspace):
    d, data = report
    body = client.post("/api/audits/upload", content=(d / "fake.json").read_bytes()).json()
    noise = _check(body, "noise")
    assert noise["verdict"] == "fail" and noise["children"]
    ids = list(workspace.datasets["sentiment"].ids)
    parents = {c["parent"] for c in noise["children"]}
    assert set(noise["ids"]) == parents and all(p in ids for p in parents)
    assert noise["rows"] == [ids.index(i) for i in noise["ids"]]
    child = noise["children"][0]
    assert child["original"]["text"] != child["counterfactual"]["text"]
    # the same rows in the generators route's structure, for the counterfactual module
    from lumos.server.routes.generators import CounterfactualRow

    rows = [CounterfactualRow.model_validate(r) for r in noise["counterfactuals"]]
    assert [r.id for r in rows] == [c["id"] for c in noise["children"]]
    first = rows[0]
    assert first.example["text"] == child["counterfactual"]["text"]
    assert first.parent_example["text"] == child["original"]["text"]
    assert first.changes and all(
        child["original"]["text"][c.start:c.end] == c.old for c in first.changes)
    assert first.prediction is not None and first.prediction.flipped == child["flipped"]
    assert noise["generator"] == {"id": "char_noise", "version": "1", "config_hash":
                                  data["checks"][2]["details"]["config_hash"]}


def test_open_by_name_from_the_audit_dir(dir_client, report):
    listing = dir_client.get("/api/audits").json()
    assert listing["configured"] and listing["reports"] == ["fake.json"]
    r = dir_client.get("/api/audits/open", params={"name": "fake.json",
                                                   "dataset": "sentiment"})
    assert r.status_code == 200, r.text
    assert _check(r.json(), "accuracy-high")["rows"]


@pytest.mark.parametrize("name", ["../fake.json", "../audits/fake.json", "sub/../../x.json",
                                  "/etc/passwd", "{abs}", "..\\fake.json", "C:/x.json"])
def test_paths_outside_the_dir_are_refused_naming_the_setting(dir_client, report, name,
                                                               tmp_path):
    d, _ = report
    (tmp_path / "outside.json").write_text("{}")
    name = name.replace("{abs}", str(d / "fake.json"))
    r = dir_client.get("/api/audits/open", params={"name": name})
    assert r.status_code == 403, r.text
    assert "audit_dir" in r.json()["detail"] and "--audit-dir" in r.json()["detail"]


def test_a_link_out_of_the_dir_is_refused(dir_client, report, tmp_path):
    d, _ = report
    (tmp_path / "secret.json").write_text("{}")
    (d / "link.json").symlink_to(tmp_path / "secret.json")
    r = dir_client.get("/api/audits/open", params={"name": "link.json"})
    assert r.status_code == 403 and "outside" in r.json()["detail"]
    assert "link.json" not in dir_client.get("/api/audits").json()["reports"]


def test_no_dir_configured_refuses_names_and_missing_reports_are_404(client, dir_client):
    r = client.get("/api/audits/open", params={"name": "fake.json"})
    assert r.status_code == 403 and "audit_dir" in r.json()["detail"]
    assert client.get("/api/audits").json() == {
        "configured": False, "setting": "audit_dir (lumos serve --audit-dir)", "reports": []}
    r = dir_client.get("/api/audits/open", params={"name": "nope.json"})
    assert r.status_code == 404 and "fake.json" in r.json()["detail"]


def test_fingerprint_mismatch_is_named(client, report):
    d, data = report
    r = client.post("/api/audits/upload?dataset=ner", content=(d / "fake.json").read_bytes())
    body = r.json()
    assert r.status_code == 200
    assert "'sentiment'" in body["mismatch"] and "'ner'" in body["mismatch"]
    # the report's dataset is still found among the served ones
    assert body["datasets"][0]["served"] == "sentiment"
    data["datasets"]["sentiment"]["fingerprint"] = "0" * 64
    body = client.post("/api/audits/upload?dataset=sentiment",
                       content=json.dumps(data)).json()
    assert "does not match the served dataset 'sentiment'" in body["mismatch"]
    assert body["datasets"][0]["served"] is None
    assert all(c["rows"] == [] for c in body["checks"])


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.update(version=99), "version"),
    (lambda d: d.update(format="junit"), "format"),
    (lambda d: d.pop("checks"), "checks"),
    (lambda d: d["checks"][1].update(verdict=3), "checks[1].verdict"),
    (lambda d: d["checks"][0].update(dataset="other"), "checks[0].dataset"),
    (lambda d: d["datasets"]["sentiment"].pop("fingerprint"),
     "datasets.sentiment.fingerprint"),
])
def test_malformed_reports_name_the_field(client, report, change, field):
    _, data = report
    change(data)
    r = client.post("/api/audits/upload", content=json.dumps(data))
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"upload: {field}:")


def test_not_json_and_unknown_dataset(client):
    r = client.post("/api/audits/upload", content=b"{not json")
    assert r.status_code == 422 and "report: not JSON" in r.json()["detail"]
    r = client.post("/api/audits/upload?dataset=nope", content=b"{}")
    assert r.status_code == 404 and "dataset" in r.json()["detail"]


def test_routes_are_in_the_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/audits", "/api/audits/open", "/api/audits/upload"} <= set(paths)
    assert "requestBody" in paths["/api/audits/upload"]["post"]
