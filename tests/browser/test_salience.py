"""Salience and sequence salience in real Chromium, checked against known answers.

``LinearTextModel`` (sum pooling) has exact attributions: gradient × input and occlusion
of its ``score`` output give ``w · e_i`` for word i, so the two methods agree perfectly;
its faithfulness figures must equal the Python API's. A tiny random causal LM gives one
salience row per generated token.
"""

import re

import pytest
from playwright.sync_api import expect

from lumos.engine.interpret import explain
from lumos.server.serve import make_server
from lumos.testing import FakeClassifier, FakeGenerator, FakeTagger
from lumos.testing.linear import LinearTextModel
from lumos.testing.sample import sentiment_dataset, translation_dataset

from .conftest import free_port

pytestmark = pytest.mark.browser

TEXT = "the movie was bad and acting awful"


@pytest.fixture(scope="module")
def xserver(tmp_path_factory):
    from lumos.testing.sample import ner_dataset
    from lumos.testing.tiny import build_hf_causal_lm

    work = tmp_path_factory.mktemp("tiny")
    lm, _ = build_hf_causal_lm(work)
    lm.prompt_field, lm.target_field = "source", "target"
    models = {"linear": LinearTextModel(), "keywords": FakeClassifier(), "tiny_lm": lm,
              "reverser": FakeGenerator(), "tagger": FakeTagger()}
    datasets = {"sentiment": sentiment_dataset(), "translation": translation_dataset(),
                "ner": ner_dataset()}
    srv = make_server(models, datasets, port=free_port(),
                      store=tmp_path_factory.mktemp("store") / "s.sqlite", quiet=True).start()
    yield srv
    srv.stop()


def open_row(page, server, models, dataset, text):
    page.goto(f"{server.url.rstrip('/')}/?models={models}&dataset={dataset}")
    page.locator(".spacer-rows .row", has_text=text).first.click()


def srow(page, method):
    return page.locator(f"[data-testid=salience-row][data-method={method}]")


def values(row):
    return [float(v) for v in row.locator("[data-testid=token-map] [data-value]")
            .evaluate_all("els => els.map(e => e.dataset.value)")]


def test_salience_rows_match_known_answers_with_faithfulness(page, xserver, shot):
    open_row(page, xserver, "linear", "sentiment", "the plot was bad")
    page.get_by_test_id("edit-text").fill(TEXT)
    panel = page.locator("[data-module=salience]")
    page.get_by_test_id("salience-output").select_option("score")
    gdi = srow(page, "grad_dot_input")
    expect(gdi).to_have_attribute("data-status", "done")
    model = LinearTextModel()
    want = model.word_contributions(TEXT)
    assert values(gdi) == pytest.approx(want.tolist(), abs=1e-4)
    assert gdi.locator("[data-testid=token-map] .tok").all_inner_texts() == TEXT.split()
    # the faithfulness figures are the Python API's
    ref = explain(None, model, [{"text": TEXT}], "grad_dot_input", {"output": "score"},
                  faithfulness=True)[0]["faithfulness"]
    for key in ("comprehensiveness", "sufficiency", "aopc_comprehensiveness",
                "aopc_sufficiency"):
        cell = gdi.locator(f"[data-metric={key}] b")
        assert float(cell.inner_text()) == pytest.approx(ref[key], abs=6e-4), key
        assert "better" in gdi.locator(f"[data-metric={key}]").get_attribute("title")
        arrow = "↓" if "sufficiency" in key else "↑"
        assert gdi.locator(f"[data-metric={key}] i").inner_text() == arrow, key
    expect(panel.get_by_test_id("faithfulness-legend")).to_contain_text(
        "↑ higher is better, ↓ lower is better")
    # occlusion is on request; once run it agrees exactly with gradient x input
    occ = srow(page, "occlusion")
    expect(occ.get_by_test_id("run-occlusion")).to_be_visible()
    expect(occ.get_by_test_id("token-map")).to_have_count(0)
    occ.get_by_test_id("run-occlusion").click()
    expect(occ).to_have_attribute("data-status", "done")
    assert values(occ) == pytest.approx(want.tolist(), abs=1e-4)
    pair = panel.locator("[data-testid=agreement] tr[data-a=grad_dot_input][data-b=occlusion]")
    expect(pair.get_by_test_id("spearman")).to_have_text("1.00")
    expect(panel.get_by_test_id("salience-legend").first).to_contain_text("raises the score")
    shot(panel, "salience")


