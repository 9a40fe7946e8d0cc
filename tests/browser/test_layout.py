"""A workbench that keeps its place (issue 12, part 6): a fixed layout at every window
size, selections that move no module out of view and start no slow method, a column for
every model (taggers too), several models named everywhere, table sort and keyboard."""

import json
import re

import pyarrow as pa
import pytest
from playwright.sync_api import expect

from lumos.datasets import ArrowDataset
from lumos.testing import FakeTagger
from lumos.testing.sample import NER

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

TWO = "?models=keywords,negation&dataset=sentiment"


def open_app(page, server, query=TWO):
    page.goto(server.url.rstrip("/") + "/" + query)
    expect(page.locator(".spacer-rows .row").first).to_be_visible()


def row(page, text):
    return page.locator(".spacer-rows .row", has_text=text).first


def predict_all(page, server, model, dataset="sentiment"):
    base = server.url.rstrip("/")
    job = page.request.post(f"{base}/api/predictions/jobs",
                            data={"model": model, "dataset": dataset}).json()
    for _ in range(200):
        if page.request.get(f"{base}/api/jobs/{job['id']}").json()["status"] == "done":
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the prediction job of {model} did not finish")


def page_is_fixed(page):
    """The page itself does not scroll, and the top bar is on screen."""
    sizes = page.evaluate("[document.documentElement.scrollHeight, innerHeight,"
                          " document.documentElement.scrollWidth, innerWidth]")
    assert sizes[0] == sizes[1], f"the document is {sizes[0]}px high in a {sizes[1]}px window"
    assert sizes[2] == sizes[3], f"the document is {sizes[2]}px wide in a {sizes[3]}px window"
    top = page.locator("header.top").bounding_box()
    assert top is not None and top["y"] == 0, f"the top bar moved: {top}"
    # no blank band: the table and the modules column reach down to the window's bottom
    bottoms = page.evaluate("['.table-panel', 'section.modules'].map((q) =>"
                            " document.querySelector(q).getBoundingClientRect().bottom)")
    assert all(sizes[1] - 16 <= b <= sizes[1] for b in bottoms), (bottoms, sizes[1])


IN_COLUMN_VIEW = """(id) => {
    const col = document.querySelector('section.modules').getBoundingClientRect();
    const head = document.querySelector(`[data-module="${id}"] header`).getBoundingClientRect();
    return head.top >= col.top - 1 && head.bottom <= col.bottom + 1;
}"""


def in_column_view(page, module):
    """Whether the module's panel header is inside the visible part of the modules column."""
    return page.evaluate(IN_COLUMN_VIEW, module)


def wait_in_column_view(page, module):
    """Until the module's header is in the column's view: a jump scrolls on the next
    animation frame, and Playwright's "visible" does not mean on screen."""
    page.wait_for_function(IN_COLUMN_VIEW, arg=module)


SETTLED_TOP = """([id, key]) => {
    const y = document.querySelector(`[data-module="${id}"]`).getBoundingClientRect().top;
    const seen = (window.__lumosSettle ??= {});
    const s = seen[key];
    if (s && Math.abs(s.y - y) < 0.5) s.frames++;
    else seen[key] = { y, frames: 0 };
    return seen[key].frames >= 3 ? y : false;
}"""
_settle_reads = iter(range(1_000_000))


def settled_top(page, module):
    """The module's top once it has stayed put for three animation frames: a jump scrolls
    smoothly and the place is kept a frame after the modules above it grow, so a single
    read can fall in between (a fresh-clone run under load read one mid-scroll)."""
    return page.wait_for_function(SETTLED_TOP, arg=[module, f"k{next(_settle_reads)}"],
                                  polling="raf").json_value()


IN_TABLE_VIEW = """(el) => {
    const v = el.closest('.viewport').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.left >= v.left - 1 && r.right <= v.right + 1;
}"""


@pytest.fixture
def small(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15000)  # a shared CPU: the metrics take a while
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.mark.parametrize("query", [TWO, "?dataset=ner"])
def test_every_module_in_view_keeps_the_top_bar_and_no_blank_band(small, server, query):
    open_app(small, server, query)
    small.locator(".spacer-rows .row").first.click()  # the row modules fill in
    page_is_fixed(small)
    modules = small.locator("[data-jump]")
    assert modules.count() > 3
    for k in range(modules.count()):
        name = modules.nth(k).get_attribute("data-jump")
        modules.nth(k).click()
        small.locator(f"[data-module={name}]").scroll_into_view_if_needed()
        page_is_fixed(small)
    for w, h in [(1280, 720), (1366, 768), (1440, 900), (1920, 1080), (2560, 1440),
                 (1280, 1400)]:
        small.set_viewport_size({"width": w, "height": h})
        settled_top(small, "editor")  # the layout has followed the new size
        page_is_fixed(small)


