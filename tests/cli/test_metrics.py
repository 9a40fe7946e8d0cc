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
