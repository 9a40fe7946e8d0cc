"""A workbench that keeps its place, in real Chromium: a saved datapoint is predicted at
once and can be deleted and restored; the link restores the projector's method and
colour and the metrics grouping after a reload (a computed projection comes back from
the cache); a selection of hundreds of rows makes a short link that restores it; a
projection not computed yet logs no failed request; the editor's labels are words."""

import re
import socket
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from lumos.server.serve import make_server
from lumos.testing.sample import sample_datasets, sample_models

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

N = 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    models = {k: v for k, v in sample_models().items() if k in ("keywords", "negation")}
    srv = make_server(models, {"sentiment": sample_datasets(N)["sentiment"]},
                      port=free_port(), store=store, quiet=True).start()
    yield srv
    srv.stop()


def open_app(page, server, query="?models=keywords&dataset=sentiment"):
    page.goto(server.url.rstrip("/") + "/" + query)
    # (the dataset's rows, and the datapoints tests saved)
    counts = "|".join(f"of {N + k}" for k in range(3))
    expect(page.get_by_test_id("row-count")).to_contain_text(re.compile(counts))
    expect(page.locator(".spacer-rows .row").first).to_be_visible()


def row(page, text):
    return page.locator(".spacer-rows .row", has_text=text).first


def failed_requests(page):
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    return failed


def test_saved_datapoint_is_predicted_then_deleted_and_restored(page, server, shot):
    open_app(page, server)
    page.locator(".spacer-rows .row").first.click()
    page.get_by_test_id("edit-text").fill("an awful brand new review")
    page.get_by_test_id("save-datapoint").click()
    created = row(page, "an awful brand new review")
    expect(created).to_have_attribute("aria-selected", "true")
    key = created.get_attribute("data-id")
    # predicted when saved: the table's model column shows it without "predict all"
    expect(created).to_contain_text("negative")
    delete = page.get_by_test_id("delete-datapoint")
    expect(delete).to_be_visible()
    shot(page.locator("[data-module=editor]"), "editor-saved-datapoint")
    delete.click()
    expect(page.locator(".spacer-rows .row", has_text="an awful brand new review")).to_have_count(0)
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text("Deleted — Undo")
    shot(toast, "editor-undo-toast")
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{N:,} of {N:,} rows")
    page.get_by_test_id("undo-delete").click()
    back = row(page, "an awful brand new review")
    expect(back).to_have_attribute("data-id", key)  # the same key
    expect(back).to_have_attribute("aria-selected", "true")
    expect(toast).to_have_count(0)
    # restored in the store, too: a reload still has it, once
    page.reload()
    expect(page.locator(".spacer-rows .row", has_text="an awful brand new review")).to_have_count(1)
    # rows of the dataset itself cannot be deleted
    page.locator(".spacer-rows .row").first.click()
    expect(page.get_by_test_id("delete-datapoint")).to_have_count(0)


def test_editor_labels_read_as_words(page, server):
    open_app(page, server)
    page.locator(".spacer-rows .row").first.click()
    editor = page.get_by_test_id("editor")
    expect(page.get_by_test_id("edit-label-text")).to_have_text("text")
    expect(page.get_by_test_id("edit-label-label")).to_contain_text("label (optional)")
    expect(page.get_by_test_id("edit-label-score")).to_contain_text("score (optional)")
    labels = " ".join(editor.locator("label").all_inner_texts())
    for type_name in ("TextSegment", "CategoryLabel", "Scalar"):
        assert type_name not in labels


def test_no_failed_request_before_a_projection_is_computed(page, server):
    failed = failed_requests(page)
    open_app(page, server)
    stage = page.get_by_test_id("projector")
    expect(stage).to_have_attribute("data-status", "missing")
    expect(page.get_by_test_id("projector-compute")).to_be_visible()
    assert failed == [], failed


