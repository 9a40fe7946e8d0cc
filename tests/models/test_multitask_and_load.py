import json

import numpy as np
import pytest

from lumos.models import load_model
from lumos.models.hf.base import ModelLoadError
from lumos.models.load import resolve_adapter


def test_multitask_outputs_are_prefixed_per_head(tiny):
    model, examples = tiny("multitask")
    spec = model.output_spec()
    assert {"sentiment_probas", "ner_tags", "ner_tag_probs", "words", "attention"} <= set(spec)
    ex = {"text": "Obama visited Paris", "tokens": ["Obama", "visited", "Paris"]}
    (out,) = model.predict([ex])
    assert out["words"] == ex["tokens"] and len(out["ner_tags"]) == 3
    assert out["sentiment_probas"].shape == (3,)
    # the text split on whitespace is the default for the words
    (plain,) = model.predict([{"text": "Obama visited Paris"}])
    assert plain["ner_tags"] == out["ner_tags"]


def test_multitask_token_embeddings_align_with_its_word_pieces(tiny):
    model, _ = tiny("multitask")
    assert "token_embeddings" not in model.default_fields()  # computed only when asked
    outs = model.predict([{"text": "Obama visited Paris"}, {"text": "a much longer text"}],
                         fields=["tokens", "token_embeddings", "embedding"])
    for out in outs:
        assert out["token_embeddings"].shape[0] == len(out["tokens"])  # padding trimmed
        np.testing.assert_allclose(out["token_embeddings"].mean(0), out["embedding"],
                                   rtol=1e-4, atol=1e-5)


def test_multitask_save_load_round_trip(tiny, tmp_path):
    from lumos.models.hf.multitask import MultiTaskModel

    model, examples = tiny("multitask")
    model.model.save_pretrained(tmp_path / "mt", model.tokenizer)
    again = load_model(tmp_path / "mt")
    assert isinstance(again, MultiTaskModel)
    assert again.fingerprint() == model.fingerprint()
    a, b = model.predict(examples[:2]), again.predict(examples[:2])
    np.testing.assert_allclose(a[0]["sentiment_probas"], b[0]["sentiment_probas"], atol=1e-6)


def test_multitask_heads_can_be_differentiated_separately(tiny):
    model, examples = tiny("multitask")
    emb = model.embed(examples[:2])
    cls = model.forward_from_embeds("sentiment_probas", emb.inputs_embeds,
                                    **emb.forward_kwargs)
    tags = model.forward_from_embeds("ner_tag_probs", emb.inputs_embeds, **emb.forward_kwargs)
    assert cls.shape == (2, 3) and tags.shape[:2] == emb.input_ids.shape
    with pytest.raises(ValueError, match="field 'nope': no head"):
        model.forward_from_embeds("nope", emb.inputs_embeds, **emb.forward_kwargs)


@pytest.mark.parametrize("name,adapter", [
    ("tiny_classifier", "hf_classifier"), ("tiny_tagger", "hf_tagger"), ("tiny_qa", "hf_qa"),
    ("tiny_seq2seq", "hf_seq2seq"), ("tiny_causal_lm", "hf_causal_lm"),
    ("tiny_masked_lm", "hf_masked_lm"), ("tiny_multitask", "multitask"),
    ("tiny_bilstm.keras", "keras_classifier"), ("tiny_sklearn.joblib", "sklearn_pipeline"),
    ("tiny_torch.pt", "torch_module"),
])
def test_load_model_picks_the_adapter(tiny, tiny_dir, name, adapter):
    tiny({"hf_classifier": "hf_classifier"}.get(adapter, adapter))  # make sure it is built
    assert resolve_adapter(str(tiny_dir / name)) == adapter


def test_load_model_loads_and_task_overrides(tiny, tiny_dir):
    from lumos.models.hf.classifier import HFClassifier
    from lumos.models.hf.tagger import HFTagger

    tiny("hf_tagger")
    assert isinstance(load_model(tiny_dir / "tiny_tagger"), HFTagger)
    # a BERT body read as a sequence classifier on request
    assert isinstance(load_model(tiny_dir / "tiny_tagger", task="classification"),
                      HFClassifier)
    assert resolve_adapter("http://127.0.0.1:1/model") == "remote"
    assert resolve_adapter("whatever", task="ner") == "hf_tagger"


def test_load_model_errors_name_the_path(tmp_path, tiny, tiny_dir):
    with pytest.raises(ModelLoadError, match=f"{tmp_path / 'missing'}: no such"):
        load_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="empty: is not a model directory"):
        load_model(tmp_path / "empty")
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "config.json").write_text(json.dumps({"architectures": ["WeirdThing"]}))
    with pytest.raises(ModelLoadError, match=r"odd: cannot tell the task.*WeirdThing"):
        load_model(odd)
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ModelLoadError, match="notes.txt: cannot tell which kind"):
        load_model(tmp_path / "notes.txt")
    with pytest.raises(ModelLoadError, match="unknown task 'poetry'"):
        load_model(tmp_path, task="poetry")
    # a directory whose weights are missing: the HF loader's error names the directory
    tiny("hf_tagger")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_dir / "tiny_tagger" / "config.json").read_text())
    with pytest.raises(ModelLoadError, match=f"{broken}"):
        load_model(broken)


def test_gguf_files_go_to_the_causal_lm_and_missing_ones_are_named(tmp_path):
    from lumos.models.hf.causal_lm import HFCausalLM

    f = tmp_path / "model.gguf"
    f.write_bytes(b"GGUF")
    assert resolve_adapter(str(f)) == "hf_causal_lm"
    with pytest.raises(ModelLoadError, match=f"{tmp_path / 'other.gguf'}: no such GGUF file"):
        HFCausalLM(tmp_path, gguf_file="other.gguf")
