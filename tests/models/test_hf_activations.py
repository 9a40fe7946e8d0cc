"""Activations of Hugging Face adapters (lumos.api.model.Activations): a hidden-state
layer by index, any submodule by name through a forward hook that is removed after."""

import numpy as np
import pytest

from lumos.api.model import Activations
from lumos.api.types import SpecError


def hooks(model):
    return sum(len(m._forward_hooks) for m in model.model.modules())


@pytest.mark.parametrize("adapter", ["hf_classifier", "hf_tagger"])
def test_module_output_equals_the_hidden_state_it_produces(tiny, adapter):
    import torch

    model, examples = tiny(adapter)
    assert isinstance(model, Activations)
    assert model.activation_layers() == model.config.num_hidden_layers + 1
    prefix = model.model.base_model_prefix  # "bert"
    name = f"{prefix}.encoder.layer.1.output"
    assert name in model.activation_modules()
    by_layer = model.activations(examples[:2], 2)
    # (transformers installs its own recording hooks on a first output_hidden_states call)
    before = hooks(model)
    by_module = model.activations(examples[:2], name)
    enc = model._encode(examples[:2])
    enc.pop("special_tokens_mask", None)
    with torch.inference_mode():
        hidden = model.model(**enc, output_hidden_states=True).hidden_states[2]
    for i, (a, b) in enumerate(zip(by_module, by_layer, strict=True)):
        n = int(enc["attention_mask"][i].sum())
        assert a["values"].shape == (n, model.config.hidden_size)
        np.testing.assert_allclose(a["values"], b["values"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a["values"], hidden[i, :n].numpy(), rtol=1e-5, atol=1e-6)
        assert a["tokens"][0] == "[CLS]" and len(a["tokens"]) == n
    assert hooks(model) == before  # the hook is removed after the call


def test_bad_names_and_layers_are_named(tiny):
    model, examples = tiny("hf_classifier")
    before = hooks(model)
    with pytest.raises(SpecError, match="module: 'bert.encoder.layer.9.output' is not a"):
        model.activations(examples[:1], "bert.encoder.layer.9.output")
    with pytest.raises(SpecError, match="layer: 7 is out of range"):
        model.activations(examples[:1], 7)
    with pytest.raises(SpecError, match=r"not \[batch, tokens, dim\]"):
        model.activations(examples[:1], "bert.pooler")  # [batch, dim]: no tokens axis
    assert hooks(model) == before
