"""Attention in real Chromium: the layer x head grid with head entropy, one head in
detail, token-to-token lines and rollout, following the editor.

The fake classifier attends uniformly (1 layer, 2 heads), so every head's entropy is 1
and rollout with the residual is known: ``0.5 + 0.5/n`` on the diagonal, ``0.5/n`` off
it. A real pretrained encoder (MiniLM-L6, 6 layers x 12 heads) gives the screenshots.
"""

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.testing.sample import sentiment_dataset

from .conftest import free_port

pytestmark = pytest.mark.browser


def open_row(page, server, models, text):
    page.goto(f"{server.url.rstrip('/')}/?models={models}&dataset=sentiment")
    page.locator(".spacer-rows .row", has_text=text).first.click()


def test_uniform_attention_grid_entropy_and_rollout(page, server, shot):
    open_row(page, server, "keywords", "not good at all")
    panel = page.locator("[data-module=attention]")
    heads = panel.get_by_test_id("attention-head")
    expect(heads).to_have_count(2)
    for k in range(2):
        assert float(heads.nth(k).get_attribute("data-entropy")) == pytest.approx(1.0)
        expect(heads.nth(k)).to_contain_text("1.00")
    heads.nth(1).click()
    expect(panel.get_by_test_id("attention-selected")).to_have_text("Layer 0, head 1")
    matrix = panel.get_by_test_id("attention-matrix")
    expect(matrix.locator("rect:not(.outline)")).to_have_count(16)
    # token to token: a line for every pair, each as strong as the others
    panel.get_by_test_id("attention-lines-tab").click()
    lines = panel.get_by_test_id("attention-lines").locator("line")
    expect(lines).to_have_count(16)
    assert set(lines.evaluate_all("ls => ls.map(l => l.getAttribute('stroke-opacity'))")) \
        == {"0.6"}
    panel.get_by_test_id("attention-lines").locator("text[data-query='1']").hover()
    expect(lines).to_have_count(4)
    # rollout of uniform attention with the residual connection
    panel.get_by_test_id("attention-view-rollout").click()
    row = panel.get_by_test_id("rollout-row").locator("[data-value]")
    expect(row).to_have_count(4)
    got = [float(v) for v in row.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert got == pytest.approx([0.625, 0.125, 0.125, 0.125], abs=1e-5)
    panel.get_by_test_id("rollout-matrix").locator("g[data-row='2']").click()
    got = [float(v) for v in row.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert got == pytest.approx([0.125, 0.125, 0.625, 0.125], abs=1e-5)
    # the maps follow the editor
    page.get_by_test_id("edit-text").fill("good")
    expect(row).to_have_count(1)
    panel.get_by_test_id("attention-view-heads").click()
    expect(lines).to_have_count(1)


@pytest.fixture(scope="module")
def minilm_server(tmp_path_factory):
    from lumos.models.hf.classifier import HFClassifier
    from lumos.models.packaged import minilm_path

    model = HFClassifier(minilm_path(), labels=("negative", "positive"))
    srv = make_server({"minilm": model}, {"sentiment": sentiment_dataset()},
                      port=free_port(), quiet=True,
                      store=tmp_path_factory.mktemp("store") / "s.sqlite").start()
    yield srv
    srv.stop()


def test_pretrained_encoder_heads(page, minilm_server, shot):
    page.set_viewport_size({"width": 1500, "height": 1100})
    open_row(page, minilm_server, "minilm", "the plot was bad and the acting awful")
    page.locator("[data-module=salience] button", has_text="Hide").click()
    panel = page.locator("[data-module=attention]")
    heads = panel.get_by_test_id("attention-head")
    expect(heads).to_have_count(6 * 12)
    ents = [float(e) for e in heads.evaluate_all("hs => hs.map(h => h.dataset.entropy)")]
    assert all(0.0 <= e <= 1.0 for e in ents)
    assert max(ents) - min(ents) > 0.2  # pretrained heads differ: some sharp, some broad
    panel.locator("[data-testid=attention-head][data-layer='2'][data-head='3']").click()
    expect(panel.get_by_test_id("attention-selected")).to_have_text("Layer 2, head 3")
    # [CLS] + 8 words + [SEP]
    expect(panel.get_by_test_id("attention-matrix").locator("g[data-row]")).to_have_count(10)
    page.mouse.move(0, 0)
    shot(panel, "attention")
    panel.get_by_test_id("attention-lines-tab").click()
    expect(panel.get_by_test_id("attention-lines")).to_be_visible()
    shot(panel.get_by_test_id("attention-lines"), "attention-lines")
    panel.get_by_test_id("attention-view-rollout").click()
    expect(panel.get_by_test_id("rollout-matrix")).to_be_visible()
    shot(panel, "attention-rollout")
