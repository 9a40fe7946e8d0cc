"""A projection's progress shows its real steps (the embeddings' batches first) and the
job can be cancelled from the projector, which then offers to compute it again.

The model's embedding batches wait on an event the test holds, so the page is looked at
while the job is known to be inside the embeddings step (no timing is assumed)."""

import re
import threading

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.testing import FakeClassifier
from lumos.testing.sample import sentiment_dataset

from .conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


# (outside the model: a model's own attributes are part of its cache key, so counting in
# them would make every call a different model)
GATE = {"batches": 0, "inside": threading.Event(), "release": threading.Event()}


class GatedClassifier(FakeClassifier):
    """Its fourth batch of embeddings waits until ``GATE["release"]`` is set."""

    def __init__(self) -> None:
        super().__init__(max_batch_size=4)

    def predict(self, inputs, *, fields=None):
        if fields and "embedding" in fields:
            GATE["batches"] += 1
            if GATE["batches"] == 4:
                GATE["inside"].set()
                GATE["release"].wait(60)
        return super().predict(inputs, fields=fields)


@pytest.fixture
def gated(tmp_path):
    GATE["batches"] = 0
    GATE["inside"].clear()
    GATE["release"].clear()
    model = GatedClassifier()
    srv = make_server({"gated": model}, {"sentiment": sentiment_dataset()}, port=free_port(),
                      store=tmp_path / "store.sqlite", quiet=True).start()
    yield srv, model
    GATE["release"].set()
    srv.stop()


def test_progress_names_the_step_and_cancel_returns_to_compute(page, gated):
    srv, _ = gated
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.goto(srv.url.rstrip("/") + "/?models=gated&dataset=sentiment&hide=salience,attention")
    stage = page.get_by_test_id("projector")
    expect(stage).to_have_attribute("data-status", "missing")
    page.get_by_test_id("projector-compute").click()
    assert GATE["inside"].wait(30), "the projection never asked for a fourth batch"
    # the embeddings' batches, then pooling, fitting and storing; some batches done, but
    # not the one held (the engine plans the batches: their number is not fixed here)
    stage_text = page.get_by_test_id("projector-stage")
    expect(stage_text).to_have_text(re.compile(r"^embeddings · [1-9]\d* / \d+ steps$"))
    progress = page.get_by_test_id("projector-progress")
    done, total = int(progress.get_attribute("value")), int(progress.get_attribute("max"))
    assert 0 < done < total - 3 and stage_text.inner_text().endswith(f"/ {total} steps")
    page.get_by_test_id("projector-cancel").click()
    GATE["release"].set()
    expect(stage).to_have_attribute("data-status", "missing")
    expect(page.get_by_test_id("projector-compute")).to_be_visible()
    # computed again, to the end
    page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    assert failed == [], failed
