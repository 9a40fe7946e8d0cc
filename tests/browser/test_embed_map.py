"""The embedding map's HTML page in headless Chromium with every network request
refused: it draws every point, hovering a point shows its token inside its sentence (or
its sentence), the legend hides and shows a category's points, and text that looks like
markup stays text."""


import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Engine, Workspace
from lumos.testing import FakeClassifier
from lumos.testing.sample import sentiment_dataset
from lumos.visual import embed_map

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

TRICKY = ["</script><b>bold</b> good", 'say "hi" & \'bye\' bad', "שלום עולם good day",
          "fun 😀 great", "plain awful text", "another nice one"]


@pytest.fixture
def offline_page(chromium):
    """A page that refuses every request but file:// ones, and fails on script errors."""
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    pg = context.new_page()
    refused: list[str] = []
    errors: list[str] = []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    pg.route("**/*", block)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(8000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
    assert not refused, f"the page asked the network for {refused}"


@pytest.fixture
def ws(store):
    return Workspace({}, {}, engine=Engine(store))


def _open(pg, m, path):
    m.save(path)
    pg.goto(path.as_uri())
    pg.wait_for_function("document.getElementById('map').dataset.drawn !== '0'")


def _isolated(pg, n):
    """A point whose neighbours on screen are far enough for the hover to pick it."""
    pos = pg.evaluate(f"[...Array({n}).keys()].map(i => window.lumosMap.position(i))")
    for i, (x, y) in enumerate(pos):
        if all((x - a) ** 2 + (y - b) ** 2 > 15 ** 2 for j, (a, b) in enumerate(pos)
               if j != i):
            return i, x, y
    pytest.fail("no isolated point on the map")


def test_sentence_map_draws_every_point_and_hover_shows_the_sentence(
        offline_page, ws, tmp_path):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(), ds, seed=0, workspace=ws)
    _open(offline_page, m, tmp_path / "map.html")
    canvas = offline_page.locator("#map")
    assert canvas.get_attribute("data-points") == str(len(ds))
    assert canvas.get_attribute("data-drawn") == str(len(ds))
    # pixels really drawn: the canvas is not blank
    painted = offline_page.evaluate("""() => {
        const c = document.getElementById('map'), d = c.getContext('2d')
            .getImageData(0, 0, c.width, c.height).data;
        let k = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) k++; return k; }""")
    assert painted > 50 * len(ds)
    i, x, y = _isolated(offline_page, len(m))
    offline_page.mouse.move(x, y)
    tip = offline_page.locator("#tip")
    tip.wait_for(state="visible")
    assert tip.get_attribute("data-point") == str(i)
    row = ds.examples([m.sentences[m.sentence[i]].row])[0]
    assert row["text"] in tip.inner_text()
    assert f"label: {row['label']}" in tip.inner_text()
    offline_page.mouse.move(2, 2)
    tip.wait_for(state="hidden")


def test_token_map_hover_highlights_the_token_inside_its_sentence_and_escapes_text(
        offline_page, ws, tmp_path):
    table = pa.table({"text": TRICKY, "label": ["positive", "negative", "positive",
                                                "positive", "negative", "positive"]})
    ds = from_table(table, spec={"text": T.TextSegment(),
                                 "label": T.CategoryLabel(vocab=("negative", "positive"))})
    m = embed_map(FakeClassifier(token_embeddings=True), ds, level="token", seed=0,
                  workspace=ws)
    n = sum(len(t.split()) for t in TRICKY)
    assert len(m) == n
    _open(offline_page, m, tmp_path / "tokens.html")
    assert offline_page.locator("#map").get_attribute("data-drawn") == str(n)
    # markup in the text is text: no <b> element came from the data
    assert offline_page.locator("b").count() == 0
    i, x, y = _isolated(offline_page, n)
    offline_page.mouse.move(x, y)
    tip = offline_page.locator("#tip")
    tip.wait_for(state="visible")
    s = m.sentences[m.sentence[i]]
    token = s.tokens[m.token[i]]
    assert tip.locator(".tok").inner_text() == token
    assert tip.locator("mark").inner_text() == token
    assert tip.locator(".sent").inner_text() == " ".join(s.tokens)
    assert tip.locator(".sent").get_attribute("dir") == "auto"
    assert tip.locator(".sent span, .sent mark").count() == len(s.tokens)


