"""Colours mean one thing each across modules: red is a prediction that is wrong against
gold, nothing else (not 'differs', not the page's own errors, not deleting, not a
selected point, not a categorical class colour or the top of a ramp)."""

import colorsys
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

UI = Path(__file__).resolve().parents[2] / "ui" / "src"
HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def reddish(hexcode: str) -> bool:
    h = hexcode if len(hexcode) == 6 else "".join(c * 2 for c in hexcode)
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    return (hue < 20 / 360 or hue > 340 / 360) and sat > 0.35 and 0.2 < light < 0.97


def test_no_module_hard_codes_a_red():
    """Only lib/colors.ts names the wrong red (and its soft tint); every module styles
    with var(--wrong) where it means 'wrong', and no other colour in the UI is red."""
    found = []
    for path in sorted(UI.rglob("*")):
        if path.suffix not in (".svelte", ".ts", ".css") or "generated" in path.parts:
            continue
        if path == UI / "lib" / "colors.ts":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            found += [f"{path.relative_to(UI)}:{n}: #{m}" for m in HEX.findall(line)
                      if reddish(m)]
    assert found == []



@pytest.mark.browser
def test_red_is_wrong_only_in_the_page(page, server):
    page.goto(server.url.rstrip("/") + "/?models=keywords,nope&dataset=sentiment")
    error = page.get_by_test_id("page-error")
    expect(error).to_contain_text("'nope' from the link is not served here")
    wrong = page.evaluate("getComputedStyle(document.documentElement)"
                          ".getPropertyValue('--wrong').trim()")
    wrong_soft = page.evaluate("getComputedStyle(document.documentElement)"
                               ".getPropertyValue('--wrong-soft').trim()")
    as_rgb = page.evaluate("""c => { const d = document.createElement('div');
        d.style.color = c; document.body.append(d); const v = getComputedStyle(d).color;
        d.remove(); return v; }""", wrong)
    as_rgb_soft = page.evaluate("""c => { const d = document.createElement('div');
        d.style.color = c; document.body.append(d); const v = getComputedStyle(d).color;
        d.remove(); return v; }""", wrong_soft)
    style = lambda loc, prop: loc.evaluate(f"el => getComputedStyle(el).{prop}")  # noqa: E731
    assert as_rgb not in (style(error, "color"), style(error, "backgroundColor"))
    assert as_rgb_soft != style(error, "backgroundColor")
    # a wrong prediction in the table is that red
    page.get_by_test_id("predict-all").click()
    cell = page.locator(".spacer-rows .cell.wrong").first
    expect(cell).to_be_visible()
    assert style(cell, "color") == as_rgb
    # deleting a saved datapoint is not red
    page.locator(".spacer-rows .row").first.click()
    page.get_by_test_id("edit-text").fill("a datapoint saved to be deleted")
    page.get_by_test_id("save-datapoint").click()
    delete = page.get_by_test_id("delete-datapoint")
    expect(delete).to_be_visible()
    assert style(delete, "color") != as_rgb
    delete.click()
    page.get_by_test_id("undo-toast").wait_for()