def test_top_bar_keeps_its_height_while_jobs_come_and_go(small, server):
    """A job's progress in the top bar must not move the workbench: a lasso or a click
    in progress would land somewhere else (it once pushed the help button onto a second
    line, 40 px, for the 1.5 s the finished job stays on show)."""
    open_app(small, server, "?models=keywords,negation,multitask,length&dataset=sentiment")
    layout = "() => [document.querySelector('header.top').getBoundingClientRect().height," \
             " document.querySelector('section.modules').getBoundingClientRect().top]"
    before = small.evaluate(layout)
    small.get_by_test_id("predict-all").click()
    job = small.get_by_test_id("job").first
    expect(job).to_be_visible()
    assert small.evaluate(layout) == before
    expect(job).to_contain_text("done", timeout=30000)
    assert small.evaluate(layout) == before
    assert job.bounding_box()["y"] >= 0  # on screen, in the one line
    expect(small.get_by_test_id("job")).to_have_count(0, timeout=30000)
    assert small.evaluate(layout) == before


def test_confusion_cell_keeps_metrics_in_view_and_starts_no_slow_method(small, server):
    base = server.url.rstrip("/")
    predict_all(small, server, "keywords")
    methods = small.request.get(f"{base}/api/interpretations/methods?model=keywords").json()
    on_request = {m["id"] for m in methods["models"]["keywords"] if not m["autorun"]}
    assert on_request, "the fake classifier should have methods that run on request"
    started: list[str] = []

    def watch(req):
        if req.method == "POST" and req.url.rstrip("/").endswith("/api/interpretations"):
            started.append(json.loads(req.post_data or "{}").get("method", ""))

    small.on("request", watch)
    open_app(small, server, "?models=keywords&dataset=sentiment")
    small.locator("[data-jump=metrics]").click()
    cell = small.locator("[data-testid=confusion] button[data-gold=positive][data-pred=negative]")
    expect(cell).to_be_visible(timeout=20000)
    wait_in_column_view(small, "metrics")
    top_before = settled_top(small, "metrics")
    cell.click()
    expect(small.locator(".spacer-rows .row[aria-selected=true]").first).to_be_visible()
    # the row modules above (editor, salience, predictions) fill in and grow …
    expect(small.locator("[data-testid=class-head] [data-testid=predicted-label]")).to_have_count(1)
    small.wait_for_timeout(300)  # time for a method that should not start to show itself
    # … and the Metrics module stays where it was
    y = settled_top(small, "metrics")
    assert in_column_view(small, "metrics")
    assert abs(y - top_before) < 2, f"metrics moved from {top_before} to {y}"
    page_is_fixed(small)
    assert not set(started) & on_request, f"on-request methods started by themselves: {started}"

    # asked for on one row, an on-request method runs there; the next row waits to be asked
    method = sorted(on_request)[0]
    small.locator("[data-jump=salience]").click()
    row(small, "a good film with a great cast").click()
    small.get_by_test_id(f"run-{method}").click()
    expect(small.locator(f"[data-testid=salience-row][data-method={method}]")).to_have_attribute(
        "data-status", "done", timeout=20000)
    n = started.count(method)
    assert n == 1
    row(small, "I love this movie").click()
    expect(small.get_by_test_id(f"run-{method}")).to_be_visible()
    small.wait_for_timeout(400)
    assert started.count(method) == n, "an on-request method ran for a row nobody asked it on"


def watch_interpretations(page):
    """The methods the page asks the server to run, one entry per request."""
    started: list[str] = []

    def watch(req):
        if req.method == "POST" and req.url.rstrip("/").endswith("/api/interpretations"):
            started.append(json.loads(req.post_data or "{}").get("method", ""))

    page.on("request", watch)
    return started


def on_request_methods(page, server, model="keywords"):
    base = server.url.rstrip("/")
    methods = page.request.get(f"{base}/api/interpretations/methods?model={model}").json()
    out = {m["id"] for m in methods["models"][model] if not m["autorun"]}
    assert out, "the fake classifier should have methods that run on request"
    return out


