import time

import pyarrow as pa
import pytest

from lumos.server.arrow import from_ipc


def test_openapi_lists_every_resource(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/models", "/api/datasets", "/api/datasets/{name}/rows", "/api/predictions",
              "/api/predictions/jobs", "/api/jobs/{job_id}", "/api/state/{namespace}/{key}"):
        assert p in paths


def test_models_carry_specs_and_compatible_datasets(client):
    models = {m["name"]: m for m in client.get("/api/models").json()}
    assert models["keywords"]["status"] == "ready"
    assert models["keywords"]["output_spec"]["probas"]["type"] == "MulticlassPreds"
    assert models["keywords"]["output_spec"]["probas"]["vocab"] == ["negative", "positive"]
    assert models["tagger"]["datasets"] == ["ner"]


def test_unknown_names_give_404_naming_the_known_ones(client):
    r = client.get("/api/models/nope")
    assert r.status_code == 404
    assert "no model named 'nope'" in r.json()["detail"] and "keywords" in r.json()["detail"]
    r = client.get("/api/datasets/nope/rows")
    assert r.status_code == 404 and "no dataset named 'nope'" in r.json()["detail"]
    r = client.post("/api/predictions", json={"model": "nope", "examples": [{"text": "x"}]})
    assert r.status_code == 404
    assert client.get("/api/nothing-here").status_code == 404


def test_rows_are_paged_as_json(client):
    r = client.get("/api/datasets/sentiment/rows", params={"offset": 2, "limit": 3})
    body = r.json()
    assert body["total"] == 16 and body["offset"] == 2
    assert [row["text"] for row in body["rows"]][0] == "not good at all"
    assert len(body["rows"]) == 3  # row keys: 'r' and 16 hex digits of the row's content
    assert all(row["id"].startswith("r") and len(row["id"]) == 17 for row in body["rows"])


def test_rows_as_arrow(client):
    r = client.get("/api/datasets/sentiment/rows", params={"format": "arrow", "limit": 0})
    assert r.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = from_ipc(r.content)
    assert table.num_rows == 16
    assert set(table.column_names) >= {"id", "text", "label", "_parent"}


def test_predict_inline_example_changes_with_text(client):
    def pos(text):
        r = client.post("/api/predictions", json={"model": "keywords",
                                                  "examples": [{"text": text}]})
        assert r.status_code == 200, r.text
        return r.json()["outputs"][0]["probas"][1]

    assert pos("a good day") > 0.5 > pos("a bad day")


def test_predict_by_ids_and_fields(client):
    ids = [r["id"] for r in client.get("/api/datasets/sentiment/rows").json()["rows"][:2]]
    r = client.post("/api/predictions", json={"model": "negation", "dataset": "sentiment",
                                              "ids": ids, "fields": ["probas"]})
    out = r.json()
    assert out["ids"] == ids and set(out["outputs"][0]) == {"probas"}
    r = client.post("/api/predictions", json={"model": "negation", "dataset": "sentiment",
                                              "ids": ["missing"]})
    assert r.status_code == 404 and "missing" in r.json()["detail"]


def test_predict_rejects_bad_input_naming_the_field(client):
    r = client.post("/api/predictions", json={"model": "keywords", "examples": [{"text": ""}]})
    assert r.status_code == 422 and "'text'" in r.json()["detail"]
    r = client.post("/api/predictions", json={"model": "keywords", "examples": [{"text": "a"}],
                                              "fields": ["nope"]})
    assert r.status_code == 422 and "'nope'" in r.json()["detail"]


def test_multitask_heads_in_one_answer(client):
    r = client.post("/api/predictions", json={"model": "multitask",
                                              "examples": [{"text": "good one"}]})
    out = r.json()["outputs"][0]
    assert set(out) >= {"sentiment", "length"} and out["length"] == pytest.approx(0.2)


def _wait(client, job):
    deadline = time.monotonic() + 120  # a guard against hanging, not a speed test
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.02)
    raise AssertionError("job did not finish")


def test_table_is_empty_until_a_job_predicts_the_dataset(client):
    params = {"model": "keywords", "dataset": "sentiment"}
    r = client.get("/api/predictions/table", params=params)
    assert int(r.headers["X-Missing"]) == 16
    assert from_ipc(r.content).column("probas").null_count == 16
    job = client.post("/api/predictions/jobs", json=params).json()
    job = _wait(client, job)
    assert job["status"] == "done" and job["done"] == job["total"] == 16
    r = client.get("/api/predictions/table", params=params)
    table = from_ipc(r.content)
    assert r.headers["X-Missing"] == "0" and table.column("probas").null_count == 0
    assert table.schema.field("probas").type == pa.list_(pa.float32())


