"""The Python path of the README: a dataset from ``lumos.datasets.load`` goes straight
into ``Engine().predict``; a missing column mapping says the fix, as the CLI does."""

import pytest

import lumos
from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.engine import Engine
from lumos.testing import FakeClassifier


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    return Engine()


def test_predict_takes_a_loaded_dataset(tmp_path, engine):
    f = tmp_path / "r.csv"
    f.write_text("review,stars\ngood film,positive\nbad film,negative\n")
    data = lumos.datasets.load(str(f), columns={"text": "review", "label": "stars"})
    out = engine.predict(FakeClassifier(), data, fields=["probas"])
    assert [o["probas"][1] > 0.5 for o in out] == [True, False]


def test_a_missing_mapping_names_the_columns_and_the_python_fix(tmp_path, engine):
    f = tmp_path / "r.csv"
    f.write_text("review,stars\ngood film,positive\nbad film,negative\n")
    data = lumos.load_dataset(str(f))
    with pytest.raises(SpecError) as e:
        engine.predict(FakeClassifier(), data, model_name="mine")
    assert str(e.value) == (
        f"{f}: model 'mine' cannot read it: field 'text' (TextSegment) is required by the "
        "model but missing; the dataset's columns are: review, stars; map the one that "
        'holds it, e.g. columns={"text": "review"}')


def test_a_label_column_with_few_distinct_values_is_a_category(tmp_path):
    f = tmp_path / "r.csv"
    rows = [f"text number {i},{'pos' if i % 3 else 'neg'},{i % 7}" for i in range(60)]
    f.write_text("body,verdict,n\n" + "\n".join(rows) + "\n")
    spec = lumos.datasets.load(str(f)).spec()
    assert isinstance(spec["verdict"], T.CategoryLabel)  # 2 values in 60 rows
    assert spec["verdict"].vocab == ("neg", "pos")
    assert isinstance(spec["body"], T.TextSegment)  # 60 distinct values


@pytest.mark.slow
def test_bundled_datasets_load_by_name_as_in_the_cli():
    from lumos.cli.common import resolve_dataset

    data = lumos.datasets.load("tweets")
    assert len(data) > 1000 and data.spec()["label"].vocab == ("negative", "neutral",
                                                               "positive")
    _, same = resolve_dataset("tweets")
    assert same.ids[:5] == data.ids[:5]


def test_an_unknown_name_lists_the_bundled_datasets():
    with pytest.raises(SpecError) as e:
        lumos.datasets.load("tweet")
    assert "did you mean 'tweets'?" in str(e.value) and "wnut_train" in str(e.value)


def test_what_is_inferred_as_a_label_and_what_is_not(tmp_path):
    f = tmp_path / "own.csv"
    rows = [f"u{i:04d},the film number {i} was seen,{('pos', 'neg', 'neu')[i % 3]},"
            f"{1 + i % 5},{i % 3}" for i in range(100)]
    f.write_text("uid,review,verdict,stars,label\n" + "\n".join(rows) + "\n")
    spec = lumos.load_dataset(str(f)).spec()
    assert spec["verdict"] == T.CategoryLabel(vocab=("neg", "neu", "pos"), required=False)
    assert isinstance(spec["review"], T.TextSegment)  # free text: every value distinct
    assert isinstance(spec["uid"], T.TextSegment)  # an id-like column is no label
    assert isinstance(spec["stars"], T.Scalar)  # a number not named like a label stays one
    # class ids in a column named like a label: a label, its values read as text
    assert spec["label"] == T.CategoryLabel(vocab=("0", "1", "2"), required=False)
    ds = lumos.load_dataset(str(f))
    assert ds.examples([0, 1])[1]["label"] == "1"


def test_lumos_load_model_takes_a_demo_name_and_names_the_demos_otherwise():
    from lumos.models.load import ModelLoadError

    with pytest.raises(ModelLoadError) as e:
        lumos.load_model("sentimnt")
    assert "did you mean 'sentiment'?" in str(e.value) and "ner" in str(e.value)
    with pytest.raises(ModelLoadError, match="demo 'sentiment' has no model 'nope' "
                                             r"\(models: minilm-sentiment"):
        lumos.load_model("sentiment:nope")
    with pytest.raises(ModelLoadError, match="give a directory saved with save_pretrained"):
        lumos.load_model("./no/such/dir")
