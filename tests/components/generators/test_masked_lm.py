"""Masked-LM substitution on a tiny random BertForMaskedLM built here from a config (no
masked LM ships offline)."""

from __future__ import annotations

import pytest

from lumos.api.types import SpecError
from lumos.components.generators.masked_lm import MaskedLMSubstitution, load_mlm
from lumos.engine.context import run_context
from lumos.engine.predict import Engine
from lumos.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mlm_dir(tmp_path_factory) -> str:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from lumos.testing.tiny import save_tiny

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    return str(save_tiny(BertForMaskedLM(cfg), tmp_path_factory.mktemp("mlm"), "tiny_mlm"))


def run(examples, **config):
    gen = MaskedLMSubstitution()
    ctx = run_context(Engine(Store(":memory:")))
    return gen.run(examples, ctx, config=gen.make_config(config))


def test_one_output_per_word_and_substitute_with_spans(mlm_dir: str) -> None:
    text = "The movie was great, Truly"
    (g,) = run([{"id": "p", "text": text}], mlm=mlm_dir, top_k=2)
    assert g.status == "ok"
    assert len(g.counterfactuals) == 5 * 2  # five words, two substitutes each
    assert g.notes["forward_passes"] == 1  # every mask of the text in one pass
    for cf in g.counterfactuals:
        (ch,) = cf.changes
        assert text[ch.start:ch.end] == ch.old == cf.meta["word"]
        assert ch.new.isalpha() and ch.new.lower() != ch.old.lower()
        assert cf.example["text"] == text[:ch.start] + ch.new + text[ch.end:]
        assert cf.parent == "p" and cf.generator == "masked_lm"
        if ch.old[0].isupper():
            assert ch.new[0].isupper()  # cased like the word it replaces
    assert len({cf.example["text"] for cf in g.counterfactuals}) == 10


def test_budget_and_batches(mlm_dir: str) -> None:
    (g,) = run([{"text": "one two three four five six"}], mlm=mlm_dir, top_k=3, budget=8,
               batch_size=2)
    assert g.status == "budget_exhausted" and len(g.counterfactuals) == 8
    # two words (six candidates) per pass: the base stopped during the second pass,
    # and the third was never run
    assert g.notes["forward_passes"] == 2


@pytest.mark.timeout(300)
@pytest.mark.parametrize("text", ["", "wonderful", "good good good good",
                                  " ".join(["good"] * 10_000)],
                         ids=["empty", "one-word", "identical", "10k-words"])
def test_odd_inputs_neither_hang_nor_crash(mlm_dir: str, text: str) -> None:
    (g,) = run([{"text": text}], mlm=mlm_dir, top_k=1, budget=20)
    if not text:
        assert g.status == "no_change" and g.counterfactuals == []
    else:
        assert 1 <= len(g.counterfactuals) <= 20


def test_a_missing_masked_lm_names_the_option(tmp_path) -> None:
    with pytest.raises(SpecError, match="config option 'mlm' is empty"):
        load_mlm("")
    with pytest.raises(SpecError, match="config option 'mlm' = .* loads offline"):
        load_mlm(str(tmp_path / "nowhere"))
    with pytest.raises(SpecError, match="'top_k' must be >= 1"):
        MaskedLMSubstitution.make_config({"top_k": 0, "mlm": "x"})