def test_the_link_restores_projector_colour_and_metrics_grouping(page, server, shot):
    open_app(page, server)
    page.get_by_test_id("projector-method").select_option("umap")
    color = page.get_by_test_id("projector-color")
    wanted = color.locator("option").nth(1).get_attribute("value")
    color.select_option(wanted)
    page.get_by_test_id("metrics-by").select_option("text:length")
    expect(page).to_have_url(re.compile(r"proj\.method=umap"))
    query = parse_qs(urlparse(page.url).query)
    assert query["proj.color"] == [wanted] and query["metrics.by"] == ["text:length"]
    page.reload()
    expect(page.get_by_test_id("projector-method")).to_have_value("umap")
    expect(page.get_by_test_id("projector-color")).to_have_value(wanted)
    expect(page.get_by_test_id("metrics-by")).to_have_value("text:length")
    # a projection computed once comes back from the cache when the link is opened again
    page.get_by_test_id("projector-method").select_option("pca")
    stage = page.get_by_test_id("projector")
    expect(stage).to_have_attribute("data-status", "missing")
    page.get_by_test_id("projector-compute").click()
    expect(stage).to_have_attribute("data-status", "ready", timeout=60000)
    n_points = stage.get_attribute("data-points")
    assert int(n_points) >= N  # the rows, and a saved datapoint placed in the layout
    jobs = []
    page.on("request", lambda r: jobs.append(r.url) if "/jobs" in r.url
            and r.method == "POST" else None)
    page.reload()
    expect(stage).to_have_attribute("data-status", "ready")
    expect(stage).to_have_attribute("data-points", n_points)
    assert jobs == []
    shot(page.locator("[data-module=projector]"), "projector-restored")


def test_a_large_selection_makes_a_short_link_that_restores_it(page, server):
    open_app(page, server)
    page.locator(".spacer-rows .row").first.click()
    page.locator(".viewport").evaluate("v => v.scrollTop = v.scrollHeight")
    last = row(page, f"#{N - 1}")
    expect(last).to_be_visible()
    last.click(modifiers=["Shift"])
    count = page.get_by_test_id("row-count")
    expect(count).to_contain_text(f"{N} selected")
    expect(page).to_have_url(re.compile(r"selid=s[0-9a-f]{20}"))
    assert "sel=" not in page.url.replace("selid=", "")
    assert len(page.url) < 300, page.url
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    expect(count).to_contain_text(f"{N} selected")
    page.locator(".viewport").evaluate("v => v.scrollTop = v.scrollHeight")
    expect(row(page, f"#{N - 1}")).to_have_attribute("aria-selected", "true")


def test_a_saved_datapoint_without_predictions_does_not_block_metrics(page, server):
    base = server.url.rstrip("/")
    job = page.request.post(f"{base}/api/predictions/jobs",
                            data={"model": "keywords", "dataset": "sentiment"}).json()
    for _ in range(600):
        if page.request.get(f"{base}/api/jobs/{job['id']}").json()["status"] == "done":
            break
        page.wait_for_timeout(50)
    # a datapoint saved behind the page's back: no model has predicted it
    r = page.request.post(f"{base}/api/datasets/sentiment/datapoints",
                          data={"example": {"text": "never predicted before"}, "parent": None})
    assert r.status == 201
    q = "model=keywords&dataset=sentiment&cached_only=true"
    assert page.request.get(f"{base}/api/predictions/table?{q}").headers["x-missing"] == "1"
    open_app(page, server)
    table = page.get_by_test_id("metrics-table")
    # (a generous wait: the first metrics request imports its libraries)
    expect(table.locator("tr[data-kind=dataset]")).to_be_visible(timeout=30000)
    page.locator(".viewport").evaluate("v => v.scrollTop = v.scrollHeight")
    expect(row(page, "never predicted before")).to_contain_text(re.compile("positive|negative"))
    assert page.request.get(f"{base}/api/predictions/table?{q}").headers["x-missing"] == "0"


def test_a_map_asked_for_comes_back_from_the_cache_after_a_reload(page, server, monkeypatch):
    from lumos.components.salience.occlusion import Occlusion

    calls = []
    real = Occlusion.run
    monkeypatch.setattr(Occlusion, "run", lambda self, *a, **k: calls.append(1) or real(
        self, *a, **k))
    open_app(page, server, "?models=keywords&dataset=sentiment&hide=projector")
    page.locator(".spacer-rows .row").first.click()
    occ = page.locator("[data-testid=salience-row][data-method=occlusion]")
    occ.get_by_test_id("run-occlusion").click()
    expect(occ).to_have_attribute("data-status", "done")
    assert len(calls) == 1
    expect(page).to_have_url(re.compile(r"sal\.run=keywords%7Cocclusion|sal\.run=keywords\|occ"))
    words = occ.locator("[data-testid=token-map] .tok").all_inner_texts()
    page.reload()
    # shown again without asking, and not recomputed: the server's cache answered
    expect(occ).to_have_attribute("data-status", "done")
    assert occ.locator("[data-testid=token-map] .tok").all_inner_texts() == words
    assert len(calls) == 1
