"""The metrics table over the dataset, a selection, slices, facets and bins."""

import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.datasets import from_table
from lumos.engine import Engine, Workspace
from lumos.engine.aggregate import compute_metrics
from lumos.engine.slices import save_slice
from lumos.testing.fakes import FakeRegressor, FakeTagger

FP, FN = [5, 8], [3, 9]


@pytest.fixture
def ws(store, reviews):
    return reviews.workspace(store)


def by_group(result):
    return {r["group"]: r for r in result["rows"]}


def test_whole_dataset_and_facets(ws):
    r = compute_metrics(ws, "clf", "reviews", by="source")
    assert r["columns"][:3] == ["group", "kind", "count"]
    rows = by_group(r)
    assert rows["dataset"]["count"] == 12
    assert rows["dataset"]["probas.accuracy"] == pytest.approx(8 / 12)
    assert {g: rows[g]["count"] for g in "abc"} == {"a": 2, "b": 4, "c": 6}
    assert rows["a"]["probas.accuracy"] == pytest.approx(1.0)
    assert rows["b"]["probas.accuracy"] == pytest.approx(0.5)
    assert rows["c"]["probas.accuracy"] == pytest.approx(4 / 6)
    detail = r["details"][0]["probas/classification"]
    # gold negative predicted positive = the false positives
    assert detail["confusion_matrix"]["matrix"] == [[4, len(FP)], [len(FN), 4]]


def test_selection_row_and_facets_within_it(ws):
    r = compute_metrics(ws, "clf", "reviews", indices=[0, 1, 3, 9], by="source",
                        with_indices=True)
    rows = by_group(r)
    assert rows["selection"]["count"] == 4
    assert rows["selection"]["probas.accuracy"] == pytest.approx(0.5)
    assert rows["b"]["indices"] == [3] and rows["c"]["indices"] == [9]
    assert rows["b"]["probas.accuracy"] == 0.0


def test_metrics_over_a_selection_predict_only_the_selection(ws):
    ds = ws.dataset("reviews")
    save_slice(ws, "reviews", "errors", [ds.ids[i] for i in FP + FN])
    model = ws.model("clf")
    model.seen = 0  # the workspace's smoke test predicted one row
    r = compute_metrics(ws, "clf", "reviews", indices=[0, 3, 5, 9], by="source",
                        slices=True, with_indices=True)
    assert model.seen == 4
    rows = by_group(r)
    assert "dataset" not in rows
    assert rows["selection"]["count"] == 4 and rows["selection"]["indices"] == [0, 3, 5, 9]
    # the slice and the facets count the selected rows only: 3, 5 and 9 are errors
    assert sorted(rows["errors"]["indices"]) == [3, 5, 9]
    assert rows["errors"]["probas.accuracy"] == 0.0
    assert {g: rows[g]["indices"] for g in "abc"} == {"a": [0], "b": [3, 5], "c": [9]}
    assert rows["a"]["probas.accuracy"] == 1.0
    # the whole dataset, asked for, predicts the other 8 rows (the 4 come from the cache)
    assert by_group(compute_metrics(ws, "clf", "reviews"))["dataset"]["count"] == 12
    assert model.seen == 12


def test_a_slice_outside_the_selection_gets_an_empty_row(ws):
    ds = ws.dataset("reviews")
    save_slice(ws, "reviews", "errors", [ds.ids[i] for i in FP + FN])
    ws.model("clf").seen = 0
    rows = by_group(compute_metrics(ws, "clf", "reviews", indices=[0, 1], slices=True,
                                    with_indices=True))
    assert rows["errors"]["count"] == 0 and rows["errors"]["indices"] == []
    assert ws.model("clf").seen == 2


def test_bins_of_a_numeric_field(ws):
    r = compute_metrics(ws, "clf", "reviews", by="stars", bins=3)
    rows = [x for x in r["rows"] if x["kind"] == "bin"]
    assert [(x["group"], x["count"]) for x in rows] == [("[1, 4)", 9), ("[4, 7)", 1),
                                                        ("[7, 10]", 2)]
    # stars 5 is row 9, a false negative
    assert rows[1]["probas.accuracy"] == 0.0
    assert rows[1]["lo"] == 4.0


def test_derived_field_facets(ws):
    rows = by_group(compute_metrics(ws, "clf", "reviews", by="probas:error"))
    assert {k: rows[k]["count"] for k in ("TP", "TN", "FP", "FN")} == \
        {"TP": 4, "TN": 4, "FP": 2, "FN": 2}
    assert rows["FP"]["probas.accuracy"] == 0.0


