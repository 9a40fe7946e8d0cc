"""Every usage and data error names what is wrong and the next step, exits 2, and never
shows a traceback: malformed files, flags and values, methods that do not apply, models
that cannot do what the command asks (issue 12, part 4)."""

import pytest

from lumos.cli.main import main

CONFIG = """
from lumos.api import types as T
from lumos.testing import FakeClassifier


class NoEmbeddings(FakeClassifier):
    def output_spec(self):
        return {k: v for k, v in super().output_spec().items() if k != "embedding"}


models = {"fake": FakeClassifier(), "plain": NoEmbeddings()}
"""


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.py").write_text(CONFIG)
    (tmp_path / "reviews.csv").write_text(
        "review,label,verdict\n" + "".join(f"film {i} was good,positive,ok\n"
                                            for i in range(4)))
    return tmp_path


def _fails(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    assert "Traceback" not in err
    return " ".join(err.split())


def _predict(capsys, dataset, *extra):
    return _fails(capsys, "predict", "--config", "cfg.py", "--model", "fake", "--dataset",
                  dataset, "--out", "o.csv", *extra)


def test_an_empty_csv_says_what_a_dataset_file_needs(cfg, capsys):
    (cfg / "empty.csv").write_text("")
    err = _predict(capsys, "empty.csv")
    assert "--dataset: empty.csv: the file is empty; a dataset file needs a header row" in err
    (cfg / "header.csv").write_text("text,label\n")
    err = _predict(capsys, "header.csv")
    assert "header.csv: the file has no rows (columns: text, label); add one row" in err


def test_a_jsonl_line_that_is_not_json_is_named_by_its_line(cfg, capsys):
    (cfg / "d.jsonl").write_text('{"text": "good"}\n\n{"text": "bad", label}\n')
    err = _predict(capsys, "d.jsonl")
    assert "--dataset: d.jsonl: line 3 is not valid JSON" in err
    assert "each line must be one JSON object" in err


def test_a_missing_file_names_where_it_was_looked_for(cfg, capsys):
    err = _predict(capsys, "nothere.csv")
    assert f"nothere.csv: no such file (looked for {cfg / 'nothere.csv'}); check the path" \
        in err


def test_a_column_flag_without_equals_shows_the_form(cfg, capsys):
    err = _predict(capsys, "reviews.csv", "--column", "textreview")
    assert "--column: expected FIELD=COLUMN" in err and "e.g. --column text=review" in err


def test_mapping_onto_a_column_the_file_has_is_refused_with_the_two_way_fix(cfg, capsys):
    err = _predict(capsys, "reviews.csv", "--column", "text=review", "--column",
                   "label=verdict")
    assert "mapping column 'verdict' to field 'label' would clash with the file's own " \
           "column 'label'" in err
    assert "--column label=verdict --column label_file=label" in err
    assert main(["predict", "--config", "cfg.py", "--model", "fake", "--dataset",
                 "reviews.csv", "--column", "text=review", "--column", "label_file=label",
                 "--out", "o.csv"]) == 0


def test_gold_labels_the_model_does_not_know_say_how_to_proceed(cfg, capsys):
    err = _predict(capsys, "reviews.csv", "--column", "text=review", "--column",
                   "label=verdict", "--column", "label_file=label")
    assert "field 'label' has labels ok that the model does not know" in err
    assert "rename it (--column label_file=label)" in err


def test_a_sample_larger_than_the_data_is_refused(cfg, capsys):
    err = _predict(capsys, "reviews.csv", "--column", "text=review", "--sample", "10")
    assert "--sample: 10 is more rows than 'reviews' has (4); ask for at most 4" in err


@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--seed", "abc", "argument --seed: expected a whole number, e.g. 3, got 'abc'"),
    ("--limit", "2.5", "argument --limit: expected a whole number, e.g. 3, got '2.5'"),
])
def test_a_number_flag_given_something_else_says_what_it_takes(cfg, capsys, flag, value,
                                                                says):
    assert says in _predict(capsys, "reviews.csv", flag, value)


def test_an_unknown_output_field_gets_a_did_you_mean(cfg, capsys):
    err = _predict(capsys, "reviews.csv", "--column", "text=review", "--fields", "proba")
    assert "--fields: 'proba' is not an output of 'fake'; did you mean 'probas'?" in err


def test_an_unknown_method_gets_a_did_you_mean_without_a_doubled_prefix(cfg, capsys):
    for cmd in (["explain", "--out", "s.html"], ["agreement", "--method", "lime"]):
        err = _fails(capsys, cmd[0], "--config", "cfg.py", "--model", "fake", "--dataset",
                     "reviews.csv", "--column", "text=review", "--method", "limee",
                     *cmd[1:])
        assert "--method: no interpreter named 'limee'; did you mean 'lime'? (available: " \
            in err, err
        assert "method: method:" not in err


def test_randomisation_on_a_model_without_torch_names_the_model(cfg, capsys):
    err = _fails(capsys, "randomisation", "--config", "cfg.py", "--model", "fake",
                 "--dataset", "reviews.csv", "--column", "text=review", "--method", "lime")
    assert "--model: the randomisation check cannot run on 'fake': the model holds no " \
           "torch module" in err
    assert "use a PyTorch model, e.g. --model sentiment" in err


@pytest.mark.parametrize(("cmd", "done"), [
    (["project", "--out", "p.parquet"], "projected"),
    (["embed-map", "--out", "m.html"], "mapped"),
])
def test_a_model_without_embeddings_is_named_by_project_and_embed_map(cfg, capsys, cmd,
                                                                       done):
    err = _fails(capsys, cmd[0], "--config", "cfg.py", "--model", "plain", "--dataset",
                 "reviews.csv", "--column", "text=review", *cmd[1:])
    assert f"--model: 'plain' has no embeddings output, so nothing can be {done}; use a " \
           "model that has one" in err


def test_a_highlight_salience_source_that_does_not_apply_lists_the_ones_that_do(cfg,
                                                                               capsys):
    err = _fails(capsys, "highlight", "--config", "cfg.py", "--model", "fake", "--dataset",
                 "reviews.csv", "--column", "text=review", "--source",
                 "salience:sequence_salience", "--out", "h.html")
    assert "--source: sequence_salience does not apply to this model; methods that do: " \
        in err
    assert "lime" in err.split("methods that do:")[1]
