"""Metrics, confusion cells, scatters, error sets, exports and named slices over HTTP,
checked against counts made by hand from the fake model's known behaviour."""

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from lumos.engine import Engine, Workspace
from lumos.server.app import create_app
from lumos.store import Store
from lumos.testing import FakeClassifier
from lumos.testing.sample import SENTENCES, sample_datasets, sample_models

M, D = "keywords", "sentiment"


@pytest.fixture(scope="module")
def truth():
    """(id, text, gold, predicted, words) per row, from the fake model itself."""
    ds = sample_datasets()[D]
    outs = FakeClassifier().predict([{"text": t} for t, _ in SENTENCES])
    return [(i, t, g, FakeClassifier.labels[int(o["probas"].argmax())], len(t.split()))
            for i, (t, g), o in zip(ds.ids, SENTENCES, outs, strict=True)]


def test_fields_lists_groupable_fields_and_heads(client):
    r = client.get("/api/metrics/fields", params={"model": M, "dataset": D})
    assert r.status_code == 200
    kinds = {f["name"]: f["kind"] for f in r.json()["fields"]}
    assert kinds["text:length"] == "numeric" and kinds["probas:correct"] == "categorical"
    (head,) = r.json()["heads"]
    assert head["field"] == "probas" and head["gold"] == "label"
    assert set(head["errors"]) == {"fp", "fn", "incorrect"}


def test_metrics_by_binned_length_match_a_hand_count(client, truth):
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "by": "text:length",
                                          "bins": 3})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert rows[0]["group"] == "dataset" and rows[0]["count"] == 16
    lengths = [n for *_, n in truth]
    lo, hi = min(lengths), max(lengths)
    edges = [lo + k * (hi - lo) / 3 for k in range(4)]
    bins = [x for x in rows if x["kind"] == "bin"]
    assert len(bins) == 3
    for k, b in enumerate(bins):
        inside = [t for t in truth if edges[k] <= t[4] < edges[k + 1] or (k == 2 and t[4] == hi)]
        assert b["count"] == len(inside)
        assert set(b["ids"]) == {t[0] for t in inside}
        assert b["probas.accuracy"] == pytest.approx(
            sum(t[2] == t[3] for t in inside) / len(inside))


def test_metrics_by_label_give_recall_nulls_with_reasons_and_headers(client, truth):
    from sklearn.metrics import recall_score

    r = client.post("/api/metrics", json={"model": M, "dataset": D, "by": "label"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["column_info"]["probas.f1"]["label"] == "F1 (macro over the group's gold classes)"
    rows = {x["group"]: x for x in body["rows"]}
    for label in ("negative", "positive"):
        mine = [t for t in truth if t[2] == label]
        row = rows[label]
        assert row["probas.class_recall"] == pytest.approx(recall_score(
            [t[2] for t in mine], [t[3] for t in mine], labels=[label], average=None)[0])
        # JSON null, and the reason beside it
        assert row["probas.precision"] is None and row["undefined"]["probas.precision"]
        assert row["small"] is True and len(row["intervals"]["probas.class_recall"]) == 2


def test_metrics_within_a_selection_and_quantile_bins(client, truth):
    ids = [t[0] for t in truth[:8]]
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "ids": ids,
                                          "by": "label", "binning": "quantile"})
    rows = {x["group"]: x for x in r.json()["rows"]}
    assert rows["selection"]["count"] == 8
    assert rows["negative"]["count"] + rows["positive"]["count"] == 8
    assert set(rows["negative"]["ids"]) == {t[0] for t in truth[:8] if t[2] == "negative"}


