"""`lumos plot`'s interactive page in real Chromium, opened from disk with the network
blocked: one chart per panel with the right number of series, hovering shows the values
at that step, clicking a legend entry hides its series, dragging zooms, and the
learning-rate finder is on a log axis."""

import os
import shutil
from pathlib import Path

import pytest

from lumos.visual import plot

pytestmark = pytest.mark.browser

FIX = Path(__file__).parents[1] / "visual" / "fixtures"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    """Three logs as a user would name them (relative paths, as in the screenshot)."""
    root = tmp_path_factory.mktemp("plot")
    logs = {"hf/trainer_state.json": FIX / "hf" / "trainer_state.json",
            "flair/0.12/loss.tsv": FIX / "flair" / "0.12" / "loss.tsv",
            "flair/learning_rate.tsv": FIX / "flair" / "learning_rate.tsv"}
    for name, src in logs.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, root / name)
    here = os.getcwd()
    os.chdir(root)
    try:
        (html,) = plot(list(logs), out_dir="plots", formats="html")
    finally:
        os.chdir(here)
    return root / html


@pytest.fixture
def plot_page(browser, page_file):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []

    def block(route):
        requests.append(route.request.url)
        route.abort()

    context.route("http*://**/*", block)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(8000)
    pg.goto(page_file.as_uri())
    pg.wait_for_function("window.lumosPlots && window.lumosPlots.length > 0")
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
    assert not requests, f"the page asked the network for {requests}"


def panel(pg, title, group="training", nth=0):
    return pg.evaluate_handle(
        "([t, g, n]) => window.lumosPlots.filter(p => p.title === t && p.group === g)[n]",
        [title, group, nth])


def test_one_chart_per_panel_with_its_series(plot_page):
    pg = plot_page
    got = pg.evaluate("window.lumosPlots.map(p => [p.group, p.title, "
                      "p.plot.series.slice(1).map(s => s.label)])")
    # HF loss (by step) and Flair loss (by epoch) are separate panels: different x axes
    losses = [labels for g, t, labels in got if (g, t) == ("training", "loss")]
    assert losses == [["train · hf/trainer_state.json", "eval · hf/trainer_state.json"],
                      ["train · flair/0.12/loss.tsv", "dev · flair/0.12/loss.tsv"]]
    assert [labels for g, _, labels in got if g == "lr_finder"] == [["smoothed"]]
    assert len(got) == 13
    assert len(pg.locator(".panel").all()) == len(got)
    hf_loss = pg.locator(".panel").filter(has=pg.locator("text=eval · hf")).first
    assert hf_loss.locator(".u-legend .u-series").count() == 3  # x + train + eval


def test_hover_shows_the_values_at_that_step(plot_page, shot):
    pg = plot_page
    handle = pg.evaluate_handle(
        "window.lumosPlots.find(p => p.title === 'loss' && "
        "p.plot.series.some(s => s.label.startsWith('eval')))")
    box = pg.evaluate("h => { const r = h.plot.over.getBoundingClientRect(); "
                      "return [r.left, r.top, r.height, h.plot.valToPos(20, 'x')]; }", handle)
    left, top, height, x20 = box
    pg.mouse.move(left + x20, top + height / 2)
    legend = pg.evaluate_handle("h => h.plot.root.querySelector('.u-legend')", handle)
    values = pg.evaluate("l => [...l.querySelectorAll('.u-series')].map(r => "
                         "r.querySelector('.u-value').textContent)", legend)
    assert values == ["20", "0.5512", "0.4821"]
    pg.mouse.move(left + pg.evaluate("h => h.plot.valToPos(30, 'x')", handle), top + 5)
    values = pg.evaluate("l => [...l.querySelectorAll('.u-series .u-value')]"
                         ".map(v => v.textContent)", legend)
    assert values == ["30", "0.4123", "–"]  # no eval at step 30
    shot(pg, "plot")


def test_clicking_a_legend_entry_hides_its_series(plot_page):
    pg = plot_page
    handle = pg.evaluate_handle(
        "window.lumosPlots.find(p => p.title === 'loss' && "
        "p.plot.series.some(s => s.label.startsWith('eval')))")
    entry = pg.evaluate_handle("h => [...h.plot.root.querySelectorAll('.u-legend .u-series')]"
                               ".find(r => r.textContent.includes('eval'))", handle)
    entry.as_element().click()
    assert pg.evaluate("h => h.plot.series.map(s => s.show)", handle) == [True, True, False]
    assert "u-off" in entry.as_element().get_attribute("class")
    entry.as_element().click()
    assert pg.evaluate("h => h.plot.series[2].show", handle) is True


def test_drag_zooms_and_the_lr_finder_is_on_a_log_axis(plot_page):
    pg = plot_page
    handle = pg.evaluate_handle("window.lumosPlots.find(p => p.group === 'training' && "
                                "p.title === 'f1')")
    left, top, width, height = pg.evaluate(
        "h => { const r = h.plot.over.getBoundingClientRect(); "
        "return [r.left, r.top, r.width, r.height]; }", handle)
    before = pg.evaluate("h => [h.plot.scales.x.min, h.plot.scales.x.max]", handle)
    pg.mouse.move(left + width * 0.3, top + height / 2)
    pg.mouse.down()
    pg.mouse.move(left + width * 0.7, top + height / 2, steps=5)
    pg.mouse.up()
    after = pg.evaluate("h => [h.plot.scales.x.min, h.plot.scales.x.max]", handle)
    assert before[0] < after[0] < after[1] < before[1]
    lr = pg.evaluate("window.lumosPlots.find(p => p.group === 'lr_finder').plot.scales.x")
    assert lr["distr"] == 3 and lr["min"] <= 1e-07 and lr["max"] >= 0.298