def test_legend_hides_and_shows_a_category(offline_page, ws, tmp_path):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(), ds, seed=0, workspace=ws)
    _open(offline_page, m, tmp_path / "map.html")
    negatives = sum(v == "negative" for v in ds.to_arrow().column("label").to_pylist())
    button = offline_page.locator("#legend button", has_text="negative")
    assert button.locator(".n").inner_text() == str(negatives)
    button.click()
    canvas = offline_page.locator("#map")
    assert canvas.get_attribute("data-drawn") == str(len(ds) - negatives)
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert canvas.get_attribute("data-drawn") == str(len(ds))


def test_wheel_zooms_in_and_a_double_click_resets(offline_page, ws, tmp_path):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(), ds, seed=0, workspace=ws)
    _open(offline_page, m, tmp_path / "map.html")
    canvas = offline_page.locator("#map")
    before = offline_page.evaluate("[0, 1].map(i => window.lumosMap.position(i))")
    cx, cy = round(before[0][0]), round(before[0][1])  # events carry whole pixels
    offline_page.mouse.move(cx, cy)
    for _ in range(6):
        offline_page.mouse.wheel(0, -400)
    offline_page.wait_for_function(
        f"Number(document.getElementById('map').dataset.drawn) < {len(ds)}")
    after = offline_page.evaluate("[0, 1].map(i => window.lumosMap.position(i))")

    def dist(a, b):
        return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5

    zoom = dist(*after) / dist(*before)
    assert zoom > 5
    # the zoom is around the cursor: the point there stays (zoom × its offset) from it
    for k in (0, 1):
        for axis, c in ((0, cx), (1, cy)):
            assert after[k][axis] - c == pytest.approx((before[k][axis] - c) * zoom,
                                                       abs=1.0)
    canvas.dblclick()
    offline_page.wait_for_function(
        f"document.getElementById('map').dataset.drawn === '{len(ds)}'")


@pytest.mark.slow
def test_minilm_tweets_map_offline(offline_page, ws, tmp_path, shot):
    """The real sentiment demo model (MiniLM fine-tuned on tweets): a sentence map of 200
    tweets coloured by gold label (the docs' screenshot), and a token map whose word pieces
    join their words and whose hover shows the piece inside its tweet."""
    import lumos
    from lumos.demos.sentiment import sentiment_model_dir

    model = lumos.load_model(sentiment_model_dir(progress=False), label_field="label")
    tweets = lumos.load_dataset("tweets")
    m = embed_map(model, tweets, limit=200, seed=0, workspace=ws, name="minilm-sentiment")
    assert len(m) == 200 and m.colouring.categories == ("negative", "neutral", "positive")
    _open(offline_page, m, tmp_path / "tweets.html")
    assert offline_page.locator("#map").get_attribute("data-drawn") == "200"
    i, x, y = _isolated(offline_page, 200)
    offline_page.mouse.move(x, y)
    offline_page.locator("#tip").wait_for(state="visible")
    assert offline_page.locator("#tip .sent").text_content() == \
        m.sentences[m.sentence[i]].text
    shot(offline_page, "embedding-map")

    t = embed_map(model, tweets, level="token", limit=5, seed=0, workspace=ws)
    tokens = model.predict(tweets.examples(list(range(5))), fields=["tokens"])
    assert len(t) == sum(len(o["tokens"]) for o in tokens)
    assert all(s.tokens[0] == "[CLS]" and s.tokens[-1] == "[SEP]" for s in t.sentences)
    pieces = [(s, k) for s in t.sentences for k, j in enumerate(s.joins) if j]
    assert pieces, "no word piece in 5 tweets"
    for s, k in pieces:  # a joined piece is shown without its ## marker
        assert not s.tokens[k].startswith("##")
    _open(offline_page, t, tmp_path / "tokens.html")
    assert offline_page.locator("#map").get_attribute("data-drawn") == str(len(t))
    i, x, y = _isolated(offline_page, len(t))
    offline_page.mouse.move(x, y)
    tip = offline_page.locator("#tip")
    tip.wait_for(state="visible")
    assert tip.locator("mark").inner_text() == t.point_label(i)
