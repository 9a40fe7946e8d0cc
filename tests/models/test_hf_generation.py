"""Causal LM and seq2seq adapters on tiny random models."""

import numpy as np
import torch


def test_causal_lm_greedy_response_and_analysis(tiny):
    model, examples = tiny("hf_causal_lm")
    fields = ["response", "tokens", "top_tokens", "attention", "embedding"]
    out = model.predict(examples, fields=fields)
    again = model.predict(examples, fields=["response"])
    assert [o["response"] for o in out] == [o["response"] for o in again]  # greedy
    for ex, o in zip(examples, out, strict=True):
        n = len(o["tokens"])
        prompt = model.tokenizer.tokenize(ex["prompt"])
        assert o["tokens"][1:1 + len(prompt)] == prompt  # prompt first, then the response
        assert n > len(prompt) + 1
        assert len(o["top_tokens"]) == n and len(o["top_tokens"][0]) == model.top_k
        probs = [p for _, p in o["top_tokens"][0]]
        assert probs == sorted(probs, reverse=True)
        assert o["attention"].shape == (2, 2, n, n)
        assert np.allclose(np.triu(o["attention"][0, 0], 1), 0)  # causal


def test_causal_lm_respects_max_new_tokens(tiny):
    from lumos.models.hf.causal_lm import HFCausalLM

    model, examples = tiny("hf_causal_lm")
    short = HFCausalLM(model=model.model, tokenizer=model.tokenizer, max_new_tokens=2)
    ids = short.embed(examples[:1]).extra["response_ids"][0]
    assert 1 <= len(ids) <= 2
    assert short.fingerprint() != model.fingerprint()


def test_causal_lm_logits_from_embeds_match_the_model(tiny):
    model, examples = tiny("hf_causal_lm")
    emb = model.embed(examples[:2], "response")
    with torch.no_grad():
        logits = model.forward_from_embeds("response", emb.inputs_embeds, **emb.forward_kwargs)
    assert logits.shape[:2] == emb.input_ids.shape and logits.shape[2] == model.config.vocab_size
    # greedy: each response token is the argmax of the logits before it
    p = emb.extra["prompt_lengths"][0]
    resp = emb.extra["response_ids"][0]
    assert logits[0, p - 1:p - 1 + len(resp)].argmax(-1).tolist() == resp


def test_seq2seq_candidates_scored_by_log_prob(tiny):
    model, examples = tiny("hf_seq2seq")
    out = model.predict(examples, fields=["output_text", "target_tokens", "source_tokens",
                                          "cross_attention", "decoder_attention",
                                          "encoder_attention"])
    for o in out:
        cands = o["output_text"]
        assert len(cands) == 2
        assert cands[0][1] >= cands[1][1] and all(s <= 0 for _, s in cands)
        nt, ns = len(o["target_tokens"]), len(o["source_tokens"])
        assert o["cross_attention"].shape == (2, 2, nt, ns)
        assert o["decoder_attention"].shape == (2, 2, nt, nt)
        assert o["encoder_attention"].shape == (2, 2, ns, ns)


def test_seq2seq_score_equals_teacher_forced_log_prob(tiny):
    model, examples = tiny("hf_seq2seq")
    emb = model.embed(examples[:1], "output_text")
    with torch.no_grad():
        logits = model.forward_from_embeds("output_text", emb.inputs_embeds,
                                           **emb.forward_kwargs)
    labels, mask = emb.extra["target_ids"], emb.extra["target_mask"]
    lp = torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    top_score = model.predict(examples[:1])[0]["output_text"][0][1]
    assert abs(float((lp * mask).sum()) - top_score) < 1e-3


def test_masked_lm_fills_masks(tiny):
    model, _ = tiny("hf_masked_lm")
    (out,) = model.predict([{"text": "paris is the [MASK] of france"}])
    pos = out["tokens"].index("[MASK]")
    best = out["top_tokens"][pos][0][0]
    assert best in out["filled_text"].split() or best.startswith("##")
    assert "[MASK]" not in out["filled_text"]


def test_masked_lm_token_embeddings_align_with_its_tokens_and_pool_to_its_embedding(tiny):
    model, _ = tiny("hf_masked_lm")
    assert "token_embeddings" not in model.default_fields()  # computed only when asked
    short, long = model.predict([{"text": "a short one"},
                                 {"text": "a much longer sentence than that"}],
                                fields=["tokens", "token_embeddings", "embedding"])
    for out in (short, long):
        emb = out["token_embeddings"]
        assert emb.shape[0] == len(out["tokens"])  # padding trimmed
        np.testing.assert_allclose(emb.mean(0), out["embedding"], rtol=1e-4, atol=1e-5)


def test_qa_answer_is_the_context_span(tiny):
    model, examples = tiny("hf_qa")
    for ex, o in zip(examples, model.predict(examples), strict=True):
        (span,) = o["answer_span"]
        assert ex["context"][span["start"]:span["end"]] == o["answer"]
        assert o["answer"]  # a non-empty span of the context


def test_qa_best_span_respects_order_and_length():
    from lumos.models.hf.qa import best_span

    start = np.array([0, 6, 0, 0, 9.0])  # position 4 is not allowed (not context)
    end = np.array([1, 0, 1, 4, 9.0])
    allowed = np.array([True, True, True, True, False])
    assert best_span(start, end, allowed, 30)[:2] == (1, 3)
    assert best_span(start, end, allowed, 2)[:2] == (1, 2)
    assert best_span(start, end, np.zeros(5, bool), 3)[0] == -1
