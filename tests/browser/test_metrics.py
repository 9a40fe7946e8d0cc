"""Metrics, confusion matrix, error sets, exports and named slices in real Chromium,
checked against counts made by hand from the fake model's known behaviour."""

import csv
import io
import json
import re

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import expect

from lumos.testing import FakeClassifier
from lumos.testing.sample import SENTENCES

pytestmark = pytest.mark.browser


def by_hand():
    """(text, gold, predicted) of every row, from the fake model itself."""
    outs = FakeClassifier().predict([{"text": t} for t, _ in SENTENCES])
    return [(t, g, FakeClassifier.labels[int(o["probas"].argmax())])
            for (t, g), o in zip(SENTENCES, outs, strict=True)]


def predict_all(page, server, model="keywords"):
    """Predict every row (a job on the server) before the page opens."""
    base = server.url.rstrip("/")
    job = page.request.post(f"{base}/api/predictions/jobs",
                            data={"model": model, "dataset": "sentiment"}).json()
    for _ in range(100):
        if page.request.get(f"{base}/api/jobs/{job['id']}").json()["status"] == "done":
            return
        page.wait_for_timeout(50)
    raise AssertionError("the prediction job did not finish")


def open_metrics(page, server):
    predict_all(page, server)
    page.goto(server.url.rstrip("/") + "/?models=keywords&dataset=sentiment")
    expect(page.locator(".spacer-rows .row").first).to_be_visible()
    table = page.get_by_test_id("metrics-table")
    # the first metrics of a fresh server (a cold engine, on a loaded machine) can take
    # longer than expect's default 5 s: a bound against hanging, not a speed check
    expect(table.locator("tr[data-kind=dataset]")).to_be_visible(timeout=30_000)
    return table


def expect_number(cell, value):
    """The cell shows ``value`` to three decimals (JavaScript rounds halves up)."""
    shown = cell.locator(".v")
    expect(shown).to_have_text(re.compile(r"^\d"))
    assert abs(float(shown.inner_text()) - value) <= 0.0005 + 1e-9, shown.inner_text()


def selected_texts(page):
    return set(page.locator(".spacer-rows .row[aria-selected=true] .cell:nth-child(2)")
               .all_inner_texts())


def test_metrics_by_binned_length_match_a_hand_count(page, server, shot):
    table = open_metrics(page, server)
    rows = by_hand()
    acc = sum(g == p for _, g, p in rows) / len(rows)
    expect_number(table.locator("tr[data-kind=dataset] td[data-col='probas.accuracy']"), acc)
    # each interval names how it was drawn: Wilson for accuracy, bootstrap for macro F1
    expect(table.locator("tr[data-kind=dataset] td[data-col='probas.accuracy']")
           ).to_have_attribute("title", re.compile(r"\(Wilson, n = \d+\)"))
    expect(table.locator("tr[data-kind=dataset] td[data-col='probas.f1']")
           ).to_have_attribute("title", re.compile(r"\(bootstrap, n = \d+\)"))
    page.get_by_test_id("metrics-by").select_option("text:length")
    page.get_by_test_id("metrics-bins").fill("3")
    page.get_by_test_id("metrics-bins").blur()
    # three equal-width bins over the word counts, the last one closed
    lengths = [len(t.split()) for t, _, _ in rows]
    lo, hi = min(lengths), max(lengths)
    width = (hi - lo) / 3
    edges = [lo + k * width for k in range(4)]
    expect(table.locator("tr[data-kind=bin]")).to_have_count(3)
    for k in range(3):
        inside = [r for r, n in zip(rows, lengths, strict=True)
                  if edges[k] <= n < edges[k + 1] or (k == 2 and n == hi)]
        label = f"[{edges[k]:.4g}, {edges[k + 1]:.4g}{']' if k == 2 else ')'}"
        tr = table.locator(f"tr[data-group='{label}']")
        expect(tr.locator("td[data-col=count]")).to_have_text(str(len(inside)))
        right = sum(g == p for _, g, p in inside) / len(inside)
        expect_number(tr.locator("td[data-col='probas.accuracy']"), right)
    # a bin's row selects its examples in the table
    first = table.locator("tr[data-kind=bin]").first
    first.click()
    want = {t for (t, _, _), n in zip(rows, lengths, strict=True) if n < edges[1]}
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(want)} selected")
    assert selected_texts(page) == want
    shot(page.locator("[data-module=metrics]"), "metrics")


