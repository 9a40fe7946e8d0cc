"""The embedding projector in real Chromium: compute, colour, hover, lasso and click
select rows of the table, the table's selection lights points up, and the 3D view loads."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_projector(page, server, models="keywords"):
    page.goto(server.url.rstrip("/") + f"/?models={models}&dataset=sentiment")
    expect(page.locator(".spacer-rows .row").first).to_be_visible()
    stage = page.get_by_test_id("projector")
    expect(stage).to_be_visible()
    return stage


def compute(page):
    stage = page.get_by_test_id("projector")
    expect(stage).to_have_attribute("data-status", re.compile("missing|ready"))
    if stage.get_attribute("data-status") == "missing":
        page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    expect(stage).to_have_attribute("data-points", "16")
    # the view has drawn: every point has a place on the screen
    page.wait_for_function("window.__lumosProjector && window.__lumosProjector.ids().length"
                           " && window.__lumosProjector.screenPosition("
                           "window.__lumosProjector.ids()[0]) !== null")
    return stage


def positions(page):
    return page.evaluate("""() => {
        const h = window.__lumosProjector;
        return h.ids().map((id) => [id, h.screenPosition(id)]);
    }""")


def selected_ids(page):
    return set(page.locator(".spacer-rows .row[aria-selected=true]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"))


def test_nothing_is_fitted_on_page_load(page, server):
    stage = open_projector(page, server)
    expect(stage).to_have_attribute("data-status", "missing")
    expect(page.get_by_test_id("projector-compute")).to_be_visible()


def test_lasso_selects_table_rows_coloured_by_correctness(page, server, shot):
    open_projector(page, server)
    page.get_by_test_id("predict-all").click()
    expect(page.get_by_test_id("predict-all")).to_have_count(0)
    stage = compute(page)
    color = page.get_by_test_id("projector-color")
    expect(color.locator("option:checked")).to_have_text("Correctness")
    legend = page.get_by_test_id("projector-legend")
    expect(legend).to_contain_text("correct")
    expect(legend).to_contain_text("wrong")
    shot(page.locator("[data-module=projector]"), "projector")

    # lasso the left part of the points (a rectangle in screen space)
    pts = positions(page)
    xs = sorted(p[1][0] for p in pts)
    gap, k = max((xs[k + 1] - xs[k], k) for k in range(3, 12))  # a clear gap to cut at
    assert gap > 8
    cut = (xs[k] + xs[k + 1]) / 2
    expected = {i for i, (x, _) in pts if x < cut}
    assert 0 < len(expected) < 16
    ys = [p[1][1] for p in pts]
    box = stage.bounding_box()
    x0, x1 = box["x"] + 2, box["x"] + cut
    y0, y1 = box["y"] + min(ys) - 12, box["y"] + max(ys) + 12
    page.get_by_test_id("projector-lasso").click()
    page.mouse.move(x0, y0)
    page.mouse.down()
    for x, y in [(x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1)]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(expected)} selected")
    assert selected_ids(page) == expected
    expect(stage).to_have_attribute("data-selected", str(len(expected)))
    shot(page, "projector-lasso")

    # the table's selection drives the projector: one row, one highlighted point
    page.locator(".spacer-rows .row", has_text="I love this movie").click()
    expect(stage).to_have_attribute("data-selected", "1")


def test_hover_shows_text_and_click_selects(page, server):
    open_projector(page, server)
    stage = compute(page)
    box = stage.bounding_box()
    target = next(iter(page.locator(".spacer-rows .row", has_text="sad and terrible")
                       .evaluate_all("rs => rs.map(r => r.dataset.id)")))
    x, y = page.evaluate("id => window.__lumosProjector.screenPosition(id)", target)
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.get_by_test_id("projector-tooltip")
    expect(tip).to_be_visible()
    text = tip.inner_text()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.get_by_test_id("row-count")).to_contain_text("1 selected")
    (selected,) = selected_ids(page)
    # the point under the cursor was selected, and the tooltip showed its text
    row_text = page.locator(f".spacer-rows .row[data-id='{selected}']").inner_text()
    assert text.split("\n")[0] in row_text


def test_colour_by_any_field_and_3d_view(page, server, shot):
    open_projector(page, server)
    stage = compute(page)
    page.get_by_test_id("projector-color").select_option(label="Field · score")
    expect(page.get_by_test_id("projector-legend")).to_contain_text("0.35")  # min score
    page.get_by_test_id("projector-3d").click()
    expect(stage).to_have_attribute("data-dims", "3")
    if stage.get_attribute("data-status") == "missing":
        page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    expect(stage.locator(".deck canvas")).to_have_count(1)
    page.wait_for_function("window.__lumosProjector.frames() > 0")
    shot(page.locator("[data-module=projector]"), "projector-3d")
