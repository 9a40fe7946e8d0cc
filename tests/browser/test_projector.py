"""The embedding projector in real Chromium: compute, colour, hover, lasso and click
select rows of the table, the table's selection lights points up, the 3D view loads, and
with hundreds of thousands of points the 2D view draws a sample while it moves."""

import math
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


def settled_positions(page, stage):
    """The points' screen positions once the view has stopped moving (the camera's fit
    and any scroll of the module column): two reads a frame apart agree, and so does the
    stage's box."""
    before = (positions(page), stage.bounding_box())
    for _ in range(100):
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        now = (positions(page), stage.bounding_box())
        if now == before:
            return now
        before = now
    raise AssertionError("the projector's points never stopped moving")


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

    # lasso the left part of the points (a rectangle in screen space). Arm the lasso
    # first and bring the stage into view: a scroll caused by the click would move the
    # points after their positions and the stage's box were read
    page.get_by_test_id("projector-lasso").click()
    stage.scroll_into_view_if_needed()
    pts, box = settled_positions(page, stage)
    xs = sorted(p[1][0] for p in pts)
    gap, k = max((xs[k + 1] - xs[k], k) for k in range(3, 12))  # a clear gap to cut at
    assert gap > 8
    cut = (xs[k] + xs[k + 1]) / 2
    expected = {i for i, (x, _) in pts if x < cut}
    assert 0 < len(expected) < 16
    ys = [p[1][1] for p in pts]
    x0, x1 = box["x"] + 2, box["x"] + cut
    y0, y1 = box["y"] + min(ys) - 12, box["y"] + max(ys) + 12
    page.mouse.move(x0, y0)
    page.mouse.down()
    for x, y in [(x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1)]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(expected)} selected")
    assert selected_ids(page) == expected
    expect(stage).to_have_attribute("data-selected", str(len(expected)))
    # the module itself: selecting rows opens datapoint panels above it, off the screen
    module = page.locator("[data-module=projector]")
    module.scroll_into_view_if_needed()
    shot(module, "projector-lasso")

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


def switch_to_3d(page, stage):
    """Switch the projector to 3D (computing the 3D projection if needed) and wait for it."""
    page.get_by_test_id("projector-3d").click()
    expect(stage).to_have_attribute("data-dims", "3")
    # wait until the page knows whether the 3D projection is stored ("loading" until then)
    expect(stage).to_have_attribute("data-status", re.compile("missing|computing|ready"))
    if stage.get_attribute("data-status") == "missing":
        page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    expect(stage.locator(".deck canvas")).to_have_count(1)


def test_colour_by_any_field_and_3d_view(page, server, shot):
    open_projector(page, server)
    stage = compute(page)
    page.get_by_test_id("projector-color").select_option(label="Field · score")
    expect(page.get_by_test_id("projector-legend")).to_contain_text("0.35")  # min score
    switch_to_3d(page, stage)
    page.wait_for_function("window.__lumosProjector.frames() > 0")
    shot(page.locator("[data-module=projector]"), "projector-3d")


LOD_MIN, LOD_SAMPLE = 200_000, 50_000  # as in ui/src/modules/projector/scatter2d.ts
LOD_REST_MS = 150  # ui/src/modules/projector/lod.ts: every point again after this long still

# pan on ``count`` animation frames, noting what each frame drew and when; then how long
# after the last move every point is drawn again. Frames are counted, not timed: a loaded
# machine draws fewer of them a second, and one that takes longer than LOD_REST_MS lets
# the view come to rest between two moves (which ``moving_frames`` allows for)
PAN = """async (count) => {
  const h = window.__lumosProjector, frames = [];
  await new Promise((done) => {
    const step = (now) => {
      frames.push({ ...h.lod(), t: now });
      h.panBy(0.003, 0.002 * Math.sin(frames.length / 12));
      if (frames.length < count + 2) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const stop = performance.now();
  await new Promise((done) => {
    const wait = () => (h.lod().drawn === h.lod().total ? done() : requestAnimationFrame(wait));
    wait();
  });
  return { frames, full_ms: performance.now() - stop };
}"""


