"""The highlighter's saved page in real Chromium: cells, hover values, legend, keyboard."""


import pytest
from playwright.sync_api import expect

from lumos.testing.fakes import FakeClassifier
from lumos.visual import highlight
from lumos.visual import scales as S

pytestmark = pytest.mark.browser

TEXTS = ["a good film with a great cast", "bad <script>alert(1)</script> & \"awful\"",
         "مرحبا بالعالم 😀", "שלום עולם"]


@pytest.fixture
def opened(chromium, tmp_path):
    def open_page(h):
        path = h.save(tmp_path / "h.html")
        context = chromium.new_context(viewport={"width": 1000, "height": 700},
                                       offline=True)
        pg = context.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(8000)
        pg.goto(path.as_uri())
        return context, pg, errors
    return open_page


@pytest.mark.timeout(60)
def test_saved_page_shows_every_token_its_value_and_the_legend(opened, shot):
    h = highlight(TEXTS, model=FakeClassifier(), source="activation:layer=1,dim=0",
                  title="Highlighter: fake layer 1, dimension 0")
    context, pg, errors = opened(h)
    try:
        cells = pg.locator("button.lumos-hl-tok")
        expect(cells).to_have_count(len(h.cells()))
        assert len(h.cells()) == sum(len(t.split()) for t in TEXTS)
        titles = cells.evaluate_all("els => els.map(e => e.title)")
        assert titles == [f"{c.text}: {c.value:+.4g}" for c in h.cells()]
        texts = cells.evaluate_all("els => els.map(e => e.textContent)")
        assert "<script>alert(1)</script>" in texts  # shown as text, never run
        assert pg.locator("script").count() == 1  # the tooltip's; no token became one
        # colours as drawn: each cell's computed background is its scale step's colour
        bgs = cells.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
        for c, bg in zip(h.cells(), bgs, strict=True):
            r, g, b = S.parse_hex(h.scale.colours[h.scale.step(c.value)])
            assert bg == f"rgb({r}, {g}, {b})"
        expect(pg.locator(".lumos-hl-step")).to_have_count(h.scale.steps)
        expect(pg.locator(".lumos-hl-min")).to_have_text(f"{h.scale.lo:+.4g}")
        expect(pg.locator(".lumos-hl-max")).to_have_text(f"{h.scale.hi:+.4g}")
        rows = pg.locator("p.lumos-hl-row")
        expect(rows).to_have_count(len(TEXTS))
        assert rows.nth(2).evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert rows.nth(0).evaluate("e => getComputedStyle(e).direction") == "ltr"
        # keyboard: Tab reaches the first token and the tooltip shows its value
        tip = pg.locator(".lumos-hl-tip")
        expect(tip).to_be_hidden()
        pg.keyboard.press("Tab")
        expect(cells.first).to_be_focused()
        expect(tip).to_be_visible()
        expect(tip).to_contain_text(titles[0])
        pg.keyboard.press("Tab")
        expect(tip).to_contain_text(titles[1])
        cells.nth(3).hover()
        expect(tip).to_contain_text(titles[3])
        shot(pg, "highlighter")
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.timeout(60)
def test_tooltip_lists_a_words_subword_values(opened):
    text = "unbelievably good"
    tokens = ["[CLS]", "un", "##bel", "##ievably", "good", "[SEP]"]
    h = highlight([tokens], [[0.0, 0.1, 0.2, 0.3, 0.9, 0.0]], texts=[text])
    context, pg, errors = opened(h)
    try:
        cells = pg.locator("button.lumos-hl-tok")
        expect(cells).to_have_count(2)
        expect(cells.first).to_have_attribute("title",
                                              "unbelievably: 0.6 (un 0.1, ##bel 0.2, "
                                              "##ievably 0.3)")
        cells.first.focus()
        rows = pg.locator(".lumos-hl-tip tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(1)).to_have_text("##bel0.2")
        assert not errors, errors
    finally:
        context.close()