def lasso_every_point(page):
    """Compute the projection and lasso a rectangle around all its points."""
    stage = page.get_by_test_id("projector")
    expect(stage).to_have_attribute("data-status", re.compile("missing|ready"))
    if stage.get_attribute("data-status") == "missing":
        page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    page.wait_for_function("window.__lumosProjector && window.__lumosProjector.ids().length"
                           " && window.__lumosProjector.screenPosition("
                           "window.__lumosProjector.ids()[0]) !== null")
    page.get_by_test_id("projector-lasso").click()
    wait_in_column_view(page, "projector")
    pts = page.evaluate("() => { const h = window.__lumosProjector;"
                        " return h.ids().map((id) => h.screenPosition(id)); }")
    box = stage.bounding_box()
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = box["x"] + max(2, min(xs) - 10), box["x"] + min(box["width"] - 2, max(xs) + 10)
    y0, y1 = box["y"] + max(2, min(ys) - 10), box["y"] + min(box["height"] - 2, max(ys) + 10)
    page.mouse.move(x0, y0)
    page.mouse.down()
    for x, y in [(x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1)]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


@pytest.mark.parametrize("path", ["lasso", "errors", "many"])
def test_selecting_rows_keeps_the_module_in_view_and_starts_no_slow_method(small, server, path):
    """Rows selected from the projector's lasso, an error set, or many at once (Ctrl+A):
    the module in use stays put while the row modules above it fill in, and no method
    marked "on request" runs for any of the rows (counted as requests to the server)."""
    predict_all(small, server, "keywords")
    on_request = on_request_methods(small, server)
    started = watch_interpretations(small)
    open_app(small, server, "?models=keywords&dataset=sentiment")
    module = {"lasso": "projector", "errors": "slices", "many": None}[path]
    if module:
        small.locator(f"[data-jump={module}]").click()
        wait_in_column_view(small, module)
    if path == "lasso":
        lasso_every_point(small)
        top_before = settled_top(small, "projector")
        expect(small.get_by_test_id("row-count")).to_contain_text("16 selected")
    elif path == "errors":
        top_before = settled_top(small, "slices")
        small.get_by_test_id("error-incorrect").first.click()
        expect(small.get_by_test_id("row-count")).to_contain_text(re.compile(r"[1-9]\d* selected"))
        status = small.get_by_test_id("error-status")
        expect(status).to_contain_text("wrong predictions by keywords")
    else:
        row(small, "I love this movie").click()
        small.get_by_test_id("data-table").press("Control+a")
        expect(small.get_by_test_id("row-count")).to_contain_text("16 selected")
    # the row modules (editor, salience, predictions) fill in for the focused row …
    expect(small.locator("[data-testid=class-head] [data-testid=predicted-label]")).to_have_count(1)
    expect(small.locator("[data-testid=salience-row]").first).to_be_visible()
    # (time for a method that should not start to show itself: nothing to wait for)
    small.wait_for_timeout(500)
    # … the module in use stays where it was, and the page does not move
    if module:
        y = settled_top(small, module)
        assert in_column_view(small, module)
        assert abs(y - top_before) < 2, f"{module} moved from {top_before} to {y}"
    page_is_fixed(small)
    assert not set(started) & on_request, f"on-request methods started by themselves: {started}"
    # an on-request method is offered (a Run button) for the focused row, not run
    for m in on_request:
        expect(small.locator(f"[data-testid=salience-row][data-method={m}]")).to_have_attribute(
            "data-status", "idle")


MODEL_MODULES = ["classification", "salience", "projector", "attention", "metrics", "slices",
                 "model-compare", "counterfactuals", "datapoint-compare", "regression"]