def moving_frames(pan, total):
    """The frames drawn while the view moved (the first two only start the motion), after
    checking that each one drew the sample, or every point only where the machine took
    LOD_REST_MS or more between two moves (this frame's or the one before, as the plot
    may draw a frame behind): the view came to rest in between, as it should."""
    frames = pan["frames"]
    gaps = [0.0] + [b["t"] - a["t"] for a, b in zip(frames, frames[1:], strict=False)]
    moving = []
    for i in range(2, len(frames)):
        f = frames[i]
        if f["drawn"] == total:
            assert max(gaps[i], gaps[i - 1]) >= LOD_REST_MS, (i, gaps[i - 1:i + 1])
        else:
            moving.append(f)
    assert pan["full_ms"] >= LOD_REST_MS - 20  # every point again only once still
    if not moving:  # every frame of this machine took longer than the rest: nothing to see
        assert all(g >= LOD_REST_MS for g in gaps[2:])
    return moving


@pytest.mark.slow
def test_many_points_draw_a_sample_while_moving_and_lasso_selects_rows(page, server):
    n = 300_000
    # a hang guard, not a speed check: 300,000 points in software WebGL take seconds a
    # frame on a loaded machine, past the page's default 8 s wait
    page.set_default_timeout(60000)
    open_projector(page, server)
    stage = compute(page)
    box = stage.bounding_box()
    real = positions(page)  # drawRandom keeps the real points first, where they are
    text = dict(page.locator(".spacer-rows .row").evaluate_all(
        "rows => rows.map(r => [r.dataset.id, r.innerText])"))

    # below LOD_MIN nothing changes: every frame draws every point
    few = LOD_MIN // 2
    page.evaluate("n => window.__lumosProjector.drawRandom(n)", few)
    pan = page.evaluate(PAN, 10)
    assert {f["drawn"] for f in pan["frames"]} == {few}

    page.evaluate("n => window.__lumosProjector.drawRandom(n)", n)
    expect(stage).to_have_attribute("data-points", str(n))
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": 0}

    # lasso a square around a real point, well inside the disc of random points and
    # closer to that point than to any other real point: every point in it is a copy
    # of that point's row (drawRandom gives each the row of the nearest real point)
    cx, cy, radius = box["width"] / 2, box["height"] / 2, 0.9 * box["height"] / 2

    def room(p):
        d = min(math.dist(p[1], q[1]) for q in real if q is not p)
        half = min(d / 3, 25)
        inside = math.dist(p[1], (cx, cy)) + half * math.sqrt(2) < 0.9 * radius
        return (half if inside else 0), p

    (half, (target, (x, y))), (other_half, (other, _)) = sorted(map(room, real),
                                                               reverse=True)[:2]
    assert half > 8 and other_half > 8
    rows_points = page.evaluate(
        "id => window.__lumosProjector.ids().filter((x) => x === id).length", target)
    assert rows_points > 1000
    x, y = box["x"] + x, box["y"] + y
    page.get_by_test_id("projector-lasso").click()
    page.mouse.move(x - half, y - half)
    page.mouse.down()
    for px, py in [(x + half, y - half), (x + half, y + half), (x - half, y + half),
                   (x - half, y - half + 8)]:
        page.mouse.move(px, py, steps=4)
    # drawing the lasso is motion too: the sample is drawn while the mouse moves, until it
    # is released. Keep moving along the closing edge until a frame has drawn the sample
    # (a loaded machine may draw no frame before the view comes to rest after a move)
    for step in range(200):
        lod = page.evaluate("window.__lumosProjector.lod()")
        if lod["drawn"] < lod["total"]:
            break
        page.mouse.move(x - half, y - half + 8 - (step % 6))
    assert lod["drawn"] < lod["total"], "the lasso drew every point while the mouse moved"
    page.mouse.up()
    count = page.get_by_test_id("row-count")
    expect(count).to_contain_text("· 1 selected", timeout=20000)
    assert selected_ids(page) == {target}
    # the projector highlights every point of the selected row, not only the lassoed ones
    expect(stage).to_have_attribute("data-selected", str(rows_points), timeout=20000)
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": rows_points}

    # while the camera moves: a fixed sample plus the selected points, still highlighted
    moving = moving_frames(page.evaluate(PAN, 12), n)
    assert moving
    drawn = {f["drawn"] for f in moving}
    assert len(drawn) == 1  # the same sample in every frame
    (drawn,) = drawn
    assert LOD_SAMPLE * 0.9 < drawn <= LOD_SAMPLE * 1.1 + rows_points < n
    assert {f["selected"] for f in moving} == {rows_points}
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": rows_points}
    # and the workbench's selection never noticed
    expect(count).to_contain_text("· 1 selected")
    assert selected_ids(page) == {target}
    expect(stage).to_have_attribute("data-selected", str(rows_points))

    # hover finds a point among them all (the spatial index) and shows its row's text
    hx, hy = page.evaluate("id => window.__lumosProjector.screenPosition(id)", other)
    stage.scroll_into_view_if_needed()  # the selection opened panels above the projector
    box = stage.bounding_box()
    page.mouse.move(box["x"] + hx, box["y"] + hy)
    expect(page.get_by_test_id("projector-tooltip")).to_contain_text(
        text[other].split("\n")[0], timeout=20000)

    # a selection larger than the sample (eight rows from the table): while moving only
    # its sampled part is drawn, and all of it again at rest
    rows = page.locator(".spacer-rows .row")
    rows.nth(0).click()
    rows.nth(7).click(modifiers=["Shift"])
    expect(count).to_contain_text("· 8 selected")
    eight = selected_ids(page)
    big = page.evaluate("""ids => { const s = new Set(ids);
        return window.__lumosProjector.ids().filter((x) => s.has(x)).length; }""", list(eight))
    assert big > LOD_SAMPLE  # too many to add to the sample
    expect(stage).to_have_attribute("data-selected", str(big), timeout=20000)
    moving = moving_frames(page.evaluate(PAN, 10), n)
    assert moving
    (sample,) = {f["drawn"] for f in moving}
    assert LOD_SAMPLE * 0.9 < sample < min(drawn, LOD_SAMPLE * 1.1)
    assert all(0 < f["selected"] < big * 0.3 for f in moving)
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": big}
    assert selected_ids(page) == eight
    expect(stage).to_have_attribute("data-selected", str(big))


