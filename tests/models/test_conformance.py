"""Every registered model adapter passes the conformance checks on a tiny model."""

import numpy as np
import pytest

from lumos.api import registry
from lumos.api.model import Differentiable
from lumos.testing.conformance import ConformanceError, assert_close, check_model
from lumos.testing.fakes import BrokenModel, FakeClassifier
from lumos.testing.tiny import TINY_BUILDERS

ADAPTERS = sorted(registry.available("model"))


def test_every_adapter_has_a_tiny_builder():
    missing = sorted(set(ADAPTERS) - set(TINY_BUILDERS))
    assert not missing, f"add builders to lumos.testing.tiny.TINY_BUILDERS for {missing}"


@pytest.mark.parametrize("adapter_id", ADAPTERS)
def test_adapter_conforms(adapter_id, tiny):
    if adapter_id not in TINY_BUILDERS:
        pytest.fail(f"model adapter '{adapter_id}' has no tiny builder in "
                    "lumos.testing.tiny.TINY_BUILDERS")
    model, examples = tiny(adapter_id)
    assert isinstance(model, registry.get("model", adapter_id))
    check_model(model, examples, name=adapter_id)


def test_check_model_passes_fakes_and_catches_a_broken_model():
    check_model(FakeClassifier(), [{"text": "good"}, {"text": "bad day"}])
    with pytest.raises(ConformanceError, match="probas"):
        check_model(BrokenModel(), [{"text": "good"}])


def test_check_model_catches_batch_dependence():
    class Leaky(FakeClassifier):
        def predict(self, inputs, *, fields=None):
            out = super().predict(inputs, fields=fields)
            for r in out:  # result depends on the batch size
                r["embedding"] = r["embedding"] + len(inputs)
            return out

    with pytest.raises(ConformanceError, match="embedding.*batch vs alone"):
        check_model(Leaky(), [{"text": "good"}, {"text": "bad"}])


def test_check_model_catches_wrong_output_count():
    class Short(FakeClassifier):
        def predict(self, inputs, *, fields=None):
            return super().predict(inputs, fields=fields)[:-1]

    with pytest.raises(ConformanceError, match="1 outputs for 2 inputs"):
        check_model(Short(), [{"text": "good"}, {"text": "bad"}])


def test_assert_close_tolerates_float_noise_only():
    assert_close({"a": [1.0, np.float32(2.0)]}, {"a": [1.0 + 1e-7, 2.0]}, "x")
    with pytest.raises(ConformanceError, match=r"x\.a\[1\]"):
        assert_close({"a": [1.0, 2.0]}, {"a": [1.0, 2.5]}, "x")
    with pytest.raises(ConformanceError, match="shapes differ"):
        assert_close(np.zeros(3), np.zeros(4), "x")


def test_differentiable_adapters_are_declared():
    diff = {a for a in ADAPTERS
            if all(hasattr(registry.get("model", a), m)
                   for m in ("embed", "forward_from_embeds", "gradient_fields"))}
    assert {"hf_classifier", "hf_tagger", "hf_seq2seq", "hf_causal_lm", "multitask",
            "torch_module"} <= diff
    assert issubclass(registry.get("model", "hf_tagger"), Differentiable)
