"""`lumos metrics` with fake models from a --config file."""

import json

import pytest

from lumos.cli.main import main


def test_prints_the_table_and_writes_json(config, tmp_path, capsys):
    out = tmp_path / "m.json"
    code = main(["metrics", "--config", str(config), "--model", "clf", "--dataset", "reviews",
                 "--by", "source", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("group"))
    assert "probas.accuracy" in header
    dataset_line = next(line for line in lines if line.startswith("dataset"))
    # rows 3 (awful day) and 4 (nice one) are wrong: 4/6
    assert "0.6667" in dataset_line
    assert any(line.startswith("b ") and "0.5000" in line for line in lines)
    data = json.loads(out.read_text())
    rows = {r["group"]: r for r in data["rows"]}
    assert rows["a"]["count"] == 2 and rows["a"]["probas.accuracy"] == 1.0
    assert data["details"][0]["probas/classification"]["confusion_matrix"]["matrix"] == \
        [[2, 1], [1, 2]]


def test_bins_and_derived_fields(config, capsys):
    assert main(["metrics", "--config", str(config), "--model", "clf", "--dataset",
                 "reviews", "--by", "text:length", "--bins", "2"]) == 0
    out = capsys.readouterr().out
    assert "text:length" in out


def test_by_label_prints_recall_dashes_with_reasons_and_the_averaging(config, tmp_path,
                                                                        capsys):
    out = tmp_path / "m.json"
    assert main(["metrics", "--config", str(config), "--model", "clf", "--dataset",
                 "reviews", "--by", "label", "--json", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("group"))
    cols = header.split()
    # a column no group defines is left out
    assert "probas.class_precision" not in cols
    neg = next(line for line in lines if line.startswith("negative"))
    cells = dict(zip(cols, neg.replace(" [", "[").replace(", ", ",").replace(" *", "*")
                     .split(), strict=True))
    # gold negative: "bad movie" and "hate" right, "nice one" wrong -> recall 2/3
    assert cells["probas.class_recall"].startswith("0.6667[")
    assert cells["probas.precision"] == "—"
    assert cells["group"] == "negative*"  # three rows: a small group
    assert "  probas.f1: F1 (macro over the group's gold classes)" in lines
    assert any(line.startswith("  probas.precision in negative, positive: undefined within "
                               "one gold label") for line in lines)
    assert any(line.startswith("* small group (fewer than 30 rows)") for line in lines)
    rows = {r["group"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["negative"]["probas.precision"] is None
    assert "one gold label" in rows["negative"]["undefined"]["probas.precision"]


@pytest.mark.parametrize(("argv", "flag"), [
    (["--by", "nope"], "--by"),
    (["--metric", "bleu"], "--metric"),
    (["--bins", "0"], "--bins"),
    (["--json", "out.txt"], "--json"),
])
def test_usage_errors_name_the_flag(config, capsys, argv, flag):
    with pytest.raises(SystemExit) as e:
        main(["metrics", "--config", str(config), "--model", "clf", "--dataset", "reviews",
              *argv])
    assert e.value.code == 2
    assert flag in capsys.readouterr().err


def _sklearn_groups(csv, by):
    """Per group of ``by`` in a `lumos predict` file: accuracy, macro P/R/F1 over the
    group's gold classes and per-class recall/precision, from sklearn on those rows."""
    import pyarrow.csv as pc
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    t = pc.read_csv(csv, parse_options=pc.ParseOptions(newlines_in_values=True)).to_pylist()
    key = {"label": "gold:label", "probas:label": "probas:label",
           "probas:correct": "probas:correct"}[by]
    groups: dict[str, list[dict]] = {"dataset": t}
    for r in t:
        v = r[key]
        groups.setdefault(("true" if v else "false") if isinstance(v, bool) else v,
                          []).append(r)
    out = {}
    for g, rows in groups.items():
        y, p = [r["gold:label"] for r in rows], [r["probas:label"] for r in rows]
        gold = sorted(set(y))
        prec, rec, f1, _ = precision_recall_fscore_support(y, p, labels=gold,
                                                           average="macro", zero_division=0)
        out[g] = {"count": len(rows), "accuracy": accuracy_score(y, p), "precision": prec,
                  "recall": rec, "f1": f1}
    return out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_metrics_of_the_tfidf_demo_equal_sklearn_on_lumos_predict_output(home, tmp_path,
                                                                          capsys):
    """The bundled tweets, a seeded sample of 150: `lumos predict` writes labels, and
    sklearn on that file gives every figure `lumos metrics` prints and writes."""
    pytest.importorskip("sklearn")
    pred = tmp_path / "p.csv"
    sample = ["--model", "sentiment:tfidf-logreg", "--dataset", "tweets", "--sample", "150",
              "--seed", "3"]
    assert main(["predict", *sample, "--out", str(pred)]) == 0
    for by in ("label", "probas:label", "probas:correct"):
        out = tmp_path / f"{by.replace(':', '_')}.json"
        assert main(["metrics", *sample, "--by", by, "--json", str(out)]) == 0
        text = capsys.readouterr().out.splitlines()
        rows = {r["group"]: r for r in json.loads(out.read_text())["rows"]}
        want = _sklearn_groups(pred, by)
        assert set(rows) == set(want), by
        for g, w in want.items():
            row = rows[g]
            assert row["count"] == w["count"], (by, g)
            assert row["probas.accuracy"] == pytest.approx(w["accuracy"]), (by, g)
            # the printed line holds the same figure, 4 places
            line = next(s for s in text if s.split()[0].rstrip("*") == g)
            assert f"{w['accuracy']:.4f}" in line, (by, g)
            if g == "dataset":
                for k in ("precision", "recall", "f1"):
                    assert row[f"probas.{k}"] == pytest.approx(w[k]), (by, g, k)
                    assert f"{w[k]:.4f}" in line, (by, g, k)
            elif by == "label":  # recall of the group's class; macro undefined
                assert row["probas.class_recall"] == pytest.approx(w["recall"])
                assert row["probas.precision"] is None and "—" in line
            elif by == "probas:label":  # precision of the group's predicted class
                assert row["probas.class_precision"] == pytest.approx(w["accuracy"])
                assert row["probas.recall"] is None
            else:  # by correctness only accuracy is left, and no AUC 1.000/0.000
                assert row["probas.auc"] is None and row["probas.f1"] is None
                assert row["probas.accuracy"] == (1.0 if g == "true" else 0.0)
