"""Projections over HTTP: never fitted on a read, computed by a job, sent as Arrow."""

import time

import numpy as np
import pyarrow as pa

from lumos.server.arrow import from_ipc

Q = {"model": "keywords", "dataset": "sentiment", "field": "embedding", "method": "pca"}


def run_job(client, **body):
    r = client.post("/api/projections/jobs", json={**Q, **body})
    assert r.status_code == 202, r.text
    job = r.json()
    deadline = time.monotonic() + 120  # a guard against hanging, not a speed test
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.02)
    assert job["status"] == "done", job
    return job


def test_points_are_not_fitted_on_read(client, workspace):
    r = client.get("/api/projections/points", params=Q)
    assert r.status_code == 204 and r.content == b""  # a state, not a failed request
    assert r.headers["x-projection"] == "missing"
    assert "not computed yet" in r.headers["x-projection-detail"]
    assert workspace.store.list_state("projections") == {}


def test_the_job_reports_its_fitting_steps(client, monkeypatch):
    from lumos.server import jobs as J

    stages = []
    real = J.Jobs.submit

    def spying(self, kind, key, label, work):
        def watched(progress, cancel):
            def spy(done, total, stage=None):
                stages.append(stage)
                progress(done, total, stage)
            return work(spy, cancel)
        return real(self, kind, key, label, watched)

    monkeypatch.setattr(J.Jobs, "submit", spying)
    job = run_job(client)
    assert job["stage"] == "done" and job["done"] == job["total"]
    assert "embeddings" in stages and "storing the layout" in stages
    assert any(s and s.startswith("fitting PCA on ") for s in stages)


def test_job_then_points_as_float32_arrow(client, workspace):
    run_job(client)
    r = client.get("/api/projections/points", params=Q)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.apache.arrow.stream"
    t = from_ipc(r.content)
    assert t.schema.field("x").type == pa.float32() and t.schema.field("y").type == pa.float32()
    assert "z" not in t.column_names
    assert t.column("id").to_pylist() == list(workspace.datasets["sentiment"].ids)
    # the layout is PCA of the model's embeddings
    from sklearn.decomposition import PCA

    ds = workspace.datasets["sentiment"]
    emb = np.stack([o["embedding"] for o in workspace.models["keywords"].predict(
        ds.examples(list(range(len(ds)))), fields=["embedding"])])
    want = PCA(n_components=2, random_state=0).fit_transform(emb)
    got = np.stack([t.column("x").to_numpy(), t.column("y").to_numpy()], 1)
    for k in range(2):  # components match up to sign
        c = np.corrcoef(got[:, k], want[:, k])[0, 1]
        assert abs(c) > 0.999


def test_three_dimensions_and_created_rows_placed(client):
    run_job(client, dims=3)
    added = client.post("/api/datasets/sentiment/datapoints",
                        json={"example": {"text": "a great and good film"}})
    assert added.status_code == 201
    t = from_ipc(client.get("/api/projections/points", params={**Q, "dims": 3}).content)
    assert {"x", "y", "z"} <= set(t.column_names)
    assert t.num_rows == 17
    assert t.column("created").to_pylist() == [False] * 16 + [True]
    assert t.column("id").to_pylist()[-1] == added.json()["id"]


def test_second_job_uses_the_cache(client, workspace):
    run_job(client)
    calls = workspace.models["keywords"].calls
    run_job(client)
    assert workspace.models["keywords"].calls == calls


def test_bad_settings_name_the_field(client):
    r = client.get("/api/projections/points", params={**Q, "field": "probas"})
    assert r.status_code == 422 and "'probas'" in r.json()["detail"]
    r = client.post("/api/projections/jobs", json={**Q, "method": "nope"})
    assert r.status_code == 422 and "'nope'" in r.json()["detail"]
    r = client.get("/api/projections/points", params={**Q, "dims": 4})
    assert r.status_code == 422 and "dims" in r.text
    r = client.post("/api/projections/jobs", json={**Q, "config": {"bogus": 1}})
    assert r.status_code == 422 and "bogus" in r.json()["detail"]


def test_options_and_place(client):
    opts = client.get("/api/projections/options", params={"model": "keywords"}).json()
    assert opts["fields"] == ["embedding"]
    assert {"pca", "umap", "tsne"} <= {m["id"] for m in opts["methods"]}
    r = client.post("/api/projections/place", json={**Q, "examples": [{"text": "good"}]})
    assert r.status_code == 404
    run_job(client)
    r = client.post("/api/projections/place", json={**Q, "examples": [{"text": "good"}]})
    assert r.status_code == 200 and len(r.json()["coords"][0]) == 2