def test_named_slices_get_rows(ws):
    ds = ws.dataset("reviews")
    save_slice(ws, "reviews", "errors", [ds.ids[i] for i in FP + FN])
    rows = by_group(compute_metrics(ws, "clf", "reviews", slices=True))
    assert rows["errors"]["kind"] == "slice"
    assert rows["errors"]["count"] == 4 and rows["errors"]["probas.accuracy"] == 0.0


def test_margin_config_changes_predictions(ws):
    # a margin of -0.5 tips the ties (rows 4 and 9, p=0.5) to positive
    rows = by_group(compute_metrics(ws, "clf", "reviews", by="probas:error",
                                    configs={"classification": {"margin": -0.5}}))
    assert rows["dataset"]["probas.accuracy"] == pytest.approx(8 / 12)
    assert rows["FP"]["count"] == 3 and rows["FN"]["count"] == 1


def test_errors_name_the_field(ws):
    with pytest.raises(SpecError, match="'nope'"):
        compute_metrics(ws, "clf", "reviews", by="nope")
    with pytest.raises(SpecError, match="bleu"):
        compute_metrics(ws, "clf", "reviews", metrics=["bleu"])
    with pytest.raises(SpecError, match="'marginn'"):
        compute_metrics(ws, "clf", "reviews", configs={"classification": {"marginn": 1}})