@pytest.mark.slow
def test_many_points_in_3d_draw_a_sample_while_moving(page, server):
    n = 300_000
    # a hang guard, not a speed check: 300,000 points in software WebGL take seconds a
    # frame on a loaded machine, past the page's default 8 s wait
    page.set_default_timeout(60000)
    open_projector(page, server)
    stage = compute(page)
    switch_to_3d(page, stage)
    page.wait_for_function("window.__lumosProjector.lod()?.total === 16"
                           " && window.__lumosProjector.frames() > 0")
    page.evaluate("n => window.__lumosProjector.drawRandom(n)", n)
    expect(stage).to_have_attribute("data-points", str(n))
    # the first frame draws every point (software WebGL: seconds for 300,000 in 3D)
    page.wait_for_function("() => window.__lumosProjector.lod().drawn === " + str(n),
                           timeout=120000)
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": 0}

    # while the camera moves (panBy moves the orbit's target): the same fixed sample
    # (the 3D view checks for rest at an animation frame, after that frame's move, so
    # however long a frame takes it stays on the sample while a move comes every frame)
    pan = page.evaluate(PAN, 4)
    moving = pan["frames"][2:]
    assert {f["total"] for f in moving} == {n}
    drawn = {f["drawn"] for f in moving}
    assert len(drawn) == 1  # the same sample in every frame
    (drawn,) = drawn
    assert LOD_SAMPLE * 0.9 < drawn < LOD_SAMPLE * 1.1
    assert pan["full_ms"] >= LOD_REST_MS - 20  # every point again only once still
    assert page.evaluate("window.__lumosProjector.lod()") == {
        "drawn": n, "total": n, "selected": 0}


def test_the_module_index_brings_the_projector_back_into_view(page, server, shot):
    """Selecting a row opens its modules above the projector and pushes it far down the
    column; the index at the top of the column jumps to it."""
    page.set_viewport_size({"width": 1400, "height": 800})
    open_projector(page, server)
    page.locator(".spacer-rows .row").nth(2).click()
    panel = page.locator("[data-module=projector]")
    expect(page.locator("[data-module=salience]")).to_be_visible()
    expect(panel).not_to_be_in_viewport()
    index = page.get_by_test_id("module-index")
    index.locator("[data-jump=projector]").click()
    expect(panel).to_be_in_viewport()
    expect(index).to_be_in_viewport()  # it stays at the top of the column
    expect(page.get_by_label("Dataset")).to_be_in_viewport()  # the page did not scroll
    shot(page, "module-index")
