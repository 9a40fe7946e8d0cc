"""The model-randomisation check is offered per (model, method) by the server, from
capabilities: never for attention-reading methods (attention rollout), never for a model
without a torch module."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lumos.api import types as T
from lumos.engine import Engine, Workspace
from lumos.engine.randomisation import randomisation_problem
from lumos.server.app import create_app
from lumos.testing import FakeClassifier
from lumos.testing.linear import LinearTextModel


class AttendingLinear(LinearTextModel):
    """The torch test model plus a self-attention output (uniform over its tokens)."""

    def output_spec(self) -> T.Spec:
        return {**super().output_spec(),
                "attention": T.AttentionHeads(align_in="tokens", align_out="tokens",
                                              num_layers=1, num_heads=1)}

    def predict(self, inputs, *, fields=None):
        out = super().predict(inputs, fields=fields)
        for o in out:
            n = len(o["tokens"])
            o["attention"] = np.full((1, 1, n, n), 1.0 / n, dtype=np.float32)
        return out


@pytest.fixture
def client(store):
    ws = Workspace({"attending": AttendingLinear(), "fake": FakeClassifier()}, {},
                   engine=Engine(store))
    app = create_app(ws)
    with TestClient(app) as c:
        yield c
    app.state.jobs.shutdown()


def test_methods_say_where_the_randomisation_check_runs(client):
    r = client.get("/api/interpretations/methods")
    assert r.status_code == 200, r.text
    torch_model = {m["id"]: m for m in r.json()["models"]["attending"]}
    assert "attention_rollout" in torch_model  # the method applies to the model ...
    assert torch_model["attention_rollout"]["randomisation"] is False  # ... the check not
    assert "attention" in torch_model["attention_rollout"]["randomisation_problem"]
    for method in ("grad_dot_input", "integrated_gradients", "occlusion"):
        assert torch_model[method]["randomisation"] is True, method
        assert torch_model[method]["randomisation_problem"] == ""
    black_box = {m["id"]: m for m in r.json()["models"]["fake"]}
    assert not any(m["randomisation"] for m in black_box.values())
    assert "torch" in black_box["occlusion"]["randomisation_problem"]


def test_randomisation_of_attention_rollout_is_refused_naming_the_reason(client):
    r = client.post("/api/interpretations/randomisation", json={
        "model": "attending", "method": "attention_rollout", "examples": [{"text": "good day"}]})
    assert r.status_code == 422, r.text
    assert "method" in r.text and "attention" in r.text and "gradient" in r.text


def test_the_engine_check_refuses_what_it_cannot_run():
    assert randomisation_problem(AttendingLinear(), "grad_dot_input") is None
    assert "explain a prediction" in randomisation_problem(AttendingLinear(),
                                                           "attention_rollout")
    assert "torch module" in randomisation_problem(FakeClassifier(), "occlusion")


def test_the_components_route_says_it_too(client):
    r = client.get("/api/components/interpreter")
    assert r.status_code == 200, r.text
    by_id = {c["id"]: c for c in r.json()}
    assert "attention" in by_id["attention_rollout"]["randomisation"]["attending"]
    assert by_id["grad_dot_input"]["randomisation"]["attending"] == ""
    assert "torch" in by_id["occlusion"]["randomisation"]["fake"]
