"""The counterfactual module in real Chromium: generate for selected rows, read the
changed spans and prediction changes, keep rows (linked to their parents, as a slice),
and compare a row with its parent."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PARENTS = ("a good film with a great cast", "awesome effects and a great score",
           "not good at all")
RULES = "good -> bad\ngreat -> terrible"


def row(page, text):
    return page.locator(".spacer-rows .row", has_text=text).first


def open_module(page, server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server.url.rstrip("/") + "/?models=keywords&dataset=sentiment")
    expect(row(page, PARENTS[0])).to_be_visible()
    row(page, PARENTS[0]).click()
    for text in PARENTS[1:]:
        row(page, text).click(modifiers=["Control"])
    expect(page.locator(".spacer-rows .row[aria-selected=true]")).to_have_count(3)
    page.locator("[data-jump=counterfactuals]").click()
    panel = page.locator("[data-module=counterfactuals]")
    expect(panel.get_by_test_id("cf-generator")).to_be_visible()
    return panel


def generate(page, panel):
    panel.get_by_label("Generator").select_option("word_replace")
    form = panel.get_by_test_id("cf-form")
    expect(form.locator("[data-option=mode] select")).to_have_value("per_rule")  # a choice
    expect(form.locator("[data-option=budget] input")).to_have_attribute("type", "number")
    expect(form.locator("[data-option=ignore_case] input")).to_be_checked()
    rules = panel.get_by_label("rules", exact=True)
    rules.fill(RULES)
    run = panel.get_by_test_id("cf-run")
    expect(run).to_have_text(re.compile(r"Generate for 3 selected rows"))
    run.focus()
    page.keyboard.press("Enter")  # the form works from the keyboard
    rows = panel.get_by_test_id("cf-row")
    # the first run in a process loads WordNet for the validity guard (seconds): a
    # generous guard against hanging, not a speed check
    expect(rows.first).to_be_visible(timeout=90_000)
    return rows


@pytest.mark.timeout(180)
def test_generate_keep_as_slice_and_compare_with_parent(page, server, shot):
    panel = open_module(page, server)
    rows = generate(page, panel)
    # "good film" -> "bad film": the changed span shows old -> new, the prediction change
    # beside it, the flip and the failed validity check (an antonym swap)
    bad = panel.locator("[data-testid=cf-row][data-text='a bad film with a great cast']")
    expect(bad).to_have_count(1)
    span = bad.get_by_test_id("cf-span")
    expect(span.locator("del")).to_have_text(re.compile(r"^(was:\s*)?good$"))  # read out as
    expect(span.locator("ins")).to_have_text(re.compile(r"^(, now:\s*)?bad$"))  # was/now
    expect(bad.get_by_test_id("cf-pred")).to_contain_text(re.compile(r"positive .*→"))
    expect(bad.get_by_test_id("cf-invalid")).to_have_text("invalid: antonym")
    # the keyword model counts words: a swap that tips the count flips the class
    flips = panel.get_by_test_id("cf-flip")
    expect(flips.first).to_be_visible()
    stats = panel.get_by_test_id("cf-stats")
    expect(stats.get_by_test_id("cf-flip-rate")).to_contain_text(re.compile(
        r"\d+\.\d% \[\d+\.\d, \d+\.\d%\] \d/3 originals"))
    expect(stats.get_by_test_id("cf-accuracy")).to_contain_text("drop")
    expect(panel.get_by_test_id("cf-summary")).to_contain_text("of 3 rows")
    page.set_viewport_size({"width": 1400, "height": 1500})  # the whole panel in view
    panel.get_by_test_id("cf-setup").scroll_into_view_if_needed()
    shot(panel, "counterfactuals")
    page.set_viewport_size({"width": 1400, "height": 1000})

    # keep two rows from the keyboard, as a named slice
    n = rows.count()
    boxes = panel.get_by_test_id("cf-keep")
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    boxes.nth(1).focus()
    page.keyboard.press("Space")
    panel.get_by_label("Slice name").fill("good to bad")
    panel.get_by_test_id("cf-keep-selected").click()
    expect(panel.get_by_test_id("cf-kept")).to_contain_text("Kept 2 rows")
    expect(panel.get_by_test_id("cf-kept")).to_contain_text("good to bad")
    expect(panel.get_by_test_id("cf-kept-mark")).to_have_count(2)
    # in the table: two more rows, each linked to the row it was made from
    expect(page.get_by_test_id("row-count")).to_contain_text("18 of 18 rows")
    first_text = rows.nth(0).get_attribute("data-text")
    parent_id = rows.nth(0).get_attribute("data-parent")
    made = page.locator(f".spacer-rows .row[data-parent='{parent_id}']",
                        has_text=first_text)
    expect(made).to_have_count(1)
    expect(made).to_have_class(re.compile("created"))
    # the slice: offered in the module, in the table's filter and the slices module
    panel.get_by_test_id("cf-show-slice").click()
    expect(page.get_by_test_id("row-count")).to_contain_text(re.compile(r"^2 of 18 rows"))
    expect(page.locator("[data-module=slices] [data-slice='good to bad']")).to_contain_text(
        "2 rows")

    # compare a kept row with its parent: the parent is pinned as the reference
    rows.nth(0).get_by_test_id("cf-compare").click()
    compare = page.get_by_test_id("datapoint-compare")
    expect(compare).to_be_visible()
    text = compare.locator("tr", has=page.locator("th", has_text="text")).first
    expect(text).to_have_attribute("data-related", "true")
    expect(text.locator("mark").first).to_be_visible()
    expect(compare.locator("[data-testid=compare-output] .tag")).to_have_count(2)
    # salience of both side by side: a cheap method follows the rows; an expensive one
    # explains both (the reference's class) when asked
    sal = compare.get_by_test_id("compare-salience")
    for side in ("selected", "reference"):
        expect(sal.get_by_test_id(f"compare-salience-{side}").get_by_test_id(
            "token-map")).to_be_visible()
    sal.get_by_label("salience").select_option("occlusion")
    sal.get_by_test_id("compare-salience-run").click()
    expect(sal).to_contain_text("for “positive”")
    for side in ("selected", "reference"):
        cell = sal.get_by_test_id(f"compare-salience-{side}")
        expect(cell.get_by_test_id("token-map")).to_be_visible()
    expect(sal.get_by_test_id("compare-salience-selected")).to_contain_text("bad")
    expect(sal.get_by_test_id("compare-salience-reference")).to_contain_text("good")
    shot(page.locator("[data-module=datapoint-compare]"), "counterfactuals-compare")

    # a row that was not kept is compared as an edit of its parent
    page.get_by_test_id("table-filter").select_option("all")
    last = rows.nth(n - 1)
    last_text = last.get_attribute("data-text")
    last.get_by_test_id("cf-compare").click()
    expect(compare.locator("thead")).to_contain_text("selected (edited)")
    expect(compare).to_contain_text(last_text)
    expect(page.get_by_test_id("edit-text")).to_have_value(last_text)
    expect(compare.locator("[data-testid=compare-output] .tag")).to_have_count(2)


@pytest.mark.timeout(180)
def test_the_table_links_a_kept_row_to_its_parent(page, server):
    """The ↰ button of a row made from another selects it and pins its parent."""
    panel = open_module(page, server)
    generate(page, panel)
    panel.get_by_test_id("cf-keep-all").click()
    expect(panel.get_by_test_id("cf-kept")).to_be_visible()
    made = page.locator(".spacer-rows .row[data-parent]").first
    parent_id = made.get_attribute("data-parent")
    made.get_by_test_id("parent-link").click()
    expect(made).to_have_attribute("aria-selected", "true")
    expect(page.locator(f".spacer-rows .row[data-id='{parent_id}']")).to_have_class(
        re.compile("reference"))


@pytest.mark.timeout(60)
def test_a_bad_option_is_shown_naming_it(page, server):
    panel = open_module(page, server)
    panel.get_by_label("Generator").select_option("word_replace")
    panel.get_by_label("budget").fill("-3")
    panel.get_by_label("rules", exact=True).fill(RULES)
    panel.get_by_test_id("cf-run").click()
    expect(panel.get_by_test_id("cf-error")).to_contain_text("budget")


@pytest.mark.timeout(90)
def test_a_run_shows_its_progress_and_cancels(page, server, held):
    panel = open_module(page, server)
    panel.get_by_label("Generator").select_option("test_held")
    panel.get_by_test_id("cf-run").click()
    progress = panel.get_by_test_id("cf-progress")
    expect(progress.get_by_role("progressbar", name="Generating counterfactuals")).to_be_visible()
    expect(panel.get_by_test_id("cf-run")).to_be_disabled()
    progress.get_by_role("button", name="Cancel").click()  # the run ends only by the cancel
    expect(panel.get_by_test_id("cf-cancelled")).to_be_visible()
    expect(panel.get_by_test_id("cf-result")).to_have_count(0)
    expect(panel.get_by_test_id("cf-run")).to_be_enabled()


def save_datapoint(server, text):
    req = urllib.request.Request(
        server.url.rstrip("/") + "/api/datasets/sentiment/datapoints", method="POST",
        data=json.dumps({"example": {"text": text, "label": "positive"}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["id"]


@pytest.mark.timeout(180)
def test_group_swap_shows_the_gap_per_direction(page, server, shot):
    texts = ["he is a good actor", "she was great", "his film was bad", "her plot is awful"]
    for t in texts:
        save_datapoint(server, t)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server.url.rstrip("/") + "/?models=keywords&dataset=sentiment")
    row(page, texts[0]).click()
    for t in texts[1:]:
        row(page, t).click(modifiers=["Control"])
    page.locator("[data-jump=counterfactuals]").click()
    panel = page.locator("[data-module=counterfactuals]")
    panel.get_by_label("Generator").select_option("group_swap")
    panel.get_by_label("tagger").select_option("none")
    panel.get_by_label("names", exact=True).uncheck()
    panel.get_by_test_id("cf-run").click()
    expect(panel.get_by_test_id("cf-row").first).to_be_visible(timeout=90_000)
    swapped = panel.locator("[data-testid=cf-row][data-text='she is a good actress']")
    spans = swapped.get_by_test_id("cf-span")  # both words, grammar kept
    expect(spans).to_have_count(2)
    expect(spans.nth(0).locator("ins")).to_have_text(re.compile(r"she$"))
    expect(spans.nth(1).locator("ins")).to_have_text(re.compile(r"actress$"))
    gaps = panel.get_by_test_id("cf-gap")
    expect(gaps).to_have_count(2)  # one row per direction, each with its verdict
    for k in range(2):
        expect(gaps.nth(k).get_by_test_id("cf-verdict").first).to_have_text(
            "not enough evidence")
        expect(gaps.nth(k)).to_contain_text("needs ≥ 30")
    shot(panel.get_by_test_id("cf-result"), "counterfactuals-group-gap")
