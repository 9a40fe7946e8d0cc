"""The default fingerprint of a model without its own: code + settings + specs."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.model_identity import Unhashable, content_bytes
from lumos.store import keys
from lumos.testing import FakeClassifier


class Scaled(Model):
    """A user's model: its output depends on a constructor argument."""

    def __init__(self, scale, weights=None):
        self.scale = scale
        self.weights = weights

    def input_spec(self):
        return {"text": T.TextSegment()}

    def output_spec(self):
        return {"score": T.RegressionScore()}

    def predict(self, inputs, *, fields=None):
        return [{"score": self.scale * len(x["text"])} for x in inputs]


class ScaledTwice(Scaled):
    def predict(self, inputs, *, fields=None):
        return [{"score": 2 * self.scale * len(x["text"])} for x in inputs]


def test_settings_are_part_of_the_fingerprint():
    assert Scaled(1).fingerprint() == Scaled(1).fingerprint()
    assert Scaled(1).fingerprint() != Scaled(2).fingerprint()
    assert FakeClassifier(dim=4).fingerprint() != FakeClassifier(dim=8).fingerprint()
    assert keys.model_key(Scaled(1)) != keys.model_key(Scaled(2))


def test_arrays_count_by_content_not_by_object():
    a = Scaled(1, np.arange(6, dtype=np.float32))
    b = Scaled(1, np.arange(6, dtype=np.float32))
    c = Scaled(1, np.arange(6, dtype=np.float64))  # same values, another dtype
    d = Scaled(1, np.arange(6, dtype=np.float32).reshape(2, 3))
    assert a.fingerprint() == b.fingerprint()
    assert len({a.fingerprint(), c.fingerprint(), d.fingerprint()}) == 3


def test_code_is_part_of_the_fingerprint():
    assert Scaled(1).fingerprint() != ScaledTwice(1).fingerprint()


def test_counters_and_batch_size_are_not():
    m = FakeClassifier()
    before = m.fingerprint()
    m.predict([{"text": "good"}])
    assert m.calls == 1 and m.fingerprint() == before
    assert FakeClassifier(max_batch_size=2).fingerprint() == before


def test_an_unhashable_setting_keeps_the_cache_in_this_process():
    m = Scaled(lambda n: n)
    assert m.persistent_cache() is False
    assert Scaled(1).persistent_cache() is True
    k1, k2 = keys.model_key(m), keys.model_key(Scaled(lambda n: n))
    assert k1 != k2  # in memory only, never shared between objects


def test_an_adapter_with_its_own_fingerprint_keeps_persistent_cache():
    class Own(Scaled):
        def fingerprint(self):
            return "own"

    assert Own(lambda n: n).persistent_cache() is True


def test_content_bytes_tags_types():
    assert content_bytes(1) != content_bytes(1.0) != content_bytes("1")
    assert content_bytes([1, 2]) != content_bytes((1, 2))
    assert content_bytes({"a": 1, "b": 2}) == content_bytes({"b": 2, "a": 1})
    assert content_bytes({1, 2}) == content_bytes({2, 1})
    with pytest.raises(Unhashable):
        content_bytes(object())


@pytest.mark.timeout(120)
def test_the_fingerprint_is_the_same_in_another_process(tmp_path):
    src = tmp_path / "usermodel.py"
    src.write_text(textwrap.dedent('''
        from lumos.api import types as T
        from lumos.api.model import Model

        class User(Model):
            def __init__(self, k):
                self.k = k
            def input_spec(self):
                return {"text": T.TextSegment()}
            def output_spec(self):
                return {"score": T.RegressionScore()}
            def predict(self, inputs, *, fields=None):
                return [{"score": self.k} for _ in inputs]
    '''))
    code = "import usermodel; print(usermodel.User({'a': [1, 2.5]}).fingerprint())"
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, text=True,
                           capture_output=True, check=True).stdout.strip()
            for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) == 16


def test_machinery_is_left_out_and_a_foreign_setting_is_named_once(caplog):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    class Pooled(Scaled):
        def __init__(self, scale):
            super().__init__(scale)
            self.lock = threading.Lock()
            self.pool = ThreadPoolExecutor(1)

    m = Pooled(1)
    assert m.persistent_cache() is True and m.fingerprint() == Pooled(1).fingerprint()
    m.pool.shutdown()

    class Foreign(Scaled):
        pass

    with caplog.at_level("WARNING", logger="lumos"):
        assert Foreign(object()).persistent_cache() is False
        Foreign(object()).persistent_cache()
    said = [r.getMessage() for r in caplog.records if "Foreign" in r.getMessage()]
    assert len(said) == 1 and "'scale'" in said[0] and "fingerprint_ignore" in said[0]


def test_an_in_place_change_of_a_setting_gives_a_new_key():
    m = Scaled(1, np.zeros(3))
    before = keys.model_key(m)
    assert keys.model_key(m) == before
    m.weights[1] = 5.0  # in place, the same array object
    after = keys.model_key(m)
    assert after != before
    m.scale = 2
    assert keys.model_key(m) not in (before, after)
    m.weights[1], m.scale = 0.0, 1
    assert keys.model_key(m) == before  # content, not history


def test_an_object_array_counts_by_its_items_not_their_addresses():
    a = np.array(["a", 1, None], dtype=object)
    b = np.array(["a", 1, None], dtype=object)
    assert content_bytes(a) == content_bytes(b)
    assert content_bytes(a) != content_bytes(np.array(["a", 2, None], dtype=object))
    assert Scaled(1, np.array([lambda: 1], dtype=object)).persistent_cache() is False


class _Foreign:
    pass


@pytest.mark.parametrize("value", [
    1, "x", b"y", None, 2.5, [1, "a", (2, None)], {"k": {1, 2}}, np.zeros((2, 3)),
    np.array([1, "a"], dtype=object), T.TextSegment(), lambda x: x, _Foreign(),
    [1, _Foreign()], {"k": lambda: 0}, np.array([_Foreign()], dtype=object),
])
def test_persistent_cache_answers_as_the_fingerprint_would_without_hashing(value):
    from lumos.api.model_identity import default_identity, unhashable_attributes

    m = Scaled(1, value)
    assert unhashable_attributes(m) == default_identity(m, Model)[1]
    assert m.persistent_cache() is (not default_identity(m, Model)[1])


def test_persistent_cache_does_not_read_large_arrays(monkeypatch):
    import lumos.api.model_identity as mi

    m = Scaled(1, np.zeros(1_000_000, dtype=np.float32))
    read = []
    real = mi.content_bytes
    monkeypatch.setattr(mi, "content_bytes", lambda v, *a: read.append(v) or real(v, *a))
    assert m.persistent_cache() is True
    assert read == []