def test_expensive_method_runs_on_request_and_maps_follow_the_editor(page, xserver, shot):
    open_row(page, xserver, "linear", "sentiment", "a good film with a great cast")
    ig = srow(page, "integrated_gradients")
    expect(ig).to_have_attribute("data-status", "idle")
    ig.get_by_test_id("run-integrated_gradients").click()
    expect(ig).to_have_attribute("data-status", "done")
    expect(ig.locator(".tok")).to_have_count(7)
    # IG's convergence delta says what it is and which way is better
    expect(ig.get_by_test_id("ig-delta")).to_contain_text(
        re.compile(r"completeness gap \(δ\) -?\d\.\d{3} — smaller is better"))
    # typing in the editor recomputes the cheap maps and the ones already asked for
    page.get_by_test_id("edit-text").fill("an awful film")
    gdi = srow(page, "grad_dot_input")
    expect(gdi.locator(".tok")).to_have_text(["an", "awful", "film"])
    expect(ig.locator(".tok")).to_have_text(["an", "awful", "film"])
    expect(page.get_by_test_id("salience-target-text")).to_contain_text("live edit")
    # the predicted class of the edit is explained: 'awful' pushes towards it
    expect(page.get_by_test_id("salience-target-text")).to_contain_text("negative")
    awful = values(gdi)[1]
    assert awful == max(values(gdi)) and awful > 0
    shot(page.locator("[data-module=salience]"), "salience-live-edit")


def test_modules_appear_only_for_models_that_support_them(page, xserver):
    open_row(page, xserver, "reverser", "translation", "the cat sat")
    expect(page.locator("[data-module=generation]")).to_be_visible()
    # a generator without gradients: no sequence salience, nothing to explain
    expect(page.locator("[data-module=sequence-salience]")).to_have_count(0)
    expect(page.locator("[data-module=salience]")).to_have_count(0)
    # a black-box tagger: perturbation methods explain one token's tag
    open_row(page, xserver, "tagger", "ner", "Alice met Bob")
    expect(page.locator("[data-module=tags]")).to_be_visible()
    # a hang guard, not a speed check: the salience module asks the server for the
    # tagger's methods first (a fresh-clone run under load waited past 20 s once)
    expect(page.get_by_test_id("salience-token")).to_be_visible(timeout=60_000)
    page.get_by_test_id("salience-token").select_option("2")
    occ = srow(page, "occlusion")
    occ.get_by_test_id("run-occlusion").click()
    expect(occ).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("salience-target-text")).to_contain_text("B-PER")
    expect(page.locator("[data-module=attention]")).to_have_count(0)
    # a black-box classifier gets the perturbation methods only
    open_row(page, xserver, "keywords", "sentiment", "the plot was bad")
    expect(srow(page, "lime")).to_be_visible()
    expect(srow(page, "occlusion")).to_be_visible()
    expect(srow(page, "grad_dot_input")).to_have_count(0)
    expect(srow(page, "integrated_gradients")).to_have_count(0)


def test_sequence_salience_matrix_per_generated_token(page, xserver, shot):
    open_row(page, xserver, "tiny_lm", "translation", "good morning to you")
    panel = page.locator("[data-module=sequence-salience]")
    panel.get_by_test_id("seqsal-run").click()
    matrix = panel.get_by_test_id("seqsal-matrix")
    expect(matrix).to_be_visible(timeout=30000)
    targets = panel.get_by_test_id("seqsal-target")
    n = targets.count()
    assert n > 0
    expect(matrix.locator("g[data-row]")).to_have_count(n)
    # each row has as many cells as the prompt plus the generated tokens
    cells = matrix.locator("g[data-row='0'] rect:not(.outline)").count()
    drivers = panel.get_by_test_id("seqsal-drivers").locator(".tok")
    assert drivers.count() == cells
    # clicking a generated token shows what drove it; later tokens are greyed out
    targets.nth(n - 1).click()
    expect(targets.nth(n - 1)).to_have_attribute("aria-pressed", "true")
    expect(matrix.locator(f"g[data-row='{n - 1}'].sel")).to_have_count(1)
    expect(panel.get_by_test_id("seqsal-drivers").locator(".tok.hl")).to_have_count(1)
    first = targets.nth(0)
    first.click()
    assert panel.get_by_test_id("seqsal-drivers").locator(".tok.off").count() == n
    expect(panel.get_by_test_id("seqsal-drivers")).to_contain_text(re.compile(r"What drove"))
    shot(panel, "sequence-salience")


def test_model_randomisation_check_is_visible(page, xserver, shot):
    open_row(page, xserver, "linear", "sentiment", "the plot was bad")
    page.get_by_test_id("salience-output").select_option("score")
    expect(srow(page, "grad_dot_input")).to_have_attribute("data-status", "done")
    page.get_by_test_id("sanity-method").select_option("grad_dot_input")
    page.get_by_test_id("sanity-run").click()
    # the linear model's map is w · e: random weights give an unrelated map
    expect(page.get_by_test_id("sanity-verdict")).to_contain_text("Depends on the learned weights")
    rows = page.get_by_test_id("sanity-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    shot(page.locator("[data-testid=sanity]"), "salience-sanity")
    # a black-box model has no weights to re-initialise: the check is not offered, and
    # the page says why (the server's reason)
    open_row(page, xserver, "keywords", "sentiment", "the plot was bad")
    expect(page.get_by_test_id("sanity-unavailable")).to_contain_text("torch")
    expect(page.get_by_test_id("sanity-method")).to_have_count(0)
