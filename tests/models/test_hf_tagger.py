import numpy as np
import pytest

from lumos.models.hf.tagger import HFTagger, first_piece_index


def test_first_piece_index_maps_words_to_their_first_piece():
    # [CLS] new york ##er [SEP] -> word 0 at 1, word 1 at 2 (first of two pieces)
    assert first_piece_index([None, 0, 1, 1, None], 2) == [1, 2]
    assert first_piece_index([None, 0, None], 3) == [1, None, None]  # truncated words


def test_one_tag_per_word_from_the_first_piece(tiny):
    model, _ = tiny("hf_tagger")
    words = ["Schwarzenegger", "visited", "Kathmandu"]  # multi-piece words
    (out,) = model.predict([{"tokens": words}], fields=["pred_tags", "tag_probs",
                                                        "subword_tokens"])
    assert len(out["pred_tags"]) == 3 and out["tag_probs"].shape == (3, len(model.labels))
    pieces = out["subword_tokens"]
    assert len(pieces) > 5  # word pieces, with [CLS]/[SEP]
    # the word-level probabilities are the model's probabilities at each first piece
    emb = model.embed([{"tokens": words}])
    probs = model.forward_from_embeds(None, emb.inputs_embeds, **emb.forward_kwargs)
    first = emb.extra["word_first_piece"][0]
    for w, pos in enumerate(first):
        np.testing.assert_allclose(out["tag_probs"][w], probs[0, pos].detach().numpy(),
                                   atol=1e-5)
    assert [model.labels[i] for i in out["tag_probs"].argmax(1)] == out["pred_tags"]


def test_truncated_words_still_get_a_tag(tiny_dir, tiny):
    model, _ = tiny("hf_tagger")
    short = HFTagger(model=model.model, tokenizer=model.tokenizer, max_length=6)
    words = ["a", "b", "c", "d", "e", "f", "g", "h"]
    (out,) = short.predict([{"tokens": words}])
    assert len(out["pred_tags"]) == 8
    np.testing.assert_allclose(out["tag_probs"][-1], 1 / len(model.labels))


def test_token_grad_follows_grad_position_and_target(tiny):
    model, _ = tiny("hf_tagger")
    ex = {"tokens": ["Obama", "visited", "Paris"]}
    g0 = model.predict([ex], fields=["token_grad"])[0]["token_grad"]
    g2 = model.predict([{**ex, "grad_position": 2}], fields=["token_grad"])[0]["token_grad"]
    g2b = model.predict([{**ex, "grad_position": 2, "grad_target": "B-person"}],
                        fields=["token_grad"])[0]["token_grad"]
    assert g0.shape == g2.shape == (5, model.config.hidden_size)
    assert not np.allclose(g0, g2)
    assert not np.allclose(g2, g2b)


def test_expensive_fields_only_when_asked(tiny):
    model, examples = tiny("hf_tagger")
    out = model.predict(examples[:1])
    assert "attention" not in out[0] and "token_grad" not in out[0]
    assert set(model.default_fields()) <= set(out[0])


def test_wrong_label_count_names_the_field(tiny):
    model, _ = tiny("hf_tagger")
    with pytest.raises(ValueError, match="labels: 2 given"):
        HFTagger(model=model.model, tokenizer=model.tokenizer, labels=["O", "X"])
