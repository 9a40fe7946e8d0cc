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
