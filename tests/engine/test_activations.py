"""Activations through the engine: cached in the store by content, keyed by what is read."""

import numpy as np
import pytest

from lumos.api.types import SpecError
from lumos.engine import Engine
from lumos.engine.activations import activations
from lumos.store import Store, keys
from lumos.testing.fakes import FakeClassifier, FakeRegressor


def test_values_are_stored_and_read_back_by_a_new_engine(tmp_path):
    path = tmp_path / "store.sqlite"
    m = FakeClassifier()
    examples = [{"text": "a good day", "id": "x"}, {"text": "bad", "id": "y"}]
    first = activations(Engine(Store(path)), m, examples, "mix")
    calls = m.calls
    again = activations(Engine(Store(path)), m, [{"text": "bad", "id": "z"}], "mix")
    assert m.calls == calls  # a new process-like engine, another id: read from the store
    np.testing.assert_array_equal(again[0]["values"], first[1]["values"])
    assert again[0]["tokens"] == ["bad"]
    activations(Engine(Store(path)), m, examples[:1], "embed")
    assert m.calls == calls + 1  # another module is another key


def test_keys_name_what_is_read_not_the_object():
    a, b = FakeClassifier(), FakeClassifier()
    assert keys.activation_key(a, 3) == keys.activation_key(b, 3)
    assert keys.activation_key(a, 3) != keys.activation_key(a, "3")
    assert keys.activation_key(a, "mix") != keys.activation_key(a, "embed")


def test_a_model_without_the_capability_is_refused():
    with pytest.raises(SpecError, match="exposes no activations"):
        activations(Engine(Store(":memory:")), FakeRegressor(), [{"text": "a"}], 0)
