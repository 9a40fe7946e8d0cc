"""/api/generators: the generators that apply, a generation job on selected rows (progress,
cancel), its rows and paired statistics, keeping rows as datapoints with a slice."""

from __future__ import annotations

import time

import pytest

M, D = "keywords", "sentiment"
RULES = {"rules": "good -> bad\ngreat -> terrible"}


def _ids(client, n=6):
    return [r["id"] for r in client.get(f"/api/datasets/{D}/rows",
                                        params={"limit": n}).json()["rows"]]


def _wait(client, job_id):
    deadline = time.monotonic() + 60  # a guard against hanging, not a speed test
    while (job := client.get(f"/api/jobs/{job_id}").json())["status"] in ("queued",
                                                                         "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job


def _run(client, generator="word_replace", config=None, ids=None, **kw):
    body = {"model": M, "dataset": D, "generator": generator,
            "config": RULES if config is None else config,
            "ids": ids if ids is not None else _ids(client), **kw}
    r = client.post("/api/generators/jobs", json=body)
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["id"])
    assert job["status"] == "done", job
    res = client.get(f"/api/generators/jobs/{job['id']}/result")
    assert res.status_code == 200, res.text
    return res.json()


def test_openapi_describes_the_routes_with_typed_models(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for p in ("/api/generators", "/api/generators/jobs", "/api/generators/jobs/{job_id}/result",
              "/api/generators/jobs/{job_id}/keep"):
        assert p in paths, p
    schemas = doc["components"]["schemas"]
    for name in ("GeneratorInfo", "ConfigField", "GenerateRequest", "GenerationResult",
                 "CounterfactualRow", "SpanChange", "Prediction", "KeepResult"):
        assert name in schemas, name
    ok = paths["/api/generators/jobs/{job_id}/result"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/GenerationResult")


def test_list_says_which_generators_apply_with_their_typed_config(client):
    r = client.get("/api/generators", params={"model": M, "dataset": D})
    assert r.status_code == 200, r.text
    gens = {g["id"]: g for g in r.json()}
    assert gens["word_replace"]["compatible"] and gens["ablation_flips"]["compatible"]
    # the keyword model has no gradients: hotflip does not apply, and says why
    assert not gens["hotflip"]["compatible"] and gens["hotflip"]["reason"]
    opts = {f["name"]: f for f in gens["word_replace"]["config"]}
    assert opts["budget"]["type"] == "int" and opts["budget"]["default"] == 100
    assert opts["ignore_case"]["type"] == "bool"
    assert opts["mode"]["choices"] == ["per_rule", "per_match", "all"]
    assert opts["rules"]["multiline"] is True
    # the tagger's outputs are tags: templates (classification, regression) do not apply
    tags = {g["id"]: g for g in client.get("/api/generators", params={
        "model": "tagger", "dataset": "ner"}).json()}
    assert not tags["templates"]["compatible"] and "tagging" in tags["templates"]["reason"]


def test_a_run_gives_rows_with_spans_predictions_flips_and_validity(client):
    res = _run(client)
    assert res["generator"] == "word_replace" and res["summary"]["parents"] == 6
    first = next(r for r in res["rows"] if r["parent_example"].get("text")
                 == "a good film with a great cast" and "bad" in r["example"]["text"])
    assert first["example"]["text"] == "a bad film with a great cast"
    assert first["example"]["label"] == "positive"  # the parent's gold label is kept
    (span,) = first["changes"]
    assert (span["old"], span["new"], span["start"], span["end"]) == ("good", "bad", 2, 6)
    assert first["example"]["text"][span["new_start"]:span["new_end"]] == "bad"
    pred = first["prediction"]
    assert pred["parent_label"] == "positive" and pred["flipped"] is (pred["label"]
                                                                     != "positive")
    assert pred["delta"] < 0  # "bad" lowers the parent's class
    # good -> bad is an antonym swap: not a valid counterfactual, and it says which check
    assert first["valid"] is False and first["failed_checks"] == ["antonym"]
    stats = res["statistics"]
    for view in ("raw", "valid"):
        fr = stats[view]["flip_rate"]["worst_case"]
        assert fr["method"] == "wilson" and fr["low"] <= fr["estimate"] <= fr["high"]
    assert stats["raw"]["flip_rate"]["parents"] >= stats["valid"]["flip_rate"]["parents"]
    assert stats["raw"]["accuracy"]["drop"]["method"] == "bootstrap"
    assert res["statistics_note"] == ""


def test_group_swap_on_saved_datapoints_reports_a_gap_per_direction(client):
    ids = []
    for text in ("he is good", "she is good", "his film was bad", "her film was great"):
        r = client.post(f"/api/datasets/{D}/datapoints",
                        json={"example": {"text": text, "label": "positive"}})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    res = _run(client, "group_swap", {"tagger": "none", "names": False}, ids)
    assert res["rows"] and all(r["meta"].get("direction") for r in res["rows"])
    assert {r["parent"] for r in res["rows"]} <= set(ids)  # the saved rows are the parents
    gaps = res["statistics"]["raw"]["group_gap"]
    assert len(gaps) == 2  # one per direction: A->B and B->A
    for g in gaps.values():  # four originals are far below min_pairs
        assert g["verdict"] == "not enough evidence" and g["pairs"] < g["min_pairs"]


def test_an_attack_carries_textattacks_summary(client):
    res = _run(client, "greedy_attack", {})
    att = res["statistics"]["attack_summary"]
    assert att["total"] == 6 == att["succeeded"] + att["failed"] + att["skipped"]
    assert [row[0] for row in res["attack_table"]][0] == "Number of successful attacks:"


def test_a_regressor_gets_rows_and_a_note_instead_of_statistics(client):
    r = client.post("/api/generators/jobs", json={"model": "length", "dataset": D,
                                                   "generator": "word_replace",
                                                   "config": RULES, "ids": _ids(client, 3)})
    job = _wait(client, r.json()["id"])
    res = client.get(f"/api/generators/jobs/{job['id']}/result").json()
    assert res["statistics"] is None and "classifiers" in res["statistics_note"]
    assert res["rows"][0]["prediction"]["kind"] == "regression"


@pytest.mark.parametrize(("body", "status", "names"), [
    ({"generator": "nope"}, 404, "nope"),
    ({"config": {"budgte": 3}}, 422, "config.budgte"),
    ({"config": {"budget": "many"}}, 422, "config.budget"),
    ({"config": {"ignore_case": 1}}, 422, "config.ignore_case"),
    ({"config": {"mode": "sometimes"}}, 422, "config.mode"),
    ({"config": {"rules": "", "budget": -1}}, 422, "budget"),
    ({"ids": ["no-such-row"]}, 404, "no-such-row"),
    ({"ids": []}, 422, "ids"),
    ({"generator": "hotflip"}, 422, "generator"),
    ({"reference": "neutral"}, 422, "reference"),
    ({"model": "nope"}, 404, "nope"),
])
def test_bad_requests_name_the_field_at_fault(client, body, status, names):
    req = {"model": M, "dataset": D, "generator": "word_replace", "config": RULES,
           "ids": _ids(client, 2), **body}
    r = client.post("/api/generators/jobs", json=req)
    assert r.status_code == status, r.text
    assert names in str(r.json()["detail"])


def test_keep_saves_rows_linked_to_parents_and_a_named_slice(client):
    res = _run(client)
    chosen = [r["id"] for r in res["rows"][:2]]
    r = client.post(f"/api/generators/jobs/{res['job']}/keep",
                    json={"ids": chosen, "slice": "good to bad"})
    assert r.status_code == 201, r.text
    kept = r.json()
    assert [row["_parent"] for row in kept["rows"]] == [x["parent"] for x in res["rows"][:2]]
    saved = {d["id"]: d for d in client.get(f"/api/datasets/{D}/datapoints").json()}
    for gen_id, new_id in kept["ids"].items():
        assert saved[new_id]["_parent"] == next(x["parent"] for x in res["rows"]
                                                 if x["id"] == gen_id)
        assert saved[new_id]["text"] == next(x["example"]["text"] for x in res["rows"]
                                             if x["id"] == gen_id)
    table = client.get(f"/api/datasets/{D}/rows", params={"limit": 100}).json()["rows"]
    parents = {row["id"]: row["_parent"] for row in table}
    assert all(parents[i] for i in kept["ids"].values())
    sl = client.get(f"/api/slices/{D}/good to bad").json()
    assert sl["ids"] == list(kept["ids"].values()) and sl["count"] == 2
    # all of them (no ids), no slice; keeping again stores each row once
    r = client.post(f"/api/generators/jobs/{res['job']}/keep", json={})
    assert r.status_code == 201 and r.json()["slice"] is None
    assert len(r.json()["rows"]) == len(res["rows"])
    ids = [d["id"] for d in client.get(f"/api/datasets/{D}/datapoints").json()]
    assert len(ids) == len(set(ids)) == len(res["rows"])


def test_keep_refuses_unknown_rows_and_jobs(client):
    res = _run(client)
    r = client.post(f"/api/generators/jobs/{res['job']}/keep", json={"ids": ["zzz"]})
    assert r.status_code == 404 and "zzz" in r.json()["detail"]
    r = client.post(f"/api/generators/jobs/{res['job']}/keep", json={"slice": " "})
    assert r.status_code == 422 and "slice" in r.json()["detail"]
    assert client.post("/api/generators/jobs/999/keep", json={}).status_code == 404
    assert client.get("/api/generators/jobs/999/result").status_code == 404


@pytest.mark.timeout(60)
def test_a_running_job_answers_409_and_cancels(client, held):
    r = client.post("/api/generators/jobs", json={"model": M, "dataset": D,
                                                   "generator": "test_held",
                                                   "ids": _ids(client, 2)})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    res = client.get(f"/api/generators/jobs/{job_id}/result")
    assert res.status_code == 409
    assert "running" in res.json()["detail"] or "queued" in res.json()["detail"]
    assert client.delete(f"/api/jobs/{job_id}").status_code == 200
    assert _wait(client, job_id)["status"] == "cancelled"
    res = client.get(f"/api/generators/jobs/{job_id}/result")
    assert res.status_code == 409 and "cancelled" in res.json()["detail"]
