"""POST /api/interpretations returns what lumos.engine.interpret.explain returns."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lumos.engine import Engine, Workspace
from lumos.engine.interpret import explain
from lumos.server.app import create_app
from lumos.testing import FakeClassifier
from lumos.testing.linear import LinearTextModel


@pytest.fixture
def linear_client(store):
    ws = Workspace({"linear": LinearTextModel(), "fake": FakeClassifier()}, {},
                   engine=Engine(store))
    app = create_app(ws)
    with TestClient(app) as c:
        yield c
    app.state.jobs.shutdown()


def test_salience_with_faithfulness_matches_the_python_api(linear_client):
    ex = [{"text": "the movie was great but the plot was awful"}]
    r = linear_client.post("/api/interpretations", json={
        "model": "linear", "method": "integrated_gradients", "config": {"steps": 8},
        "examples": ex, "faithfulness": True})
    assert r.status_code == 200, r.text
    body = r.json()
    got = body["results"][0]
    ref = explain(None, LinearTextModel(), ex, "integrated_gradients", {"steps": 8},
                  faithfulness=True)[0]
    np.testing.assert_allclose(got["integrated_gradients"]["salience"],
                               ref["integrated_gradients"]["salience"], rtol=1e-5)
    assert got["faithfulness"]["comprehensiveness"] == pytest.approx(
        ref["faithfulness"]["comprehensiveness"], abs=1e-5)
    assert body["spec"]["integrated_gradients"]["type"] == "TokenSalience"


def test_attention_on_a_black_box_model(linear_client):
    r = linear_client.post("/api/interpretations", json={
        "model": "fake", "method": "attention", "examples": [{"text": "good day"}]})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["attention_info"]["tokens_in"] == ["good", "day"]


@pytest.mark.parametrize(("payload", "status", "needle"), [
    ({"model": "linear", "method": "nope", "examples": [{"text": "a"}]}, 404, "nope"),
    ({"model": "fake", "method": "integrated_gradients", "examples": [{"text": "a"}]},
     422, "does not apply"),
    ({"model": "linear", "method": "lime", "config": {"bogus": 1},
      "examples": [{"text": "a"}]}, 422, "bogus"),
    ({"model": "linear", "method": "lime"}, 422, "ids"),
])
def test_errors_name_the_problem(linear_client, payload, status, needle):
    r = linear_client.post("/api/interpretations", json=payload)
    assert r.status_code == status
    assert needle in r.text


def test_methods_per_model_follow_each_components_is_compatible(linear_client):
    r = linear_client.get("/api/interpretations/methods")
    assert r.status_code == 200, r.text
    models = r.json()["models"]
    linear = {m["id"]: m for m in models["linear"]}
    fake = {m["id"]: m for m in models["fake"]}
    # gradients only for the Differentiable model; perturbation methods for both
    assert {"grad_dot_input", "integrated_gradients", "lime", "occlusion"} <= set(linear)
    assert "integrated_gradients" not in fake and "lime" in fake
    # attention only where the spec has an AttentionHeads output
    assert fake["attention"]["output"] == "AttentionHeads" and "attention" not in linear
    assert linear["grad_dot_input"]["autorun"] and not linear["integrated_gradients"]["autorun"]
    assert linear["gradient_norm"]["signed"] is False
    steps = {c["name"]: c for c in linear["integrated_gradients"]["config"]}["steps"]
    assert isinstance(steps["default"], int) and steps["help"]
    one = linear_client.get("/api/interpretations/methods", params={"model": "fake"}).json()
    assert list(one["models"]) == ["fake"]
    assert linear_client.get("/api/interpretations/methods",
                             params={"model": "nope"}).status_code == 404


def test_agreement_of_exact_methods_on_the_linear_model(linear_client):
    # for the sum-pooled score, gradient x input and occlusion both give w . e_i
    ex = [{"text": "the movie was great but acting awful"}, {"text": "bad film"}]
    r = linear_client.post("/api/interpretations/agreement", json={
        "model": "linear", "examples": ex,
        "methods": [{"method": "grad_dot_input", "config": {"output": "score"}},
                    {"method": "occlusion", "config": {"output": "score"}},
                    {"method": "gradient_norm", "config": {"output": "score"}}]})
    assert r.status_code == 200, r.text
    pairs = {(p["a"], p["b"]): p for p in r.json()["pairs"]}
    exact = pairs[("grad_dot_input", "occlusion")]
    assert exact["spearman"] == pytest.approx(1.0) and exact["n"] == 2
    # the gradient norm is the same for every word: no rank order to compare
    assert pairs[("grad_dot_input", "gradient_norm")]["spearman"] is None


@pytest.mark.parametrize(("payload", "needle"), [
    ({"methods": [{"method": "grad_dot_input"}]}, "at least two"),
    ({"methods": [{"method": "grad_dot_input"}, {"method": "attention"}]}, "attention"),
])
def test_agreement_errors_name_the_problem(linear_client, payload, needle):
    body = {"model": "linear", "examples": [{"text": "good film"}], **payload}
    r = linear_client.post("/api/interpretations/agreement", json=body)
    assert r.status_code == 422
    assert needle in r.text


def wait_for(client, job):
    while job["status"] in ("queued", "running"):
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


def test_randomisation_check_runs_as_a_job_and_matches_the_python_api(linear_client):
    from lumos.engine.randomisation import randomisation_check

    ex = [{"text": "the movie was great but the plot was awful"},
          {"text": "a good cast and a bad script"}]
    r = linear_client.post("/api/interpretations/randomisation", json={
        "model": "linear", "method": "grad_dot_input", "examples": ex})
    assert r.status_code == 202, r.text
    job = wait_for(linear_client, r.json())
    assert job["status"] == "done", job
    assert job["kind"] == "randomisation" and job["done"] == job["total"] == 4
    body = job["result"]
    ref = randomisation_check(None, LinearTextModel(), ex, "grad_dot_input")
    assert [s["layer"] for s in body["steps"]] == [s["layer"] for s in ref["steps"]]
    assert body["final_rank"] == pytest.approx(ref["final_rank"], abs=1e-6)
    assert body["final_rank"] < 0.6  # the map depends on the learned weights


def test_randomisation_check_needs_a_torch_model(linear_client):
    r = linear_client.post("/api/interpretations/randomisation", json={
        "model": "fake", "method": "occlusion", "examples": [{"text": "good day"}]})
    assert r.status_code == 422 and "torch" in r.text
