import pandas as pd
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.datasets import load
from lumos.engine import Workspace
from lumos.testing import BrokenModel, FakeClassifier

SPEC = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative", "positive"))}


def dataset(**cols):
    return load(pd.DataFrame(cols or {"text": ["good", "bad"], "label": ["positive", "negative"]}),
                spec=SPEC if not cols else None)


def test_assembles_and_predicts(engine):
    ws = Workspace({"m": FakeClassifier()}, {"d": dataset()}, engine=engine)
    out = ws.predict_dataset("m", "d")
    assert out[0]["probas"][1] > 0.5
    assert ws.compatible_datasets("m") == ["d"]


def test_dataset_missing_required_input_names_field(engine):
    ds = load(pd.DataFrame({"body": ["hello there"]}), spec={"body": T.TextSegment()})
    with pytest.raises(SpecError, match=r"model 'm'.*field 'text'.*missing"):
        Workspace({"m": FakeClassifier()}, {"d": ds}, engine=engine)


def test_label_vocab_mismatch_names_field(engine):
    ds = load(pd.DataFrame({"text": ["x"], "label": ["meh"]}),
              spec={"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("meh",))})
    with pytest.raises(SpecError, match=r"field 'label' has labels meh that the model does "
                                        r"not know .*rename it \(columns=\{\"label_file\": "
                                        r"\"label\"\}\)"):
        Workspace({"m": FakeClassifier()}, {"d": ds}, engine=engine)


def test_model_breaking_its_spec_fails_at_assembly(engine):
    with pytest.raises(SpecError, match=r"model 'bad'.*probas.*expected 2 probabilities"):
        Workspace({"bad": BrokenModel()}, {"d": dataset()}, engine=engine)


def test_unknown_names(engine):
    ws = Workspace({"m": FakeClassifier()}, {"d": dataset()}, engine=engine)
    with pytest.raises(KeyError, match="no model named 'x'"):
        ws.model("x")
    with pytest.raises(KeyError, match="no dataset named 'y'"):
        ws.dataset("y")
