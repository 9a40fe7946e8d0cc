"""The workbench in real Chromium: select, edit live, pin, compare, reload from the URL."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MODELS = "keywords,negation"


def open_app(page, server, query=f"?models={MODELS}&dataset=sentiment"):
    page.set_viewport_size({"width": 1280, "height": 720})  # the smallest supported window
    page.goto(server.url.rstrip("/") + "/" + query)
    expect(page.locator(".spacer-rows .row").first).to_be_visible()


def row(page, text):
    return page.locator(".spacer-rows .row", has_text=text).first


def class_label(page, model):
    return page.locator(f"[data-testid=class-head][data-model={model}] "
                        "[data-testid=predicted-label]")


def test_select_edit_live_and_save(page, server, shot):
    open_app(page, server)
    shot(page.locator("[data-testid=data-table]"), "table")
    row(page, "a good film with a great cast").click()
    expect(row(page, "a good film with a great cast")).to_have_attribute("aria-selected", "true")
    expect(class_label(page, "keywords")).to_have_text("positive")
    editor = page.get_by_test_id("edit-text")
    editor.fill("a bad film with an awful cast")
    # the prediction follows the text as it is typed (debounced), without saving
    expect(class_label(page, "keywords")).to_have_text("negative")
    expect(page.get_by_test_id("prob-negative").first).to_have_text(re.compile(r"0\.9\d\d"))
    shot(page.locator("[data-module=editor]"), "editor")
    shot(page.locator("[data-module=classification]"), "predictions")
    page.get_by_test_id("save-datapoint").click()
    created = row(page, "a bad film with an awful cast")
    expect(created).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("row-count")).to_contain_text("17 of 17 rows")
    # saved in the store: the server has it, with its parent
    page.reload()
    expect(row(page, "a bad film with an awful cast")).to_be_visible()


def test_pin_reference_and_compare_datapoints(page, server, shot):
    open_app(page, server)
    ref = row(page, "not good at all")
    ref.hover()
    ref.get_by_role("button", name="Pin as reference").click()
    expect(ref).to_have_class(re.compile("reference"))
    row(page, "not bad for a sequel").click()
    table = page.get_by_test_id("datapoint-compare")
    expect(table).to_be_visible()
    # two different sentences (4 of 5 words differ): shown plainly, no word marks
    text = table.locator("tr", has=page.locator("th", has_text="text")).first
    expect(text).to_have_attribute("data-related", "false")
    expect(text.locator("mark")).to_have_count(0)
    expect(table.locator("tr.changed", has_text="keywords")).to_be_visible()
    # an edit of the reference (one word of four): the changed word is marked
    row(page, "not good at all").click()
    page.get_by_test_id("edit-text").fill("not great at all")
    expect(text).to_have_attribute("data-related", "true")
    expect(text.locator("mark").first).to_have_text("great")
    expect(table.locator("[data-testid=compare-output] .tag")).to_have_count(4)  # live too
    for side in ("selected", "reference"):  # salience of both, the edit's live
        expect(table.get_by_test_id(f"compare-salience-{side}").get_by_test_id(
            "token-map")).to_be_visible()
    # the method picker shows its whole name ("Attention rollout" was cut to "Attention rollo")
    fits = table.get_by_test_id("compare-salience-method").evaluate("""s => {
        const ctx = document.createElement("canvas").getContext("2d");
        ctx.font = getComputedStyle(s).font;
        return ctx.measureText(s.options[s.selectedIndex].text).width + 24 <= s.clientWidth;
    }""")
    assert fits
    shot(page.locator("[data-module=datapoint-compare]"), "datapoint-comparison")


def test_compare_models_and_filter_disagreements(page, server, shot):
    open_app(page, server)
    page.get_by_test_id("predict-all").click()
    expect(page.get_by_test_id("disagreement-summary")).to_contain_text("of 1")
    page.get_by_test_id("filter-disagree").click()
    count = page.get_by_test_id("row-count")
    expect(count).to_contain_text(re.compile(r"^[1-9]\d* of 1\d rows"))
    visible = page.locator(".spacer-rows .row")
    n = visible.count()
    assert 0 < n < 16
    visible.first.click()
    expect(page.get_by_test_id("compare-verdict").first).to_contain_text("disagree")
    shot(page.locator("[data-module=model-compare]"), "model-comparison")
    shot(page, "workbench")


def test_reload_from_url_restores_the_view(page, server):
    open_app(page, server)
    row(page, "I love this movie").click()
    target = row(page, "boring from start to finish")
    target.hover()
    target.get_by_role("button", name="Pin as reference").click()
    page.get_by_test_id("table-search").fill("movie")
    expect(page.get_by_test_id("row-count")).to_contain_text("1 of")
    page.wait_for_function(
        "location.search.includes('q=movie') && location.search.includes('ref=')")
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    expect(page.get_by_test_id("table-search")).to_have_value("movie")
    expect(row(page, "I love this movie")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("datapoint-compare")).to_contain_text("boring from start")
    chips = page.get_by_test_id("model-picker").locator("input:checked")
    expect(chips).to_have_count(2)


def test_loading_model_progress_and_other_output_types(page, server, shot):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url.rstrip("/") + "/?dataset=ner")
    expect(page.locator(".spacer-rows .row").first).to_be_visible()
    row(page, "Alice").click()
    expect(page.get_by_test_id("tags-head")).to_contain_text("B-PER")
    shot(page.locator("[data-module=tags]"), "tags")
    page.get_by_test_id("dataset-picker").select_option("translation")
    row(page, "hello world").click()
    expect(page.get_by_test_id("generation")).to_contain_text("world hello")
    shot(page.locator("[data-module=generation]"), "generation")


def test_unknown_model_in_link_is_reported_in_the_page(page, server):
    open_app(page, server, "?models=keywords,nope&dataset=sentiment")
    expect(page.get_by_test_id("page-error")).to_contain_text("model 'nope'")


def test_page_shows_a_model_loading_then_its_modules(browser, tmp_path, shot):
    import socket
    import threading

    from lumos.server.serve import make_server
    from lumos.testing import FakeClassifier
    from lumos.testing.sample import sentiment_dataset

    gate = threading.Event()

    def big():
        gate.wait(20)
        return FakeClassifier()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = make_server({"big": big}, {"sentiment": sentiment_dataset()}, port=port,
                      store=tmp_path / "s.sqlite", quiet=True).start()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(srv.url)
        expect(page.get_by_test_id("model-loading")).to_contain_text("loading big")
        expect(page.locator(".spacer-rows .row").first).to_be_visible()  # data before model
        shot(page, "loading")
        gate.set()
        expect(page.get_by_test_id("model-loading")).to_have_count(0, timeout=10000)
        page.locator(".spacer-rows .row").first.click()
        expect(class_label(page, "big")).to_have_text("positive")
    finally:
        gate.set()
        page.close()
        srv.stop()
