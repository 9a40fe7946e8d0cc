"""Saved datapoints: kept in the store, deleted and restored, never blocking metrics."""

from __future__ import annotations

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