def test_metrics_of_a_selection_predict_only_its_rows(client, workspace, truth):
    ids = [t[0] for t in truth[:3]]
    model = workspace.model(M)
    model.seen = 0  # the workspace's smoke test predicted one row
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "ids": ids})
    assert r.status_code == 200
    assert model.seen == 3
    rows = {x["group"]: x for x in r.json()["rows"]}
    assert rows["selection"]["ids"] == ids
    r = client.post("/api/metrics/confusion", json={"model": M, "dataset": D, "ids": ids,
                                                    "field": "probas"})
    assert r.status_code == 200 and model.seen == 3


def test_metrics_errors_name_the_field(client):
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "by": "nope"})
    assert r.status_code == 422 and "'nope'" in r.json()["detail"]
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "ids": ["zzz"]})
    assert r.status_code == 404 and "'zzz'" in r.json()["detail"]
    r = client.post("/api/metrics", json={"model": "nope", "dataset": D})
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_confusion_cells_list_their_rows(client, truth):
    r = client.post("/api/metrics/confusion", json={"model": M, "dataset": D,
                                                    "field": "probas"})
    c = r.json()
    assert c["labels"] == ["negative", "positive"]
    for gi, g in enumerate(c["labels"]):
        for pi, p in enumerate(c["labels"]):
            want = {t[0] for t in truth if t[2] == g and t[3] == p}
            assert c["matrix"][gi][pi] == len(want)
            assert set(c["ids"][gi][pi]) == want


def test_scatter_of_a_score_against_length(client, truth):
    r = client.post("/api/metrics/scatter", json={"model": M, "dataset": D,
                                                  "x": "text:length", "y": "probas:confidence"})
    s = r.json()
    assert s["ids"] == [t[0] for t in truth]
    assert s["x"] == [t[4] for t in truth]
    assert all(0.5 <= y <= 1 for y in s["y"])
    r = client.post("/api/metrics/scatter", json={"model": M, "dataset": D, "x": "label",
                                                  "y": "probas:confidence"})
    assert r.status_code == 422 and "'label'" in r.json()["detail"]


@pytest.mark.parametrize("kind", ["fp", "fn", "incorrect"])
def test_error_sets(client, truth, kind):
    r = client.post("/api/slices/errors", json={"model": M, "dataset": D, "field": "probas",
                                                "kind": kind})
    assert r.status_code == 200, r.text
    pick = {"fp": lambda g, p: p == "positive" and g == "negative",
            "fn": lambda g, p: p == "negative" and g == "positive",
            "incorrect": lambda g, p: p != g}[kind]
    assert set(r.json()["ids"]) == {t[0] for t in truth if pick(t[2], t[3])}


def read(fmt, content):
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(content.decode())))
    if fmt == "jsonl":
        return [json.loads(x) for x in content.decode().splitlines()]
    return pq.read_table(pa.BufferReader(content)).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_false_positive_export_has_exactly_those_rows(client, truth, fmt):
    err = {"model": M, "dataset": D, "field": "probas", "kind": "fp"}
    r = client.post("/api/slices/export", json={"dataset": D, "format": fmt, "error": err})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'attachment; filename="sentiment-fp.{fmt}"'
    rows = read(fmt, r.content)
    want = [t for t in truth if t[3] == "positive" and t[2] == "negative"]
    assert sorted(x["id"] for x in rows) == sorted(t[0] for t in want)
    for x in rows:  # inputs, predictions and gold
        assert x["text"] and x["gold:label"] == "negative" and x["probas:label"] == "positive"


def test_export_selection_and_bad_format(client, truth):
    ids = [truth[3][0], truth[0][0]]
    r = client.post("/api/slices/export", json={"dataset": D, "model": M, "ids": ids,
                                                "format": "jsonl"})
    assert {x["id"] for x in read("jsonl", r.content)} == set(ids)
    assert r.headers["x-rows"] == "2"
    r = client.post("/api/slices/export", json={"dataset": D, "format": "xlsx"})
    assert r.status_code == 422 and "format" in r.text