def test_regression_and_tagging(store):
    reg = from_table(pa.table({"text": ["a b", "a b c d", "a"], "score": [0.2, 0.2, 0.5]}),
                     spec={"text": T.TextSegment(), "score": T.Scalar()})
    tags = from_table(pa.table({"tokens": [["Ann", "Lee", "ran"], ["we", "saw", "Bo"]],
                                "tags": [["B-PER", "I-PER", "O"], ["O", "O", "O"]]}),
                      spec={"tokens": T.Tokens(),
                            "tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags)})
    ws = Workspace({"reg": FakeRegressor(), "tag": FakeTagger()},
                   {"reg": reg, "tags": tags}, engine=Engine(store), smoke_test=False)
    row = compute_metrics(ws, "reg", "reg")["rows"][0]
    # predictions .2 .4 .1 vs gold .2 .2 .5: squared errors 0, .04, .16
    assert row["prediction.mse"] == pytest.approx(0.2 / 3)
    assert row["prediction.mae"] == pytest.approx(0.6 / 3)
    r = compute_metrics(ws, "reg", "reg")
    assert r["column_info"]["prediction.mae"]["label"] == "MAE (mean over rows)"
    row = compute_metrics(ws, "tag", "tags")["rows"][0]
    # predicted entities: PER(Ann Lee) right, PER(Bo) wrong -> P 1/2, R 1
    assert row["pred_tags.precision"] == pytest.approx(0.5)
    assert row["pred_tags.recall"] == pytest.approx(1.0)


# --- every group's figures against scikit-learn on the same rows -----------------------


def sklearn_figures(golds, probas, vocab):
    """accuracy, macro P/R/F1 (over the group's gold classes: sklearn's labels=those)
    and AUC, straight from sklearn.metrics."""
    import numpy as np
    from sklearn.metrics import (
        accuracy_score,
        precision_recall_fscore_support,
        recall_score,
        roc_auc_score,
    )

    y_true = np.array([vocab.index(g) for g in golds])
    p = np.stack(probas).astype(np.float64)
    y_pred = p.argmax(axis=1)
    prec, rec, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=sorted(set(y_true.tolist())), average="macro", zero_division=0)
    out = {"accuracy": accuracy_score(y_true, y_pred), "precision": prec, "recall": rec,
           "f1": f1, "auc": None}
    if len(set(y_true)) == len(vocab):
        out["auc"] = roc_auc_score(y_true, p[:, 1]) if len(vocab) == 2 else \
            roc_auc_score(y_true, p / p.sum(axis=1, keepdims=True), multi_class="ovr",
                          average="macro")
    out["class_recall"] = None
    if len(set(y_true)) == 1:  # recall of the one gold class, sklearn's per-class figure
        out["class_recall"] = recall_score(y_true, y_pred, labels=[int(y_true[0])],
                                           average=None, zero_division=0)[0]
    return out


def check_against_sklearn(ws, model, dataset, by, field="probas", gold="label", bins=4):
    """Every facet/bin row of ``by``: each defined value equals sklearn's on its rows,
    and each undefined one is exactly where sklearn's would be meaningless."""
    from scipy.stats import binomtest

    r = compute_metrics(ws, model, dataset, by=by, bins=bins, with_indices=True)
    m = ws.model(model)
    ds = ws.dataset(dataset)
    vocab = list(m.output_spec()[field].vocab)
    checked = 0
    for row in r["rows"]:
        rows = row["indices"]
        if not rows:
            continue
        golds = [ds.examples([i])[0][gold] for i in rows]
        probas = [o[field] for o in ws.engine.predict(m, ds.examples(rows), fields=[field])]
        want = sklearn_figures(golds, probas, vocab)
        one_gold = len(set(golds)) == 1
        outcome = by == f"{field}:correct" and row["kind"] != "dataset"
        col = f"{field}.accuracy"
        assert row[col] == pytest.approx(want["accuracy"]), (row["group"], col)
        ci = binomtest(round(want["accuracy"] * len(rows)), len(rows)).proportion_ci(
            method="wilson")
        assert row["intervals"][col] == pytest.approx([ci.low, ci.high])
        assert row["small"] is (len(rows) < 30)
        for k in ("precision", "recall", "f1"):
            col = f"{field}.{k}"
            if one_gold or outcome:
                assert row[col] is None and row["undefined"][col], (row["group"], k)
            else:
                assert row[col] == pytest.approx(want[k]), (row["group"], k)
        col = f"{field}.class_recall"
        if one_gold and not outcome:
            assert row[col] == pytest.approx(want["class_recall"])
            assert row["intervals"][col] == row["intervals"][f"{field}.accuracy"]
        else:
            assert row[col] is None and row["undefined"][col]
        col = f"{field}.auc"
        if want["auc"] is None or outcome:
            assert row[col] is None and row["undefined"][col]
        else:
            assert row[col] == pytest.approx(want["auc"])
        checked += 1
    return r, checked


@pytest.mark.parametrize("by", ["label", "source", "stars", "probas:correct"])
def test_every_group_agrees_with_sklearn(ws, by):
    r, checked = check_against_sklearn(ws, "clf", "reviews", by)
    assert checked >= 3


def test_a_gold_label_group_reports_recall_and_says_why_precision_is_undefined(ws):
    r = compute_metrics(ws, "clf", "reviews", by="label")
    rows = by_group(r)
    # negative rows: 6, of which 5 and 8 are predicted positive -> recall 4/6
    neg = rows["negative"]
    assert neg["probas.class_recall"] == pytest.approx(4 / 6)
    assert neg["probas.precision"] is None
    assert "one gold label" in neg["undefined"]["probas.precision"]
    assert "one gold class" in neg["undefined"]["probas.auc"]
    # the dataset row holds both labels: macro figures defined, per-class recall not
    assert rows["dataset"]["probas.precision"] is not None
    assert "probas.class_recall" in rows["dataset"]["undefined"]
    info = r["column_info"]
    assert info["probas.f1"]["label"] == "F1 (macro over the group's gold classes)"
    assert info["probas.accuracy"]["label"] == "accuracy (over rows)"
    assert info["probas.recall"]["label"] == "recall (macro over the group's gold classes)"
    assert "Wilson" in info["probas.accuracy"]["description"]
    assert r["min_group_size"] == 30 and all(row["small"] for row in r["rows"])


def test_groups_chosen_by_correctness_leave_only_accuracy(ws):
    rows = by_group(compute_metrics(ws, "clf", "reviews", by="probas:correct"))
    assert rows["true"]["probas.accuracy"] == 1.0 and rows["false"]["probas.accuracy"] == 0.0
    for g in ("true", "false"):
        assert rows[g]["probas.auc"] is None
        assert "by construction" in rows[g]["undefined"]["probas.auc"]
    # the ungrouped row still has its AUC
    assert rows["dataset"]["probas.auc"] is not None


def test_groups_by_predicted_label_report_that_class_precision(ws):
    rows = by_group(compute_metrics(ws, "clf", "reviews", by="probas:label"))
    # predicted positive: rows 0 2 5 6 8 10, of which 5 and 8 are gold negative
    pos = rows["positive"]
    assert pos["probas.class_precision"] == pytest.approx(4 / 6)
    assert pos["probas.recall"] is None and "predicted label" in pos["undefined"]["probas.recall"]
    assert "probas.class_precision" in pos["intervals"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_sentiment_demos_tfidf_model_agrees_with_sklearn_in_every_group(store):
    pytest.importorskip("sklearn")
    from lumos.demos.sentiment import build

    models, datasets = build(progress=False)
    if "tfidf-logreg" not in models:
        pytest.skip("the scikit-learn adapter is not installed")
    ws = Workspace({"tfidf": models["tfidf-logreg"]()}, {"tweets": datasets["tweets"]},
                   engine=Engine(store), smoke_test=False)
    for by in ("label", "probas:correct", "text:length"):
        r, checked = check_against_sklearn(ws, "tfidf", "tweets", by)
        assert checked >= 3, by
    rows = by_group(compute_metrics(ws, "tfidf", "tweets", by="label"))
    # three classes: every label group has its own recall, none a precision
    assert {rows[c]["probas.class_recall"] is not None for c in
            ("negative", "neutral", "positive")} == {True}
    assert rows["dataset"]["probas.auc"] is not None
