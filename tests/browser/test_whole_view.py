"""The link restores the whole view, and every shortcut the list names works.

A view is set up in every module (table sort, search, filter and what a model column
shows, the pinned reference, the projector's method and colour model, the metrics
model, grouping, bins, within-selection and scatter axes, the salience model and class,
the attention model, head and detail), then the link is opened in a fresh browser context
and each module is compared with the first."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def row(page, text):
    return page.locator(".spacer-rows .row", has_text=text).first


def open_app(page, server, query="?models=keywords,negation&dataset=sentiment"):
    page.goto(server.url.rstrip("/") + "/" + query)
    expect(page.locator(".spacer-rows .row").first).to_be_visible()


def view_of(page) -> dict:
    """What each module shows of the view, read from the page."""
    att = page.locator("[data-module=attention]")
    expect(att.get_by_test_id("attention-grid")).to_be_visible()
    pressed = att.locator("[data-testid=attention-head][aria-pressed=true]")
    value = lambda tid: page.get_by_test_id(tid).first.input_value()  # noqa: E731
    return {
        "count": page.get_by_test_id("row-count").inner_text(),
        "search": value("table-search"),
        "filter": value("table-filter"),
        "sorted": [h.get_attribute("data-col") + ":" + h.get_attribute("aria-sort")
                   for h in page.locator("[role=columnheader][aria-sort$=ending]").all()],
        "shows": [s.input_value() for s in page.get_by_test_id("column-shows").all()],
        "primary": page.locator(".spacer-rows .row.primary").get_attribute("data-id"),
        "reference": page.url.split("ref=")[1].split("&")[0] if "ref=" in page.url else None,
        "proj": [value("projector-method"), value("projector-color-model"),
                 value("projector-color")],
        "metrics": [value("metrics-model"), value("metrics-by"), value("metrics-bins"),
                    value("metrics-binning"), page.get_by_test_id("metrics-within").is_checked(),
                    value("scatter-x"), value("scatter-y")],
        "salience": [value("salience-model"), value("salience-target")],
        "attention": [value("attention-model"), pressed.get_attribute("data-layer"),
                      pressed.get_attribute("data-head"),
                      att.get_by_test_id("attention-lines").count()],
    }


def test_a_link_opened_in_a_fresh_context_restores_every_module(browser, server, page):
    open_app(page, server)
    page.get_by_test_id("table-search").fill("good")
    page.get_by_test_id("table-filter").select_option("all")
    page.locator("[role=columnheader][data-col=text] button.sort").click()
    page.locator("[role=columnheader][data-col=text] button.sort").click()  # descending
    page.get_by_test_id("column-shows").first.select_option("negative")
    rows = page.locator(".spacer-rows .row")
    rows.nth(1).click()
    page.keyboard.press("p")  # pinned as the reference
    rows.nth(0).click()
    expect(page).to_have_url(re.compile("ref="))
    page.get_by_test_id("projector-method").select_option("umap")
    page.get_by_test_id("projector-color-model").select_option("negation")
    page.get_by_test_id("metrics-model").select_option("negation")
    page.get_by_test_id("metrics-by").select_option("text:length")
    page.get_by_test_id("metrics-bins").fill("3")
    page.get_by_test_id("metrics-binning").select_option("quantile")
    page.get_by_test_id("metrics-within").check()
    page.get_by_test_id("scatter-y").select_option(index=0)
    page.get_by_test_id("salience-model").select_option("negation")
    page.get_by_test_id("salience-target").select_option("negative")
    att = page.locator("[data-module=attention]")
    att.get_by_test_id("attention-model").select_option("negation")
    att.locator("[data-testid=attention-head][data-layer='0'][data-head='1']").click()
    att.get_by_test_id("attention-lines-tab").click()
    expect(att.get_by_test_id("attention-lines")).to_be_visible()
    before = view_of(page)
    assert before["attention"] == ["negation", "0", "1", 1]
    assert before["shows"][0] == "negative" and before["salience"] == ["negation", "negative"]
    assert before["sorted"] == ["text:descending"] and before["reference"]
    assert before["metrics"][:5] == ["negation", "text:length", "3", "quantile", True]
    link = page.url

    fresh = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        again = fresh.new_page()
        again.set_default_timeout(20_000)
        again.goto(link)
        expect(again.locator(".spacer-rows .row.primary")).to_be_visible()
        expect(again.get_by_test_id("metrics-by")).to_have_value("text:length")
        assert view_of(again) == before
        assert again.url == link
    finally:
        fresh.close()


def test_every_listed_shortcut_works(page, server):
    open_app(page, server, "?models=keywords&dataset=sentiment")
    count = page.get_by_test_id("row-count")
    rows = page.locator(".spacer-rows .row")
    rows.nth(1).click()
    # Shift+↓ twice extends the selection by a row each time; Shift+↑ takes one back
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    expect(count).to_contain_text("· 3 selected")
    third = rows.nth(3).get_attribute("data-id")
    expect(page.locator(".spacer-rows .row.primary")).to_have_attribute("data-id", third)
    page.keyboard.press("Shift+ArrowUp")
    expect(count).to_contain_text("· 2 selected")
    # P pins the focused row as the reference, and unpins it
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile("ref=" + rows.nth(2).get_attribute("data-id")))
    page.keyboard.press("p")
    expect(page).not_to_have_url(re.compile("ref="))
    # Ctrl+click adds a row and takes it out; Shift+click selects the rows between
    rows.nth(5).click(modifiers=["Control"])
    expect(count).to_contain_text("· 3 selected")
    rows.nth(5).click(modifiers=["Control"])
    expect(count).to_contain_text("· 2 selected")
    rows.nth(0).click()
    rows.nth(4).click(modifiers=["Shift"])
    expect(count).to_contain_text("· 5 selected")
    # Ctrl+A and Esc act on the table's rows from anywhere on the page but a field
    page.locator("[data-module=classification]").click()
    page.keyboard.press("Control+a")
    total = count.inner_text().split(" of ")[1].split(" rows")[0].replace(",", "")
    expect(count).to_contain_text(f"· {total} selected")
    page.locator("[data-module=classification]").click()
    page.keyboard.press("Escape")
    expect(count).to_contain_text("· 0 selected")
    page.get_by_test_id("table-search").press("Control+a")  # in a field: its text
    expect(count).to_contain_text("· 0 selected")


TYPE_NAMES = ("TextSegment", "CategoryLabel", "Scalar", "Tokens", "SequenceTags", "Boolean")


@pytest.mark.parametrize(("models", "dataset", "labels"), [
    ("tagger", "ner", {"tokens": "tokens", "tags": "tags (optional)"}),
    ("reverser", "translation", {"source": "source", "target": "target (optional)"}),
    ("multitask", "sentiment", {"text": "text", "label": "label (optional)",
                                "score": "score (optional)"}),
])
def test_every_demo_kind_of_input_reads_as_words(page, server, models, dataset, labels):
    open_app(page, server, f"?models={models}&dataset={dataset}")
    page.locator(".spacer-rows .row").first.click()
    editor = page.get_by_test_id("editor")
    for name, words in labels.items():
        expect(page.get_by_test_id(f"edit-label-{name}")).to_contain_text(words)
    text = " ".join(editor.locator("label").all_inner_texts())
    assert not any(t in text for t in TYPE_NAMES), text


def test_a_field_description_is_shown_beside_its_label(browser, tmp_path):
    from lumos.api import types as T
    from lumos.server.serve import make_server
    from lumos.testing import FakeGenerator
    from lumos.testing.sample import sample_datasets

    from .conftest import free_port

    class Described(FakeGenerator):
        def input_spec(self):
            return {"source": T.TextSegment(),
                    "target": T.TextSegment(required=False, description="reference")}

    srv = make_server({"described": Described()},
                      {"translation": sample_datasets()["translation"]}, port=free_port(),
                      store=tmp_path / "store.sqlite", quiet=True).start()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        open_app(page, srv, "?models=described&dataset=translation")
        page.locator(".spacer-rows .row").first.click()
        expect(page.get_by_test_id("edit-label-target")).to_contain_text("target (optional)")
        expect(page.get_by_test_id("edit-description-target")).to_have_text("reference")
    finally:
        context.close()
        srv.stop()
