import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from lumos.cli.main import main

CONFIG = """
import numpy as np
import pandas as pd
from lumos.api import types as T
from lumos.datasets import load
from lumos.testing import FakeClassifier



class WithTokenEmbeddings(FakeClassifier):
    def output_spec(self):
        return {**super().output_spec(), "token_embeddings": T.TokenEmbeddings(align="tokens")}

    def predict(self, inputs, *, fields=None):
        out = super().predict(inputs, fields=fields)
        if fields is not None and "token_embeddings" in fields:
            for ex, r in zip(inputs, out):
                r["token_embeddings"] = np.ones((len(ex["text"].split()), 3), np.float32)
        return out


models = {"fake": FakeClassifier(), "tok": WithTokenEmbeddings()}
datasets = {"reviews": load(pd.DataFrame({"text": ["good film", "bad film", "good film"],
                                          "label": ["positive", "negative", "positive"]}),
                            spec={"text": T.TextSegment(),
                                  "label": T.CategoryLabel(vocab=("negative", "positive"))})}
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    p = tmp_path / "cfg.py"
    p.write_text(CONFIG)
    return p


def test_predict_writes_the_cheap_fields_by_default(config, tmp_path):
    out = tmp_path / "preds.parquet"
    assert main(["predict", "--config", str(config), "--model", "fake", "--dataset",
                 "reviews", "--out", str(out)]) == 0
    t = pq.read_table(out)
    assert t.num_rows == 3
    assert t.column_names == ["id", "text", "gold:label", "probas:label", "probas:score",
                              "probas:negative", "probas:positive", "probas:margin",
                              "probas:correct", "probas:error", "tokens", "embedding"]
    row = t.slice(0, 1).to_pylist()[0]  # "good film", gold positive
    assert row["probas:label"] == "positive" and row["probas:correct"] is True
    assert row["probas:score"] == pytest.approx(row["probas:positive"])
    assert row["probas:positive"] > 0.5
    assert row["probas:negative"] + row["probas:positive"] == pytest.approx(1.0)
    # the class order travels with the file
    assert json.loads(t.schema.metadata[b"lumos.vocab"]) == {"probas": ["negative",
                                                                        "positive"]}
    assert json.loads(t.schema.metadata[b"lumos.gold"]) == {"probas": "gold:label"}


def test_predict_writes_attention_when_asked(config, tmp_path):
    out = tmp_path / "preds.parquet"
    assert main(["predict", "--config", str(config), "--model", "fake", "--dataset",
                 "reviews", "--with-attention", "--out", str(out)]) == 0
    t = pq.read_table(out)
    assert {"probas:positive", "tokens", "embedding", "attention"} <= set(t.column_names)
    att = np.array(t.column("attention")[0].as_py())
    assert att.shape == (1, 2, 2, 2)


def test_predict_writes_per_token_embeddings_when_asked(config, tmp_path):
    out = tmp_path / "preds.jsonl"
    base = ["predict", "--config", str(config), "--model", "tok", "--dataset", "reviews",
            "--fields", "probas"]
    assert main([*base, "--out", str(out)]) == 0
    probas = {"probas:label", "probas:score", "probas:negative", "probas:positive",
              "probas:margin", "probas:correct", "probas:error"}
    assert set(json.loads(out.read_text().splitlines()[0])) == {"id", "text", "gold:label",
                                                                 *probas}
    assert main([*base, "--with-embeddings", "--out", str(out)]) == 0
    row = json.loads(out.read_text().splitlines()[0])
    assert set(row) == {"id", "text", "gold:label", *probas, "token_embeddings"}
    assert np.array(row["token_embeddings"]).shape == (2, 3)  # "good film": 2 tokens


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_predict_other_formats(config, tmp_path, suffix):
    out = tmp_path / f"preds{suffix}"
    main(["predict", "--config", str(config), "--model", "fake", "--dataset", "reviews",
          "--fields", "probas", "--out", str(out)])
    text = out.read_text()
    if suffix == ".jsonl":
        row = json.loads(text.splitlines()[0])
        assert row["probas:label"] == "positive" and row["gold:label"] == "positive"
    else:
        assert text.splitlines()[0].startswith(
            '"id","text","gold:label","probas:label","probas:score","probas:negative",'
            '"probas:positive"')


@pytest.mark.parametrize("argv,flag", [
    (["--dataset", "missing.csv"], "--dataset: missing.csv: no such file"),
    (["--model", "/no/such/model"], "--model: /no/such/model"),
    (["--out", "x.txt"], "--out: x.txt must end in"),
    (["--fields", "nope"], "--fields: 'nope' is not an output"),
    (["--limit", "0"], "--limit: must be positive"),
    (["--config", "nope.py"], "--config: nope.py: no such file"),
])
def test_usage_errors_exit_2_and_name_the_flag(config, tmp_path, capsys, argv, flag):
    args = {"--config": str(config), "--model": "fake", "--dataset": "reviews",
            "--out": str(tmp_path / "o.parquet")}
    for k, v in zip(argv[::2], argv[1::2], strict=True):
        args[k] = v
    with pytest.raises(SystemExit) as e:
        main(["predict", *[x for kv in args.items() for x in kv]])
    assert e.value.code == 2
    assert flag in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()


def test_asking_for_an_output_the_model_lacks_is_a_usage_error(config, tmp_path, capsys):
    out = tmp_path / "o.parquet"
    with pytest.raises(SystemExit) as e:
        main(["predict", "--config", str(config), "--model", "fake", "--dataset", "reviews",
              "--with-embeddings", "--out", str(out)])
    assert e.value.code == 2
    assert "--with-embeddings: model 'fake' has no such output" in capsys.readouterr().err
    assert not out.exists()


def test_dataset_that_does_not_fit_the_model(config, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("body\nhello\n")
    with pytest.raises(SystemExit):
        main(["predict", "--config", str(config), "--model", "fake", "--dataset", str(bad),
              "--out", str(tmp_path / "o.parquet")])
    assert "field 'text'" in capsys.readouterr().err


def test_a_file_with_blanks_in_a_column_the_model_does_not_read(config, tmp_path, capsys):
    data = tmp_path / "tweets.csv"
    data.write_text("text,label,retweets,place\n"
                    "good film,positive,,\n"
                    "bad film,,3,\n")
    out = tmp_path / "o.jsonl"
    assert main(["predict", "--config", str(config), "--model", "fake", "--dataset",
                 str(data), "--fields", "probas", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["text"] for r in rows] == ["good film", "bad film"]
    assert rows[0]["probas:positive"] > 0.5 > rows[1]["probas:positive"]
    # a blank where the model reads text is refused, naming file, column and line
    data.write_text("text,label,retweets\ngood film,positive,1\n   ,negative,2\n")
    with pytest.raises(SystemExit) as e:
        main(["predict", "--config", str(config), "--model", "fake", "--dataset",
              str(data), "--out", str(out)])
    assert e.value.code == 2
    assert "tweets.csv: column 'text' has empty text at line 3 (row 1)" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):  # --limit keeps the file's name and lines
        main(["predict", "--config", str(config), "--model", "fake", "--dataset",
              str(data), "--limit", "2", "--out", str(out)])
    assert "tweets.csv: column 'text' has empty text at line 3 (row 1)" in \
        capsys.readouterr().err


def test_demo_list(capsys):
    assert main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    assert "sentiment" in out and "MiniLM" in out


@pytest.mark.parametrize("argv,said", [
    (["--model", "fak"], ["--model: no demo, config entry", "did you mean 'fake'?",
                          "demos: ", "sentiment", "--config models: fake"]),
    (["--dataset", "review"], ["--dataset: no bundled dataset", "did you mean 'reviews'?",
                               "bundled: ", "tweets", "also: reviews"]),
    (["--dataset", "zzzz"], ["--dataset: no bundled dataset", "tweets"]),
])
def test_an_unknown_name_lists_the_known_ones_and_the_closest(config, tmp_path, capsys,
                                                              argv, said):
    args = {"--config": str(config), "--model": "fake", "--dataset": "reviews",
            "--out": str(tmp_path / "o.parquet")}
    args[argv[0]] = argv[1]
    with pytest.raises(SystemExit) as e:
        main(["predict", *[x for kv in args.items() for x in kv]])
    err = capsys.readouterr().err
    assert e.value.code == 2 and all(s in err for s in said), err
    assert "did you mean" not in err or argv[1] != "zzzz"


def test_sample_draws_a_seeded_sample_and_limit_the_first_rows(tmp_path, capsys):
    import pyarrow.parquet as pq

    csv = tmp_path / "sorted.csv"
    csv.write_text("text,label\n" + "".join(f"good {i},positive\n" for i in range(30))
                   + "".join(f"bad {i},negative\n" for i in range(10)))
    out = tmp_path / "p.parquet"

    def labels(*flags):
        assert main(["predict", "--config", str(tmp_path / "cfg.py"), "--model", "fake",
                     "--dataset", str(csv), *flags, "--out", str(out)]) == 0
        return pq.read_table(out).column("gold:label").to_pylist()

    (tmp_path / "cfg.py").write_text("from lumos.testing import FakeClassifier\n"
                                     "models = {'fake': FakeClassifier()}\ndatasets = {}\n")
    assert set(labels("--limit", "8")) == {"positive"}  # a sorted file's first rows
    drawn = labels("--sample", "8", "--seed", "1")
    assert drawn.count("positive") == 6 and drawn.count("negative") == 2
    assert labels("--sample", "8", "--seed", "1") == drawn
    with pytest.raises(SystemExit) as e:
        main(["predict", "--config", str(tmp_path / "cfg.py"), "--model", "fake",
              "--dataset", str(csv), "--limit", "3", "--sample", "3", "--out", str(out)])
    assert e.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_file_without_the_models_input_lists_its_columns_and_the_flag(config, tmp_path,
                                                                       capsys):
    bad = tmp_path / "reviews.csv"
    bad.write_text("tweet,stars\nhello there,positive\nawful,negative\n")
    out = tmp_path / "o.parquet"
    with pytest.raises(SystemExit) as e:
        main(["predict", "--config", str(config), "--model", "fake", "--dataset", str(bad),
              "--out", str(out)])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert f"--dataset: {bad}: model 'fake' cannot read it: field 'text' (TextSegment) " \
        "is required by the model but missing; the dataset's columns are: tweet, stars; " \
        "map the one that holds it, e.g. --column text=tweet" in " ".join(err.split())
    # the suggestion works
    assert main(["predict", "--config", str(config), "--model", "fake", "--dataset",
                 str(bad), "--column", "text=tweet", "--out", str(out)]) == 0
    assert pq.read_table(out).column("text").to_pylist() == ["hello there", "awful"]


def test_predict_names_columns_as_the_workbench_export_does(config, tmp_path):
    import runpy

    from lumos.engine import Workspace
    from lumos.engine.export import export

    out = tmp_path / "cli.jsonl"
    assert main(["predict", "--config", str(config), "--model", "fake", "--dataset",
                 "reviews", "--fields", "probas", "--out", str(out)]) == 0
    cli_rows = [json.loads(x) for x in out.read_text().splitlines()]
    ns = runpy.run_path(str(config))
    ws = Workspace({"fake": ns["models"]["fake"]}, {"reviews": ns["datasets"]["reviews"]})
    export(ws, "fake", "reviews", tmp_path / "ui.jsonl")  # what the export route writes
    ui_rows = [json.loads(x) for x in (tmp_path / "ui.jsonl").read_text().splitlines()]
    shared = [c for c in ui_rows[0] if not c.endswith(":length")]
    assert list(cli_rows[0]) == shared
    assert [{c: r[c] for c in shared} for r in ui_rows] == cli_rows