def test_table_counts_a_taggers_wrong_tags_against_gold(client, workspace):
    from lumos.api import types as T
    from lumos.datasets import ArrowDataset
    from lumos.testing import FakeTagger
    from lumos.testing.sample import NER

    # gold: "Paris" is no person; "New York" neither (the fake tags both B-PER ...)
    gold = [["B-PER", "O", "B-PER", "O", "O"], ["O"] * 5, ["B-PER", "I-PER"] + ["O"] * 4,
            ["O"] * 7]
    spec = {"tokens": T.Tokens(),
            "tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags, required=False)}
    workspace.datasets["ner-gold"] = ArrowDataset(pa.table({"tokens": NER, "tags": gold}),
                                                  spec, name="ner-gold")
    params = {"model": "tagger", "dataset": "ner-gold"}
    r = client.get("/api/predictions/table", params=params)
    assert r.status_code == 200, r.text
    assert from_ipc(r.content).column("pred_tags:wrong_tags").null_count == len(NER)
    assert _wait(client, client.post("/api/predictions/jobs", json=params).json())[
        "status"] == "done"
    table = from_ipc(client.get("/api/predictions/table", params=params).content)
    assert table.column("pred_tags:wrong_tags").to_pylist() == [1, 0, 0, 2]


def test_failed_job_shows_its_error(client, workspace):
    from lumos.testing import BrokenModel

    workspace.models["broken"] = BrokenModel()  # skips the smoke test on purpose
    job = client.post("/api/predictions/jobs",
                      json={"model": "broken", "dataset": "sentiment"}).json()
    job = _wait(client, job)
    assert job["status"] == "error" and "probas" in job["error"]


def test_datapoints_are_saved_with_their_parent(client, workspace):
    parent = client.get("/api/datasets/sentiment/rows").json()["rows"][0]
    r = client.post("/api/datasets/sentiment/datapoints",
                    json={"example": {"text": "a bad film", "label": "negative"},
                          "parent": parent["id"]})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["_parent"] == parent["id"] and new["id"] != parent["id"]
    rows = client.get("/api/datasets/sentiment/rows", params={"offset": 16}).json()
    assert rows["total"] == 17 and rows["rows"][0]["text"] == "a bad film"
    assert rows["rows"][0]["_parent"] == parent["id"]
    # predictions by id work for saved datapoints too
    r = client.post("/api/predictions", json={"model": "keywords", "dataset": "sentiment",
                                              "ids": [new["id"]]})
    assert r.json()["outputs"][0]["probas"][0] > 0.5
    assert client.delete(f"/api/datasets/sentiment/datapoints/{new['id']}").status_code == 200
    assert client.get("/api/datasets/sentiment").json()["size"] == 16


def test_datapoint_validation_names_the_field(client):
    r = client.post("/api/datasets/sentiment/datapoints",
                    json={"example": {"text": "x", "label": "meh"}})
    assert r.status_code == 422 and "'label'" in r.json()["detail"]
    r = client.post("/api/datasets/sentiment/datapoints", json={"example": {"txt": "x"}})
    assert r.status_code == 422 and "'txt'" in r.json()["detail"]


def test_state_round_trip(client):
    assert client.put("/api/state/slices/negatives", json={"ids": ["a", "b"]}).status_code == 200
    assert client.get("/api/state/slices/negatives").json() == {"ids": ["a", "b"]}
    assert client.get("/api/state/slices").json() == {"negatives": {"ids": ["a", "b"]}}
    assert client.get("/api/state/nope/x").status_code == 404
    assert client.delete("/api/state/slices/negatives").status_code == 200
    assert client.get("/api/state/slices/negatives").status_code == 404


def test_status_reports_loading_and_errors(client, workspace):
    workspace.loading["big"] = "loading"
    workspace.loading["bad"] = "error: weights not found"
    body = client.get("/api/status").json()
    assert body["models"]["big"]["status"] == "loading" and body["ready"] is False
    assert body["models"]["bad"] == {"status": "error", "error": "weights not found"}
    r = client.post("/api/predictions", json={"model": "big", "examples": [{"text": "x"}]})
    assert r.status_code == 503 and "still loading" in r.json()["detail"]


def test_query_filters_sorts_and_pages_on_the_server(client):
    body = {"filters": [{"field": "text", "op": "contains", "value": "a"}],
            "sort": [{"field": "text", "order": "desc"}], "limit": 2, "format": "json"}
    r = client.post("/api/datasets/sentiment/query", json=body)
    assert r.status_code == 200
    data = r.json()
    everything = client.get("/api/datasets/sentiment/rows?limit=1000").json()["rows"]
    expected = sorted((x["text"] for x in everything if "a" in x["text"].lower()),
                      reverse=True)
    assert data["total"] == len(expected) and len(expected) > 2
    assert [x["text"] for x in data["rows"]] == expected[:2]
    arrow = client.post("/api/datasets/sentiment/query", json={**body, "format": "arrow"})
    assert from_ipc(arrow.content).column("text").to_pylist() == expected[:2]
    assert arrow.headers["x-total-count"] == str(len(expected))


def test_query_errors_name_the_field(client):
    r = client.post("/api/datasets/sentiment/query",
                    json={"filters": [{"field": "nope", "op": "==", "value": 1}]})
    assert r.status_code == 422 and "nope" in r.json()["detail"]


def test_an_inline_example_with_a_rows_id_never_lands_under_that_row(client):
    """Fails at d69ab88: the example's prediction was stored under the row's id."""
    rows = client.get("/api/datasets/sentiment/rows", params={"limit": 1}).json()["rows"]
    row = rows[0]
    by_id = client.post("/api/predictions", json={
        "model": "keywords", "dataset": "sentiment", "ids": [row["id"]]}).json()
    inline = client.post("/api/predictions", json={
        "model": "keywords",
        "examples": [{"id": row["id"], "text": "great great excellent wonderful"}]}).json()
    assert inline["ids"] == [row["id"]]  # the caller's id labels the answer ...
    assert inline["outputs"][0]["probas"] != by_id["outputs"][0]["probas"]
    again = client.post("/api/predictions", json={
        "model": "keywords", "dataset": "sentiment", "ids": [row["id"]]}).json()
    assert again["outputs"][0]["probas"] == by_id["outputs"][0]["probas"]  # ... not the row
