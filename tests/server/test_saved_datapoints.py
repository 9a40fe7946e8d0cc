"""Saved datapoints: kept in the store, deleted and restored, never blocking metrics."""

from __future__ import annotations

import time

import pytest

M, D = "keywords", "sentiment"


def _save(client, text="a wonderful film, truly", label="positive"):
    r = client.post(f"/api/datasets/{D}/datapoints",
                    json={"example": {"text": text, "label": label}, "parent": None})
    assert r.status_code == 201, r.text
    return r.json()


def test_metrics_compute_over_saved_datapoints_without_predictions(client):
    saved = _save(client)
    for kw in ({}, {"ids": [saved["id"]]}, {"by": "label"}):
        r = client.post("/api/metrics", json={"model": M, "dataset": D, **kw})
        assert r.status_code == 200, (kw, r.text)
        assert r.json()["rows"], kw
    r = client.post("/api/metrics/confusion", json={"model": M, "dataset": D, "field": "probas",
                                                     "ids": [saved["id"]]})
    assert r.status_code == 200, r.text


def test_a_deleted_datapoint_restores_under_the_same_key(client):
    saved = _save(client)
    assert client.delete(f"/api/datasets/{D}/datapoints/{saved['id']}").status_code == 200
    ids = [r["id"] for r in client.get(f"/api/datasets/{D}/datapoints").json()]
    assert saved["id"] not in ids
    again = _save(client)
    assert again["id"] == saved["id"]
    ids = [r["id"] for r in client.get(f"/api/datasets/{D}/datapoints").json()]
    assert ids.count(saved["id"]) == 1


@pytest.mark.timeout(120)
def test_predicting_a_saved_datapoint_fills_the_table_so_nothing_is_missing(client):
    """What the page does at save time: predict the new row by id, then the cached
    prediction table has no row missing (the metrics module waits for none)."""
    client.post("/api/predictions/jobs", json={"model": M, "dataset": D})
    deadline = time.monotonic() + 60  # a guard against hanging, not a speed test
    q = {"model": M, "dataset": D, "cached_only": "true"}
    while client.get("/api/predictions/table", params=q).headers["x-missing"] != "0":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    saved = _save(client)
    assert client.get("/api/predictions/table", params=q).headers["x-missing"] == "1"
    r = client.post("/api/predictions", json={"model": M, "dataset": D, "ids": [saved["id"]]})
    assert r.status_code == 200, r.text
    assert client.get("/api/predictions/table", params=q).headers["x-missing"] == "0"