def test_by_label_shows_recall_as_sklearn_and_undefined_cells_say_why(page, server, shot):
    """Grouped by the gold label: each label's recall equals sklearn's on its rows, the
    headers name the averaging, and precision (undefined within one gold label) shows
    "—" with the reason on hover."""
    from scipy.stats import binomtest
    from sklearn.metrics import recall_score

    table = open_metrics(page, server)
    head = table.locator("thead")
    expect(head.locator("th[data-col='probas.f1']")).to_have_text(
        "F1 (macro over the group's gold classes)")
    expect(head.locator("th[data-col='probas.accuracy']")).to_have_text("accuracy (over rows)")
    expect(head.locator("th[data-col='probas.accuracy']")).to_have_attribute(
        "title", re.compile("Wilson"))
    # ungrouped, per-class recall is defined for no row: no such column
    expect(head.locator("th[data-col='probas.class_recall']")).to_have_count(0)
    page.get_by_test_id("metrics-by").select_option("label")
    expect(table.locator("tr[data-kind=facet]")).to_have_count(2)
    expect(head.locator("th[data-col='probas.class_recall']")).to_have_text(
        "recall (of the group's gold class)")
    rows = by_hand()
    for label in ("negative", "positive"):
        mine = [(g, p) for _, g, p in rows if g == label]
        want = recall_score([g for g, _ in mine], [p for _, p in mine], labels=[label],
                            average=None)[0]
        tr = table.locator(f"tr[data-group='{label}']")
        cell = tr.locator("td[data-col='probas.class_recall']")
        expect_number(cell, want)
        ci = binomtest(sum(g == p for g, p in mine), len(mine)).proportion_ci(method="wilson")
        expect(cell.locator(".ci")).to_have_text(f"{ci.low:.2f}–{ci.high:.2f}")
        undefined = tr.locator("td[data-col='probas.precision']")
        expect(undefined).to_have_text("—")
        expect(undefined).to_have_attribute("title", re.compile("undefined within one gold label"))
        expect(tr.locator("td[data-col='probas.auc']")).to_have_attribute(
            "title", re.compile("one gold class"))
        expect(tr.locator(".small-group")).to_have_text("small group")
    # the dataset row holds both labels: precision defined, per-class recall not
    ds_row = table.locator("tr[data-kind=dataset]")
    expect(ds_row.locator("td[data-col='probas.precision'] .v")).to_have_text(re.compile(r"^\d"))
    expect(ds_row.locator("td[data-col='probas.class_recall']")).to_have_attribute(
        "title", re.compile("several gold labels"))
    shot(page.locator("[data-module=metrics]"), "metrics-by-label")


def test_groups_by_correctness_show_accuracy_only_and_no_interval_on_a_dash(page, server):
    """Grouped by whether the prediction is right: accuracy is 1 and 0 by construction and
    every other figure (AUC, macro F1, ...) is "—" with the reason, never 1.000/0.000, and
    no undefined cell carries an interval."""
    table = open_metrics(page, server)
    page.get_by_test_id("metrics-by").select_option("probas:correct")
    expect(table.locator("tr[data-kind=facet]")).to_have_count(2)
    for group, acc in (("true", "1.000"), ("false", "0.000")):
        tr = table.locator(f"tr[data-group='{group}']")
        expect(tr.locator("td[data-col='probas.accuracy'] .v")).to_have_text(acc)
        others = tr.locator("td[data-col]:not([data-col='count']):not("
                            "[data-col='probas.accuracy'])")
        assert others.count() >= 4
        for cell in others.all():
            expect(cell).to_have_text("—")
            expect(cell).to_have_attribute("title", re.compile("by construction"))
            expect(cell.locator(".ci")).to_have_count(0)
    # the ungrouped row keeps its AUC
    expect(table.locator("tr[data-kind=dataset] td[data-col='probas.auc'] .v")).to_have_text(
        re.compile(r"^\d"))