def test_named_slices_survive_a_restart(tmp_path, truth):
    path = tmp_path / "s.sqlite"
    ids = [t[0] for t in truth[:3]]
    store = Store(path)
    ws = Workspace(sample_models(), sample_datasets(), engine=Engine(store))
    with TestClient(create_app(ws)) as c:
        r = c.put(f"/api/slices/{D}/short ones", json={"ids": ids, "description": "x"})
        assert r.status_code == 200 and r.json()["count"] == 3
        bad = c.put(f"/api/slices/{D}/bad", json={"ids": ["zzz"]})
        assert bad.status_code == 422 and "'zzz'" in bad.json()["detail"]
    store.close()
    store = Store(path)
    ws = Workspace(sample_models(), sample_datasets(), engine=Engine(store))
    with TestClient(create_app(ws)) as c:
        (s,) = c.get(f"/api/slices/{D}").json()
        assert s["name"] == "short ones" and s["ids"] == ids
        rows = c.post("/api/metrics", json={"model": M, "dataset": D}).json()["rows"]
        assert [x["count"] for x in rows if x["kind"] == "slice"] == [3]
        assert c.delete(f"/api/slices/{D}/short ones").status_code == 200
        assert c.get(f"/api/slices/{D}").json() == []
        assert c.delete(f"/api/slices/{D}/short ones").status_code == 404
    store.close()


def test_a_binary_threshold_moves_every_aggregate_view_alike(client):
    """The workbench's threshold slider (sent as a log-odds margin) decides the predicted
    label in the metrics table, the confusion cells, the error sets and the export."""
    import math

    import numpy as np

    ds = sample_datasets()[D]
    probs = [o["probas"] for o in FakeClassifier().predict([{"text": t} for t, _ in SENTENCES])]
    pos = FakeClassifier.labels.index("positive")
    p_pos = np.array([p[pos] for p in probs])
    t = 0.9  # raises the bar: the rows at 0.88 flip to negative
    margin = math.log(t / (1 - t))
    pred = ["positive" if x >= t else "negative" for x in p_pos]
    gold = [g for _, g in SENTENCES]
    assert pred != [FakeClassifier.labels[int(np.argmax(p))] for p in probs]
    dec = {"margin": margin, "positive_label": "positive"}

    r = client.post("/api/metrics", json={"model": M, "dataset": D, "slices": False, **dec})
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    acc = next(v for k, v in row.items() if k.endswith("accuracy"))
    assert acc == pytest.approx(np.mean([p == g for p, g in zip(pred, gold, strict=True)]))

    r = client.post("/api/metrics/confusion", json={"model": M, "dataset": D,
                                                    "field": "probas", **dec})
    cm = r.json()
    labels = cm["labels"]
    for gi, g in enumerate(labels):
        for pi, p in enumerate(labels):
            want = {i for i, gg, pp in zip(ds.ids, gold, pred, strict=True)
                    if gg == g and pp == p}
            assert set(cm["ids"][gi][pi]) == want

    fp = {i for i, g, p in zip(ds.ids, gold, pred, strict=True)
          if p == "positive" and g == "negative"}
    err = {"model": M, "dataset": D, "field": "probas", "kind": "fp", **dec}
    assert set(client.post("/api/slices/errors", json=err).json()["ids"]) == fp
    r = client.post("/api/slices/export", json={"dataset": D, "format": "jsonl", "error": err,
                                                **dec})
    rows = read("jsonl", r.content)
    assert {x["id"] for x in rows} == fp
    assert all(x["probas:label"] == "positive" for x in rows)


