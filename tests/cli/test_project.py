"""`lumos project` with a fake model from a --config file."""

import textwrap

import pyarrow.parquet as pq
import pytest

from lumos.cli.main import main

# the same fakes as test_metrics.py
CONFIG = textwrap.dedent('''
    import pyarrow as pa
    from lumos.api import types as T
    from lumos.datasets import from_table
    from lumos.testing.fakes import FakeClassifier

    texts = ["good movie", "bad movie", "good good fun", "awful day", "nice one", "hate"]
    labels = ["positive", "negative", "positive", "positive", "negative", "negative"]
    source = ["a", "a", "b", "b", "b", "b"]
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative", "positive")),
            "source": T.CategoryLabel(required=False)}
    datasets = {"reviews": from_table(pa.table({"text": texts, "label": labels,
                                                "source": source}), spec=spec)}
    models = {"clf": FakeClassifier}
''')


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    p = tmp_path / "lumos_config.py"
    p.write_text(CONFIG)
    return p


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