@pytest.mark.parametrize("models", ["keywords,negation", "keywords,length"])
def test_with_two_models_every_module_names_the_model_it_shows(small, server, models):
    """Go through every module on the page: each names the model it shows (a picker or
    "of <model>"), or shows each, whether both models fit it or only one does (with
    keywords and the length regressor, salience, attention and the projector show only
    keywords and must say so)."""
    names = models.split(",")
    for m in names:
        predict_all(small, server, m)
    open_app(small, server, f"?models={models}&dataset=sentiment")
    row(small, "not good at all").click()
    small.locator(".spacer-rows .row", has_text="I love this movie").first.locator(
        ".pin-btn").click()  # a reference row: the datapoint comparison fills in
    row(small, "not good at all").click()
    expect(small.locator("[data-testid=class-head]").first).to_be_visible()
    # (the modules of interpretation methods appear once the methods are known)
    for module in ("classification", "salience", "projector", "attention", "metrics", "slices",
                   "counterfactuals", "datapoint-compare"):
        expect(small.locator(f"[data-module={module}]")).to_have_count(1)
    present = small.locator("[data-module]").evaluate_all(
        "els => els.map(e => e.dataset.module)")
    for module in present:
        panel = small.locator(f"[data-module={module}]")
        small.locator(f"[data-jump={module}]").click()
        wait_in_column_view(small, module)
        if module not in MODEL_MODULES:
            continue  # the editor and the audit reports show no model's output
        shown = [m for m in names if m in panel.inner_text()]
        expect(panel).to_contain_text(re.compile("|".join(names)))
        selects = panel.locator("select").evaluate_all(
            "ss => ss.map(s => [...s.options].map(o => o.textContent.trim()))")
        pickers = [o for o in selects if set(o) & set(names)]
        assert shown, f"the {module} module names no model"
        if module in ("salience", "attention", "projector", "counterfactuals", "metrics"):
            # one model shown at a time: a picker of the models that fit, or the name
            note = panel.get_by_test_id("module-model").or_(
                panel.get_by_test_id("projector-model-name"))
            assert pickers or note.count() >= 1, f"the {module} module does not say whose it is"
            if not pickers:
                expect(note.first).to_contain_text("keywords")
    # the datapoint comparison's salience row says whose salience it is
    small.locator("[data-jump=datapoint-compare]").click()
    expect(small.get_by_test_id("compare-salience")).to_contain_text("keywords")


def test_two_models_each_module_names_its_model_and_export_has_both(small, server):
    predict_all(small, server, "keywords")
    predict_all(small, server, "negation")
    open_app(small, server)
    heads = small.locator(".row.head [role=columnheader]")
    expect(heads.filter(has_text="keywords")).to_have_count(1)
    expect(heads.filter(has_text="negation")).to_have_count(1)
    # two model columns make the table wider than its panel at 1280 px: it scrolls inside,
    # a shade at the edge with more behind it
    grid = small.get_by_test_id("data-table")
    expect(grid).to_have_class(re.compile(r"\bshade-right\b"))
    expect(grid).not_to_have_class(re.compile(r"\bshade-left\b"))
    # … and the toolbar names the column out of view; a click brings it into view
    more = small.get_by_test_id("more-columns")
    expect(more).to_have_text(re.compile(r"negation\s*→"))
    negation = small.locator("[role=columnheader][data-col='negation/probas']")
    assert not negation.evaluate(IN_TABLE_VIEW)
    rows_top = small.locator(".viewport").bounding_box()["y"]
    more.click()
    expect(grid).to_have_class(re.compile(r"\bshade-left\b"))
    small.wait_for_function(f"() => ({IN_TABLE_VIEW})("
                            "document.querySelector(\"[data-col='negation/probas']\"))")
    expect(more).to_have_count(0)
    # the cue coming and going moves no row (it floats over the table's corner)
    assert small.locator(".viewport").bounding_box()["y"] == rows_top
    small.locator(".viewport").evaluate("v => { v.scrollLeft = v.scrollWidth; }")
    expect(grid).to_have_class(re.compile(r"\bshade-left\b"))
    expect(grid).not_to_have_class(re.compile(r"\bshade-right\b"))
    page_is_fixed(small)
    small.locator(".viewport").evaluate("v => { v.scrollLeft = 0; }")
    expect(more).to_be_visible()
    # a dataset column named like a model's output (here "score") is marked as the
    # dataset's; the gold label the models are scored against is not
    score = small.locator("[role=columnheader][data-col=score]")
    expect(score.locator(".tag.field")).to_have_text("dataset")
    expect(score.locator(".tag.field")).to_have_attribute("title", re.compile("not a model"))
    expect(small.locator("[role=columnheader][data-col=label] .tag.field")).to_have_count(0)
    row(small, "not good at all").click()
    for m in ("keywords", "negation"):
        expect(small.locator(f"[data-testid=class-head][data-model={m}]")).to_contain_text(m)
        expect(small.locator("[data-testid=compare-row]")).to_contain_text(m)
    # the disagreement marker says who said what
    mark = row(small, "not good at all").locator(".differs-mark")
    expect(mark).to_have_attribute("aria-label", re.compile(
        "keywords: positive.*negation: negative"))
    expect(mark).to_have_attribute("title", re.compile("disagree"))
    # error filters say by which model
    options = small.get_by_test_id("table-filter").locator("option")
    expect(options.filter(has_text="Wrong predictions by keywords")).to_have_count(1)
    expect(options.filter(has_text="Wrong predictions by negation")).to_have_count(1)
    small.get_by_test_id("table-filter").select_option(label="Wrong predictions by negation")
    expect(small.get_by_test_id("row-count")).to_contain_text(re.compile(r"^\d+ of 16"))
    small.get_by_test_id("table-filter").select_option("all")
    # the projector names the model of its points and of its colours
    small.locator("[data-jump=projector]").click()
    expect(small.get_by_test_id("projector-model").locator("option")).to_have_count(2)
    expect(small.get_by_test_id("projector-color-model").locator("option")).to_have_count(2)
    # the error sets have a model picker
    small.locator("[data-jump=slices]").click()
    expect(small.get_by_test_id("errors-model").locator("option")).to_have_count(2)
    # the export holds both models' columns
    with small.expect_download() as dl:
        small.get_by_test_id("export-all").click()
    with open(dl.value.path(), encoding="utf-8") as f:
        text = f.read()
    header = text.splitlines()[0]
    assert "keywords/probas:label" in header and "negation/probas:label" in header, header