def test_confusion_cell_selects_its_rows_and_scatter(page, server, shot):
    open_metrics(page, server)
    rows = by_hand()
    cell = page.locator("[data-testid=confusion] button[data-gold=positive][data-pred=negative]")
    want = {t for t, g, p in rows if g == "positive" and p == "negative"}
    expect(cell).to_have_text(str(len(want)))
    cell.click()
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(want)} selected")
    assert selected_texts(page) == want
    # a score against a numeric field: one mark per row, selected ones highlighted
    svg = page.get_by_test_id("metrics-scatter")
    expect(svg.locator("circle")).to_have_count(16)
    expect(svg.locator("circle.sel")).to_have_count(len(want))
    shot(page.locator("[data-module=metrics]"), "metrics-confusion")


def test_false_positive_filter_exports_exactly_those_rows(page, server, shot):
    open_metrics(page, server)
    rows = by_hand()
    fps = {t for t, g, p in rows if p == "positive" and g == "negative"}
    fns = {t for t, g, p in rows if p == "negative" and g == "positive"}
    assert fps and fns
    page.get_by_test_id("error-fp").click()
    expect(page.get_by_test_id("error-status")).to_contain_text(f"{len(fps)} false positives")
    # the table now shows exactly the false positives
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(fps)} of 16 rows")
    assert set(page.locator(".spacer-rows .row .cell:nth-child(2)").all_inner_texts()) == fps
    shot(page.locator("[data-module=slices]"), "metrics-errors")
    for fmt in ("csv", "jsonl", "parquet"):
        page.get_by_test_id("export-format").select_option(fmt)
        with page.expect_download() as dl:
            page.get_by_test_id("export-errors").click()
        path = dl.value.path()
        assert dl.value.suggested_filename == f"sentiment-fp.{fmt}"
        if fmt == "csv":
            got = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        elif fmt == "jsonl":
            got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        else:
            got = pq.read_table(path).to_pylist()
        assert {r["text"] for r in got} == fps
        assert all(r["gold:label"] == "negative" and r["probas:label"] == "positive"
                   for r in got)
    page.get_by_test_id("error-fn").click()
    expect(page.get_by_test_id("row-count")).to_contain_text(f"{len(fns)} of 16 rows")
    assert set(page.locator(".spacer-rows .row .cell:nth-child(2)").all_inner_texts()) == fns


def test_named_slice_survives_a_reload_and_feeds_metrics(page, server):
    open_metrics(page, server)
    page.locator(".spacer-rows .row", has_text="sad and terrible").click()
    page.locator(".spacer-rows .row", has_text="great great great").click(modifiers=["Control"])
    page.get_by_test_id("slice-name").fill("short ones")
    page.get_by_test_id("slice-save").click()
    expect(page.get_by_test_id("slice-list")).to_contain_text("short ones")
    page.reload()
    expect(page.get_by_test_id("slice-list").locator("li[data-slice='short ones']")) \
        .to_contain_text("2 rows")
    tr = page.get_by_test_id("metrics-table").locator("tr[data-group='short ones']")
    expect(tr.locator("td").first).to_have_text(re.compile("slice: short ones"))
    expect(tr.locator("td[data-col=count]")).to_have_text("2")
    page.get_by_test_id("slice-list").get_by_role("button", name="short ones", exact=True).click()
    expect(page.get_by_test_id("row-count")).to_contain_text("2 of 16 rows")


def test_threshold_slider_moves_the_metrics_and_confusion(page, server):
    """A two-class head's threshold, set in the classification module, decides the labels
    the metrics table and confusion matrix count (the server computes them)."""
    table = open_metrics(page, server)
    outs = FakeClassifier().predict([{"text": t} for t, _ in SENTENCES])
    pos = FakeClassifier.labels.index("positive")
    pred = ["positive" if o["probas"][pos] >= 0.9 else "negative" for o in outs]
    gold = [g for _, g in SENTENCES]
    acc = sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold)
    assert acc != sum(g == p for _, g, p in by_hand()) / len(gold)  # the threshold matters
    page.locator(".spacer-rows .row").first.click()
    page.locator("[data-testid=class-head] input[type=range]").fill("0.9")
    # the table recomputes on the server: wait for the new figure
    expect(table.locator("tr[data-kind=dataset] td[data-col='probas.accuracy'] .v")
           ).to_have_text(f"{acc:.3f}")
    cell = page.locator("[data-testid=confusion] button[data-gold=positive][data-pred=negative]")
    expect(cell).to_have_text(str(sum(g == "positive" and p == "negative"
                                      for p, g in zip(pred, gold, strict=True))))
