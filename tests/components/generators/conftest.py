"""Shared by the generator tests: every registered generator, with a model it supports."""

import orjson
import pytest

from lumos.api import registry
from lumos.testing.fakes import FakeClassifier


def generator_ids():
    return sorted(registry.available("generator"))


def model_for(gen):
    """None for generators that need no model; else the first test model they support."""
    if not gen.needs_model:
        return None
    candidates = [FakeClassifier()]
    try:
        from lumos.testing.linear import LinearTextModel

        candidates.append(LinearTextModel())
    except ModuleNotFoundError:  # torch missing
        pass
    for m in candidates:
        if gen.is_compatible(m, m.input_spec()):
            return m
    m = _tiny_hf_classifier()  # gradients, an embedding table and a tokenizer (hotflip)
    if gen.is_compatible(m, m.input_spec()):
        return m
    pytest.fail(f"no test model supports generator '{gen.id}': add one to model_for")


_TINY_HF = None


def _tiny_hf_classifier():
    """A one-layer random BERT classifier with large weights, so its output depends on
    the words (as in test_hotflip), built once per run."""
    global _TINY_HF
    if _TINY_HF is None:
        import tempfile
        from pathlib import Path

        import torch
        from transformers import BertConfig, BertForSequenceClassification

        from lumos.models.hf.classifier import HFClassifier
        from lumos.testing.tiny import save_tiny

        torch.manual_seed(0)
        cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64,
                         max_position_embeddings=64, initializer_range=0.5, num_labels=2)
        workdir = Path(tempfile.mkdtemp(prefix="lumos-gen-tests-"))
        path = save_tiny(BertForSequenceClassification(cfg), workdir, "sensitive_bert")
        _TINY_HF = HFClassifier(path, max_length=32, labels=("negative", "positive"))
    return _TINY_HF


def check_rows(gen, cfg, rows, results):
    """Every output names its parent and maker, and its spans point into both texts."""
    assert len(results) == len(rows)
    for row, res in zip(rows, results, strict=True):
        assert res.parent == row["id"]
        for cf in res.counterfactuals:
            assert cf.parent == row["id"] and cf.example["_parent"] == row["id"]
            assert cf.generator == gen.id and cf.version == str(gen.version)
            assert len(cf.config_hash) == 16
            orjson.dumps(cf.to_json())  # JSON-able as it is, for the server and exports
            for c in cf.changes:
                old, new = row[c.field], cf.example[c.field]
                if isinstance(old, str):
                    assert old[c.start:c.end] == c.old
                    assert new[c.new_start:c.new_end] == c.new


@pytest.fixture(autouse=True)
def _masked_lm_for_registry_tests(request, monkeypatch, tmp_path_factory):
    """No masked LM ships offline: the registry-wide tests give masked_lm a tiny random
    BertForMaskedLM (lumos.testing.tiny) as its example config."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is None or callspec.params.get("gen_id") != "masked_lm":
        return
    from lumos.components.generators.masked_lm import MaskedLMSubstitution
    from lumos.testing.tiny import tiny_masked_lm_dir

    global _TINY_MLM
    if _TINY_MLM is None:
        _TINY_MLM = str(tiny_masked_lm_dir(tmp_path_factory.mktemp("registry_mlm")))
    monkeypatch.setattr(MaskedLMSubstitution, "example_config", {"mlm": _TINY_MLM})


_TINY_MLM = None
