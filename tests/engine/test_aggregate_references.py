"""Every group of the metrics table against scikit-learn (and seqeval) called directly on
that group's rows: three-class and binary classification, regression, tagging and two
models, grouped overall, by the gold label, by a data facet, by length bins, by the
predicted label and by correctness; a facet holds a group with a class absent from its
gold labels (but predicted) and a group of one row."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import binomtest
from sklearn import metrics as skm

from lumos.api import types as T
from lumos.api.model import Model
from lumos.datasets import from_table
from lumos.engine import Engine, Workspace
from lumos.engine.aggregate import compute_metrics
from lumos.testing.fakes import FakeClassifier, FakeRegressor, FakeTagger

CLASSES = ("neg", "neu", "pos")


class KeywordClassifier(Model):
    """Three classes: the text's first word (a class name) gets a bonus over seeded
    per-text noise, so most rows are right and some are not."""

    def __init__(self, bonus: float = 1.5, seed: int = 0) -> None:
        self.bonus, self.seed = bonus, seed

    def input_spec(self) -> T.Spec:
        return {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=CLASSES,
                                                                  required=False)}

    def output_spec(self) -> T.Spec:
        return {"probas": T.MulticlassPreds(vocab=CLASSES, parent="label")}

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for ex in inputs:
            words = ex["text"].split()
            rng = np.random.default_rng([self.seed, sum(map(ord, ex["text"])), len(words)])
            z = rng.normal(size=3)
            if words and words[0] in CLASSES:
                z[CLASSES.index(words[0])] += self.bonus
            e = np.exp(z - z.max())
            out.append({"probas": (e / e.sum()).astype(np.float32)})
        return out


def three_class_dataset(n: int = 90) -> Any:
    """Topic 'a' holds every class; 'b' no gold 'pos' (but the model predicts some);
    'c' one row."""
    rng = np.random.default_rng(7)
    texts, labels, topics = [], [], []
    for i in range(n):
        topic = "c" if i == 0 else ("b" if i % 3 == 0 else "a")
        gold = str(rng.choice(CLASSES[:2] if topic == "b" else CLASSES))
        # the keyword is the gold class 3 times in 4, else another class
        kw = gold if rng.random() < 0.75 else str(rng.choice(CLASSES))
        texts.append(" ".join([kw, *(f"w{i}" for _ in range(int(rng.integers(0, 12))))]))
        labels.append(gold)
        topics.append(topic)
    table = pa.table({"text": texts, "label": labels, "topic": topics})
    return from_table(table, spec={"text": T.TextSegment(),
                                   "label": T.CategoryLabel(vocab=CLASSES),
                                   "topic": T.CategoryLabel(required=False)}, name="three")


@pytest.fixture
def ws(store, reviews):
    return Workspace({"kw": KeywordClassifier(), "kw2": KeywordClassifier(bonus=0.8, seed=3),
                      "clf": FakeClassifier()},
                     {"three": three_class_dataset(), "reviews": reviews.dataset()},
                     engine=Engine(store), smoke_test=False)


def rows_of(ws, model, dataset, indices, field="probas", gold="label"):
    m, ds = ws.model(model), ws.dataset(dataset)
    vocab = list(m.output_spec()[field].vocab)
    y_true = np.array([vocab.index(ds.examples([i])[0][gold]) for i in indices])
    p = np.stack([o[field] for o in ws.engine.predict(m, ds.examples(list(indices)),
                                                      fields=[field])]).astype(np.float64)
    return vocab, y_true, p


def expected(vocab, y_true, p, by_prediction=False):
    """What the table should hold for these rows, from scikit-learn directly (None where
    the value is undefined)."""
    y_pred = p.argmax(axis=1)
    gold = sorted(set(y_true.tolist()))
    out: dict[str, Any] = {"accuracy": skm.accuracy_score(y_true, y_pred)}
    if len(gold) > 1:
        # macro over the group's gold classes: a class with no gold rows here has no recall
        prec, rec, f1, _ = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=gold, average="macro", zero_division=0)
        out.update(precision=prec, recall=rec, f1=f1, class_recall=None)
    else:
        out.update(precision=None, recall=None, f1=None,
                   class_recall=skm.recall_score(y_true, y_pred, labels=gold,
                                                 average="macro", zero_division=0))
    out["class_precision"] = None
    if by_prediction:
        out["class_precision"] = skm.precision_score(y_true, y_pred, labels=[int(y_pred[0])],
                                                     average="macro", zero_division=0)
    out["auc"] = None
    if len(gold) == len(vocab):
        out["auc"] = skm.roc_auc_score(y_true, p[:, 1]) if len(vocab) == 2 else \
            skm.roc_auc_score(y_true, p / p.sum(axis=1, keepdims=True), multi_class="ovr")
    return out


def check(ws, model, dataset, by, *, bins=3):
    r = compute_metrics(ws, model, dataset, by=by, bins=bins, with_indices=True)
    on = by.rpartition(":")[2] if by and by.startswith("probas:") else None
    seen = []
    for row in r["rows"]:
        idx = row["indices"]
        vocab, y_true, p = rows_of(ws, model, dataset, idx)
        grouped = row["kind"] in ("facet", "bin")
        want = expected(vocab, y_true, p, by_prediction=grouped and on == "label")
        if grouped and on in ("correct", "error"):
            want = {k: (v if k == "accuracy" else None) for k, v in want.items()}
        if grouped and on == "label":
            want.update(precision=None, recall=None, f1=None, class_recall=None, auc=None)
        for k, v in want.items():
            col = f"probas.{k}"
            if v is None:
                assert row[col] is None, (by, row["group"], k, row[col])
                assert row["undefined"][col], (by, row["group"], k)
                assert col not in row["intervals"], (by, row["group"], k)
            else:
                assert row[col] == pytest.approx(v, abs=1e-9), (by, row["group"], k)
        right = int(round(want["accuracy"] * len(idx)))
        ci = binomtest(right, len(idx)).proportion_ci(method="wilson")
        assert row["intervals"]["probas.accuracy"] == pytest.approx([ci.low, ci.high])
        assert row["interval_methods"]["probas.accuracy"] == "wilson"
        for k in ("precision", "recall", "f1"):
            col = f"probas.{k}"
            if row[col] is not None and len(idx) >= 10:
                assert row["interval_methods"][col] == "bootstrap"
                lo, hi = row["intervals"][col]
                assert lo <= row[col] <= hi
        assert row["small"] is (len(idx) < 30)
        seen.append((row["group"], len(idx), sorted(set(y_true.tolist())),
                     sorted(set(p.argmax(axis=1).tolist()))))
    return r, seen


@pytest.mark.parametrize("by", [None, "label", "topic", "text:length", "probas:label",
                                "probas:correct", "probas:error"])
def test_three_classes_agree_with_sklearn_in_every_group(ws, by):
    r, seen = check(ws, "kw", "three", by)
    assert len(seen) >= (1 if by is None else 3)
    if by == "topic":
        groups = {g: (n, gold, pred) for g, n, gold, pred in seen}
        # 'b' has no gold pos but predicts it: the macro leaves pos out, so its recall
        # is not dragged down by a class with no gold rows there
        n, gold, pred = groups["b"]
        assert gold == [0, 1] and 2 in pred
        assert groups["c"][0] == 1
        b = next(row for row in r["rows"] if row["group"] == "b")
        assert "gold classes" in r["column_info"]["probas.recall"]["label"]
        assert b["probas.recall"] == pytest.approx(skm.recall_score(
            *_pair(ws, b["indices"]), labels=[0, 1], average="macro"))


def _pair(ws, idx):
    _, y, p = rows_of(ws, "kw", "three", idx)
    return y, p.argmax(axis=1)


@pytest.mark.parametrize("by", [None, "label", "source", "stars", "probas:label",
                                "probas:correct"])
def test_binary_agrees_with_sklearn_in_every_group(ws, by):
    _, seen = check(ws, "clf", "reviews", by)
    assert seen


def test_two_models_each_agree_with_sklearn_on_the_same_rows(ws):
    a = check(ws, "kw", "three", "topic")[0]
    b = check(ws, "kw2", "three", "topic")[0]
    assert [r["indices"] for r in a["rows"]] == [r["indices"] for r in b["rows"]]
    assert a["rows"][0]["probas.accuracy"] != b["rows"][0]["probas.accuracy"]


def test_regression_groups_agree_with_sklearn_and_scipy(store):
    from scipy.stats import pearsonr, spearmanr

    rng = np.random.default_rng(1)
    texts = [" ".join("x" * int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 8))))
             for _ in range(40)]
    score = rng.normal(size=40).round(3).tolist()
    topic = ["a" if i % 2 else "b" for i in range(40)]
    topic[0] = "c"  # a group of one row
    ds = from_table(pa.table({"text": texts, "score": score, "topic": topic}),
                    spec={"text": T.TextSegment(), "score": T.Scalar(),
                          "topic": T.CategoryLabel(required=False)})
    ws = Workspace({"reg": FakeRegressor()}, {"reg": ds}, engine=Engine(store),
                   smoke_test=False)
    r = compute_metrics(ws, "reg", "reg", by="topic", with_indices=True)
    for row in r["rows"]:
        idx = row["indices"]
        y = np.array([score[i] for i in idx])
        yhat = np.array([o["prediction"] for o in ws.engine.predict(
            ws.model("reg"), ds.examples(idx), fields=["prediction"])], np.float64)
        assert row["prediction.mse"] == pytest.approx(skm.mean_squared_error(y, yhat))
        assert row["prediction.mae"] == pytest.approx(skm.mean_absolute_error(y, yhat))
        if len(idx) >= 2 and np.ptp(y) and np.ptp(yhat):
            assert row["prediction.pearson"] == pytest.approx(pearsonr(y, yhat)[0])
            assert row["prediction.spearman"] == pytest.approx(spearmanr(y, yhat)[0])
        else:
            assert row["prediction.pearson"] is None
            assert row["undefined"]["prediction.pearson"]
    assert "mean over rows" in r["column_info"]["prediction.mae"]["label"]


def test_tagging_groups_agree_with_seqeval(store):
    from seqeval.metrics import f1_score, precision_score, recall_score

    tokens = [["Ann", "Lee", "ran"], ["we", "saw", "Bo"], ["Ann", "met", "Bo", "Lee"],
              ["nothing", "here"], ["Lee", "Ann"]]
    gold = [["B-PER", "I-PER", "O"], ["O", "O", "B-PER"], ["B-PER", "O", "B-PER", "B-PER"],
            ["O", "O"], ["B-PER", "B-PER"]]
    src = ["a", "a", "b", "b", "c"]
    ds = from_table(pa.table({"tokens": tokens, "tags": gold, "src": src}),
                    spec={"tokens": T.Tokens(),
                          "tags": T.SequenceTags(align="tokens", vocab=FakeTagger.tags),
                          "src": T.CategoryLabel(required=False)})
    ws = Workspace({"tag": FakeTagger()}, {"tags": ds}, engine=Engine(store),
                   smoke_test=False)
    r = compute_metrics(ws, "tag", "tags", by="src", with_indices=True)
    checked = 0
    for row in r["rows"]:
        idx = row["indices"]
        yt = [gold[i] for i in idx]
        yp = [list(o["pred_tags"]) for o in ws.engine.predict(
            ws.model("tag"), ds.examples(idx), fields=["pred_tags"])]
        for name, fn in (("precision", precision_score), ("recall", recall_score),
                         ("f1", f1_score)):
            v = row[f"pred_tags.{name}"]
            if v is not None:
                assert v == pytest.approx(fn(yt, yp, zero_division=0)), (row["group"], name)
                checked += 1
            else:
                assert row["undefined"][f"pred_tags.{name}"]
    assert checked >= 9
    assert r["column_info"]["pred_tags.f1"]["label"] == "entity F1 (micro over entities)"
