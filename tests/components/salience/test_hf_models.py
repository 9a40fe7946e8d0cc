"""Salience, attention and sanity checks on a tiny random BERT with the MiniLM tokenizer."""

import numpy as np
import pytest

from lumos.engine.interpret import explain
from lumos.engine.randomisation import randomisation_check
from lumos.testing.interpreter_conformance import TEXTS, check_interpreter

EXAMPLES = [{"text": t} for t in TEXTS]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_bert():
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from lumos.models.hf.classifier import HFClassifier
    from lumos.models.packaged import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, num_labels=2)
    return HFClassifier(model=BertForSequenceClassification(cfg), tokenizer=tok,
                        labels=("negative", "positive"), batch_size=4)


@pytest.mark.parametrize("method", ["gradient_norm", "grad_dot_input", "integrated_gradients",
                                    "occlusion", "attention", "attention_rollout"])
def test_conformance_on_a_transformer(tiny_bert, method):
    from lumos.api import registry

    cls = registry.get("interpreter", method)
    options = {"steps": 16} if method == "integrated_gradients" else {}
    check_interpreter(cls, tiny_bert, EXAMPLES, config=cls.make_config(options), atol=1e-4)


@pytest.mark.parametrize("baseline", ["zero", "pad", "mask"])
def test_ig_completeness_on_a_transformer(tiny_bert, baseline):
    """Sum of attributions = f(x) - f(baseline) within 2 % of |f(x) - f(b)| or 1e-3."""
    import torch

    from lumos.components.salience.gradient import baseline_embeds

    res = explain(None, tiny_bert, EXAMPLES, "integrated_gradients",
                  {"steps": 32, "baseline": baseline})
    for ex, r in zip(EXAMPLES, res, strict=True):
        v = r["integrated_gradients"]
        emb = tiny_bert.embed([ex])
        base = baseline_embeds(tiny_bert, emb, baseline, "ig")
        idx = v["target"]["index"]
        with torch.no_grad():
            fx = tiny_bert.forward_from_embeds(None, emb.inputs_embeds, **emb.forward_kwargs)
            fb = tiny_bert.forward_from_embeds(None, base, **emb.forward_kwargs)
        gap = float(fx[0, idx] - fb[0, idx])
        assert abs(float(np.sum(v["salience"])) - gap) <= max(1e-3, 0.02 * abs(gap))
        assert "[CLS]" not in v["tokens"] and len(v["tokens"]) == len(v["positions"])


def test_attention_selection_and_entropy(tiny_bert):
    res = explain(None, tiny_bert, EXAMPLES[:2], "attention", {"layers": "-1", "heads": [1]})
    info = res[0]["attention_info"]
    assert info["layers"] == [1] and info["heads"] == [1]
    assert res[0]["attention"].shape[:2] == (1, 1)
    assert info["tokens_in"][0] == "[CLS]"
    ent = np.asarray(info["entropy"])
    assert ent.shape == (1, 1) and 0 < ent[0, 0] <= 1


def test_randomised_transformer_maps_differ(tiny_bert):
    check = randomisation_check(None, tiny_bert, EXAMPLES, "grad_dot_input")
    names = [s["layer"] for s in check["steps"]]
    assert names[0] == "classifier" and names[-1].endswith("embeddings")
    assert any(".encoder.layer.1" in n for n in names)
    assert check["final_rank"] < 0.5
    # the check used copies: the model's own maps are unchanged
    before = explain(None, tiny_bert, EXAMPLES, "grad_dot_input")
    again = explain(None, tiny_bert, EXAMPLES, "grad_dot_input")
    np.testing.assert_allclose(before[0]["grad_dot_input"]["salience"],
                               again[0]["grad_dot_input"]["salience"])


def test_erasure_on_model_tokens(tiny_bert):
    res = explain(None, tiny_bert, EXAMPLES, "grad_dot_input", faithfulness=True)
    for r in res:
        assert r["faithfulness"]["comprehensiveness"] is not None


@pytest.fixture(scope="module")
def tiny_generators():
    import torch
    from transformers import (
        AutoTokenizer,
        GPT2Config,
        GPT2LMHeadModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    from lumos.models.hf.causal_lm import HFCausalLM
    from lumos.models.hf.seq2seq import HFSeq2Seq
    from lumos.models.packaged import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    gpt = GPT2LMHeadModel(GPT2Config(vocab_size=tok.vocab_size, n_embd=32, n_layer=2,
                                     n_head=2, n_positions=128))
    t5 = T5ForConditionalGeneration(T5Config(
        vocab_size=tok.vocab_size, d_model=32, d_ff=64, num_layers=2, num_heads=2, d_kv=16,
        decoder_start_token_id=0, pad_token_id=0))
    return (HFCausalLM(model=gpt, tokenizer=tok, max_new_tokens=3),
            HFSeq2Seq(model=t5, tokenizer=tok, max_new_tokens=3, num_beams=2,
                      num_return_sequences=1))


def test_sequence_salience_is_causal_for_a_causal_lm(tiny_generators):
    from lumos.api.types import SequenceSalience

    lm, _ = tiny_generators
    v = explain(None, lm, [{"prompt": "hello there world"}], "sequence_salience")[0][
        "sequence_salience"]
    SequenceSalience().validate("s", v)
    n_src, sal = len(v["source"]), v["salience"]
    assert sal.shape == (len(v["target"]), n_src + len(v["target"]))
    for r in range(sal.shape[0]):  # a generated token never depends on itself or later ones
        assert np.all(sal[r, n_src + r:] == 0)
        assert np.any(sal[r, :n_src] != 0)


def test_sequence_salience_for_seq2seq_covers_the_source(tiny_generators):
    _, s2s = tiny_generators
    v = explain(None, s2s, [{"source": "hello there world"}], "sequence_salience",
                {"method": "integrated_gradients", "steps": 4})[0]["sequence_salience"]
    assert v["salience"].shape == (len(v["target"]), len(v["source"]))
    assert np.all(np.isfinite(v["salience"])) and np.any(v["salience"] != 0)


def test_sequence_salience_conformance(tiny_generators):
    from lumos.api import registry

    cls = registry.get("interpreter", "sequence_salience")
    for model, field in zip(tiny_generators, ("prompt", "source"), strict=True):
        check_interpreter(cls, model, [{field: "hello there"}, {field: "good day to you"}],
                          atol=1e-4)


def test_tagging_target_counts_words_for_gradient_and_black_box_methods(tmp_path):
    """token_index names a word: a gradient method explains that word's tag (through its
    first word piece), with the same target and score a black-box method reports."""
    from lumos.testing.tiny import build_hf_tagger

    model, _ = build_hf_tagger(tmp_path)
    # "Washington" splits into several pieces, so word 2 is not piece 2 (+[CLS])
    ex = {"tokens": ["Visiting", "Washingtonians", "today", "is", "fun"]}
    out = model.predict([ex], fields=["tag_probs"])[0]["tag_probs"]
    for method in ("grad_dot_input", "occlusion"):
        got = explain(None, model, [ex], method, {"token_index": 2})[0][method]
        assert got["target"]["position"] == 2
        k = got["target"]["index"]
        assert k == int(np.argmax(out[2]))
        assert got["score"] == pytest.approx(float(out[2, k]), abs=1e-5)
    emb = model.embed([ex])
    assert emb.extra["word_first_piece"][0][2] != 3  # the pieces really are shifted
