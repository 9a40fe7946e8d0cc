"""`lumos metrics` with fake models from a --config file."""

import json
import textwrap

import pytest

from lumos.cli.main import main

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
