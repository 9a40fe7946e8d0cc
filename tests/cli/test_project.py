"""`lumos project` with a fake model from a --config file."""

import pyarrow.parquet as pq
import pytest

from lumos.cli.main import main

# `config`: the fake classifier and six reviews of tests/cli/conftest.py


def test_writes_points_and_caches(config, tmp_path, capsys):
    out = tmp_path / "points.parquet"
    argv = ["project", "--config", str(config), "--model", "clf", "--dataset", "reviews",
            "--field", "embedding", "--method", "pca", "--dims", "3", "--out", str(out)]
    assert main(argv) == 0
    assert "computed pca" in capsys.readouterr().out
    t = pq.read_table(out)
    assert t.num_rows == 6
    assert {"id", "index", "x", "y", "z"} <= set(t.column_names)
    assert main(argv) == 0
    assert "cached pca" in capsys.readouterr().out
    assert pq.read_table(out).equals(t)


def test_tsne_to_csv(config, tmp_path):
    out = tmp_path / "p.csv"
    assert main(["project", "--config", str(config), "--model", "clf", "--dataset", "reviews",
                 "--method", "tsne", "--perplexity", "2", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 7


@pytest.mark.parametrize(("argv", "flag"), [
    (["--field", "tokens"], "--field"),
    (["--out", "p.xlsx"], "--out"),
    (["--neighbors", "5", "--method", "pca"], "--neighbors"),
    (["--layer", "2"], "--layer"),
])
def test_usage_errors_name_the_flag(config, tmp_path, capsys, argv, flag):
    base = ["project", "--config", str(config), "--model", "clf", "--dataset", "reviews",
            "--method", "pca", "--out", str(tmp_path / "p.parquet")]
    with pytest.raises(SystemExit) as e:
        main(base + argv)
    assert e.value.code == 2
    assert flag in capsys.readouterr().err


def test_points_carry_the_text_the_gold_label_and_asked_for_columns(config, tmp_path,
                                                                    capsys):
    out = tmp_path / "p.jsonl"
    base = ["project", "--config", str(config), "--model", "clf", "--dataset", "reviews",
            "--method", "pca", "--out", str(out)]
    assert main(base) == 0
    import json

    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["text"] for r in rows][:2] == ["good movie", "bad movie"]
    assert [r["gold:label"] for r in rows][:2] == ["positive", "negative"]
    # the text once: the model's tokens have it as parent, but it is no gold label
    assert [c for c in rows[0] if c.startswith("gold:")] == ["gold:label"]
    assert "source" not in rows[0]
    assert main([*base, "--with", "source", "--with", "probas:label"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["source"] for r in rows] == ["a", "a", "b", "b", "b", "b"]
    assert rows[0]["probas:label"] == "positive" and rows[1]["probas:label"] == "negative"
    with pytest.raises(SystemExit) as e:
        main([*base, "--with", "sorce"])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "--with: column 'sorce' is neither a dataset column" in err and "source" in err


def test_help_states_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["project", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for said in ("(default: umap)", "2 or 3 (default: 2)", "(default: embedding)",
                 "(default: every row", "(default: mean)"):
        assert said in text, said