def test_export_of_two_models_holds_each_models_columns(client, truth):
    ids = [truth[0][0], truth[2][0]]
    r = client.post("/api/slices/export", json={"dataset": D, "model": M, "models": ["negation"],
                                                "ids": ids, "format": "jsonl"})
    assert r.status_code == 200, r.text
    rows = read("jsonl", r.content)
    assert {x["id"] for x in rows} == set(ids)
    for x in rows:
        assert x["text"] and f"{M}/probas:label" in x and "negation/probas:label" in x
        assert "probas:label" not in x  # no unnamed model column
    # "not good at all": the keyword model sees "good", the negation model reads "not"
    neg = next(x for x in rows if x["text"] == "not good at all")
    assert neg[f"{M}/probas:label"] == "positive" and neg["negation/probas:label"] == "negative"
    r = client.post("/api/slices/export", json={"dataset": D, "model": M, "models": ["nope"]})
    assert r.status_code == 404 and "nope" in r.text


def _thresholded(t):
    import numpy as np

    probs = [o["probas"] for o in FakeClassifier().predict([{"text": s} for s, _ in SENTENCES])]
    pos = FakeClassifier.labels.index("positive")
    return ["positive" if p[pos] >= t else "negative" for p in np.asarray(probs)]


@pytest.mark.parametrize("by", ["label", "probas:label", None])
def test_a_threshold_moves_every_groups_figures_as_sklearn_on_its_rows(client, by):
    import math

    from sklearn.metrics import f1_score, precision_score, recall_score

    t = 0.9
    pred, gold = _thresholded(t), [g for _, g in SENTENCES]
    ids = sample_datasets()[D].ids
    dec = {"margin": math.log(t / (1 - t)), "positive_label": "positive"}
    r = client.post("/api/metrics", json={"model": M, "dataset": D, "by": by,
                                          "slices": False, **dec})
    assert r.status_code == 200, r.text
    pos = {i: n for n, i in enumerate(ids)}
    for row in r.json()["rows"]:
        rows = [pos[i] for i in row["ids"]]
        y, p = [gold[n] for n in rows], [pred[n] for n in rows]
        if row["kind"] == "dataset":
            assert row["probas.f1"] == pytest.approx(f1_score(y, p, average="macro"))
            assert row["probas.recall"] == pytest.approx(recall_score(y, p, average="macro"))
        elif by == "label":
            assert {*y} == {row["group"]}
            assert row["probas.class_recall"] == pytest.approx(
                recall_score(y, p, labels=[row["group"]], average="macro", zero_division=0))
        else:  # the groups follow the thresholded labels
            assert {*p} == {row["group"]}
            assert row["probas.class_precision"] == pytest.approx(
                precision_score(y, p, labels=[row["group"]], average="macro"))


def test_a_multitask_models_heads_each_get_their_own_metrics(client):
    """The sample two-head model: grouped by its sentiment head's correctness, that head
    keeps only accuracy, while the length head's errors stay defined and equal sklearn's
    on each group's rows."""
    import numpy as np
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    from lumos.testing.sample import MultiHeadModel

    ds = sample_datasets()[D]
    ex = ds.examples(list(range(len(ds))))
    outs = MultiHeadModel().predict(ex)
    pos = {i: n for n, i in enumerate(ds.ids)}
    r = client.post("/api/metrics", json={"model": "multitask", "dataset": D,
                                          "by": "sentiment:correct", "slices": False})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {c["field"] for c in body["column_info"].values()} == {"sentiment", "length"}
    assert body["column_info"]["length.mae"]["label"] == "MAE (mean over rows)"
    rows = {row["group"]: row for row in body["rows"]}
    assert set(rows) == {"dataset", "true", "false"}
    for g, row in rows.items():
        n = [pos[i] for i in row["ids"]]
        y = np.array([ex[k]["score"] for k in n])
        yhat = np.array([outs[k]["length"] for k in n])
        assert row["length.mse"] == pytest.approx(mean_squared_error(y, yhat))
        assert row["length.mae"] == pytest.approx(mean_absolute_error(y, yhat))
        if g != "dataset":
            assert row["sentiment.accuracy"] == (1.0 if g == "true" else 0.0)
            assert row["sentiment.auc"] is None and row["sentiment.f1"] is None
            assert "by construction" in row["undefined"]["sentiment.auc"]