def test_tagger_column_shows_entities_and_wrong_tag_counts(browser, tmp_path, shot):
    import socket

    from lumos.api import types as T
    from lumos.server.serve import make_server

    tagger = FakeTagger()
    gold = [o["pred_tags"] for o in tagger.predict([{"tokens": t} for t in NER])]
    gold[3] = ["O"] * len(NER[3])  # "we flew to New York last week": New York is no person
    gold[0] = ["B-PER", "O", "B-PER", "O", "O"]  # "Paris" is no person
    # a dataset field named like the tagger's output (say, an older system's tags)
    older = [["O"] * len(t) for t in NER]
    spec = {"tokens": T.Tokens(),
            "tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags, required=False),
            "pred_tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags, required=False)}
    ds = ArrowDataset(pa.table({"tokens": NER, "tags": gold, "pred_tags": older}), spec,
                      name="ner")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = make_server({"tagger": FakeTagger()}, {"ner": ds}, port=port,
                      store=tmp_path / "s.sqlite", quiet=True).start()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(srv.url.rstrip("/") + "/?dataset=ner")
        expect(page.locator(".spacer-rows .row").first).to_be_visible()
        # not predicted yet: the model's cells read "—", greyed
        unknown = row(page, "New York").locator("[data-col='tagger/pred_tags']")
        expect(unknown).to_have_text("—")
        expect(unknown).to_have_class(re.compile(r"\bempty\b"))
        page.get_by_test_id("predict-all").click()
        field = page.locator("[role=columnheader][data-col=pred_tags]")
        expect(field.locator(".tag.field")).to_have_text("dataset")
        expect(field.locator(".tag.field")).to_have_attribute("title", re.compile("not a model"))
        york = row(page, "New York").locator("[data-col='tagger/pred_tags']")
        expect(york).to_contain_text("New York · PER")
        expect(york.locator(".tag.wrong")).to_have_count(1)
        expect(york.get_by_test_id("wrong-tags")).to_have_text("2 wrong")
        alice = row(page, "Alice").locator("[data-col='tagger/pred_tags']")
        expect(alice.locator(".tag")).to_have_count(3)  # Alice, Bob, Paris
        expect(alice.locator(".tag.wrong")).to_have_text("Paris · PER")
        expect(row(page, "weather").locator("[data-col='tagger/pred_tags']")).to_contain_text(
            "no entities")
        # sorted by the number of wrong tags, most first
        header = page.locator("[role=columnheader][data-col='tagger/pred_tags']")
        header.locator("button.sort").click()
        header.locator("button.sort").click()
        expect(header).to_have_attribute("aria-sort", "descending")
        first = page.locator(".spacer-rows .row").first
        expect(first).to_contain_text("New York")
        # filtered by it
        page.get_by_test_id("table-filter").select_option(label="Wrong tags (tagger)")
        expect(page.get_by_test_id("row-count")).to_contain_text("2 of 4 rows")
        page.get_by_test_id("min-wrong-tags").fill("2")
        expect(page.get_by_test_id("row-count")).to_contain_text("1 of 4 rows")
        page.get_by_test_id("table-filter").select_option("all")
        row(page, "New York").click()
        shot(page, "workbench-tagger")
    finally:
        context.close()
        srv.stop()


def test_sort_follows_the_column_and_search_is_highlighted(small, server, shot):
    predict_all(small, server, "keywords")
    open_app(small, server, "?models=keywords&dataset=sentiment")
    header = small.locator("[role=columnheader][data-col='keywords/probas']")
    header.locator("button.sort").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(header.locator(".arrow")).to_have_text("▲")
    cells = small.locator(".spacer-rows .row [data-col='keywords/probas']")
    expect(cells.first).to_contain_text("negative")
    texts = cells.all_inner_texts()
    labels = [t.split()[0] for t in texts]
    assert labels == sorted(labels), labels  # by label first …
    neg = [float(t.split()[-1]) for t in texts if t.startswith("negative")]
    assert neg == sorted(neg), neg  # … then by score
    # a chosen class: the column shows and sorts by its probability
    header.get_by_test_id("column-shows").select_option("positive")
    expect(cells.first).to_have_text(re.compile(r"^0\.\d{3} · (positive|negative)$"))
    p = [float(t.split()[0]) for t in cells.all_inner_texts()]
    assert p == sorted(p) and p[0] < p[-1], p
    small.get_by_test_id("table-search").fill("film")
    marks = small.locator(".spacer-rows .row mark.found")
    expect(marks.first).to_have_text(re.compile("^film$", re.I))
    assert marks.count() == small.locator(".spacer-rows .row").count() >= 2
    shot(small.get_by_test_id("data-table"), "table-sorted-search")


def test_keyboard_shortcuts_select_all_and_focused_row(small, server, shot):
    open_app(small, server)
    expect(small.get_by_test_id("shortcuts")).to_be_hidden()
    small.keyboard.press("?")
    dialog = small.get_by_test_id("shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ctrl")
    expect(dialog).to_contain_text("select every row")
    shot(small, "shortcuts")
    small.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    small.get_by_test_id("shortcuts-button").click()  # the same list from the top bar
    expect(dialog).to_be_visible()
    small.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # ? typed into the search box is text, not a shortcut
    small.get_by_test_id("table-search").fill("")
    small.get_by_test_id("table-search").press("?")
    expect(dialog).to_be_hidden()
    small.get_by_test_id("table-search").fill("")
    # Ctrl+A in the table selects every row it shows; in an input it selects the text
    row(small, "I love this movie").click()
    small.keyboard.press("Control+a")
    expect(small.get_by_test_id("row-count")).to_contain_text("16 selected")
    small.keyboard.press("Escape")
    small.get_by_test_id("table-search").fill("film")
    small.get_by_test_id("table-search").press("Control+a")
    expect(small.get_by_test_id("row-count")).to_contain_text("0 selected")
    small.get_by_test_id("table-search").fill("")
    row(small, "sad and terrible").click()
    small.keyboard.press("ArrowDown")
    focused = small.locator(".spacer-rows .row.primary")
    expect(focused).to_contain_text("an excellent and happy story")
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"


def test_a_multitask_model_has_a_column_per_output_each_named(small, server):
    """A model with two outputs (the multitask fake: sentiment and length) has a column
    for each, named by the model and the field; a model with one output by the model."""
    predict_all(small, server, "multitask")
    predict_all(small, server, "keywords")
    open_app(small, server, "?models=multitask,keywords&dataset=sentiment")
    heads = small.locator(".row.head [role=columnheader] button.sort")
    expect(small.locator("[role=columnheader][data-col='multitask/sentiment'] button.sort")
           ).to_have_text(re.compile(r"^multitask · sentiment"))
    expect(small.locator("[role=columnheader][data-col='multitask/length'] button.sort")
           ).to_have_text(re.compile(r"^multitask · length"))
    expect(small.locator("[role=columnheader][data-col='keywords/probas'] button.sort")
           ).to_have_text(re.compile(r"^keywords\W*$"))
    assert heads.count() == 6  # text, label, score and the three model columns
    first = row(small, "a good film with a great cast")
    expect(first.locator("[data-col='multitask/sentiment']")).to_have_text(
        re.compile(r"^positive 0\.\d\d$"))
    expect(first.locator("[data-col='multitask/length']")).to_have_text(re.compile(r"^\d"))
