"""Erasure scores (the measure; the run that adds them to an explanation is the
engine's: tests/engine/test_faithfulness.py)."""

import math
from collections import Counter

import numpy as np
import pytest

from lumos.components.metrics import erasure as E
from lumos.engine.interpret import explain
from lumos.testing import FakeClassifier
from lumos.testing.context import context_for
from lumos.testing.interpreter_conformance import TEXTS

EXAMPLES = [{"text": t} for t in TEXTS]  # the same as the conftest's ``examples``


def erasure(model, examples, maps, *, engine=None, **options):
    return E.erasure_scores(model, examples, maps, context=context_for(engine=engine),
                            **options)


def shuffled(maps, seed=0):
    rng = np.random.default_rng(seed)
    return [dict(m, salience=rng.permutation(np.asarray(m["salience"]))) for m in maps]


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion"])
def test_a_true_map_beats_a_shuffled_one(linear, method, maps_of):
    maps = maps_of(linear, method)
    good = E.summarize(erasure(linear, EXAMPLES, maps))
    bad = E.summarize(erasure(linear, EXAMPLES, shuffled(maps)))
    assert good["n"] == len(EXAMPLES)
    assert good["aopc_comprehensiveness"] > bad["aopc_comprehensiveness"] + 0.05
    assert good["aopc_sufficiency"] < bad["aopc_sufficiency"] - 0.05


def test_erasure_has_known_values_on_a_linear_score(linear):
    """Deleting the top word of 'great awful' lowers the score by exactly its weight."""
    ex = [{"text": "great awful"}]
    value = explain(None, linear, ex, "occlusion", {"output": "score"})[0]["occlusion"]
    row = erasure(linear, ex, [value], fractions=(0.5,), top_fraction=0.5)[0]
    c = linear.word_contributions("great awful")
    assert row["comprehensiveness"] == pytest.approx(c.max(), abs=1e-5)
    assert row["sufficiency"] == pytest.approx(c.min(), abs=1e-5)


def test_model_token_maps_are_erased_in_embedding_space(linear, maps_of):
    maps = maps_of(linear, "grad_dot_input", output="score")
    rows = erasure(linear, EXAMPLES[:1], maps[:1], fractions=(0.2,))
    # [MASK]'s embedding replaces the top 20 % (2 of 9 words): the drop is their weight
    # minus two [MASK] contributions
    c = linear.word_contributions(TEXTS[0])
    w = linear.module["regressor"].weight.detach().numpy()[0]
    m = float(linear.embedding_layer().weight.detach().numpy()[2] @ w)  # [MASK] is id 2
    top2 = np.sort(c)[-2:]
    assert rows[0]["comprehensiveness"] == pytest.approx(float(top2.sum() - 2 * m), abs=1e-5)


def test_model_token_maps_of_many_examples_share_forward_passes(linear, maps_of):
    """Erased copies of equal-length examples go through one forward pass together (no
    padding), and every example scores as it does alone."""
    texts = ["great fun day", "awful bad day", "good nice one", "so very very bad",
             "a really great film", "plain"]
    examples = [{"text": t} for t in texts]
    maps = [r["grad_dot_input"] for r in
            explain(None, linear, examples, "grad_dot_input", {"output": "score"})]
    alone = [erasure(linear, [ex], [m])[0] for ex, m in zip(examples, maps, strict=True)]
    calls = []
    real = linear.forward_from_embeds

    def counted(output, x, **kw):
        calls.append(tuple(x.shape[:2]))
        return real(output, x, **kw)

    linear.forward_from_embeds = counted
    together = erasure(linear, examples, maps)
    copies = 2 * len(E.BINS)  # each fraction removed and kept (0.2 is one of the bins)
    per_length = Counter(len(m["salience"]) for m in maps)  # no special tokens here
    bs = linear.max_batch_size
    assert sorted(calls) == sorted(
        (min(bs, copies * count - start), length) for length, count in per_length.items()
        for start in range(0, copies * count, bs))  # full batches, each of one length
    assert len(calls) < len(examples)
    for a, b in zip(alone, together, strict=True):
        for k in ("comprehensiveness", "sufficiency", "aopc_comprehensiveness",
                  "aopc_sufficiency"):
            assert a[k] == pytest.approx(b[k], abs=1e-6)


def test_black_box_models_are_scored_through_predict(maps_of):
    model = FakeClassifier()
    maps = maps_of(model, "occlusion")
    rows = erasure(model, EXAMPLES, maps)
    assert all(r["comprehensiveness"] is not None for r in rows)
    rollout = maps_of(model, "attention_rollout")
    assert erasure(model, EXAMPLES, rollout)[0]["reason"].startswith("model-token")


def test_word_erasures_of_many_examples_reach_the_model_together(linear, counting_linear, maps_of):
    """Every example's erased copies go to the model in one call, with the same scores
    each example gets alone (and none of them is written to the store)."""
    from lumos.engine import Engine
    from lumos.store import Store

    maps = maps_of(linear, "occlusion")
    alone = [erasure(linear, [ex], [m])[0] for ex, m in zip(EXAMPLES, maps,
                                                                     strict=True)]
    store = Store(":memory:")
    together = erasure(counting_linear, EXAMPLES, maps, engine=Engine(store))
    calls = counting_linear.calls
    assert len(calls) == 1 and calls[0] > 2 * len(EXAMPLES)
    assert store.count_outputs() == 0
    for a, b in zip(alone, together, strict=True):
        assert a["comprehensiveness"] == pytest.approx(b["comprehensiveness"], abs=1e-6)
        assert a["aopc_sufficiency"] == pytest.approx(b["aopc_sufficiency"], abs=1e-6)


@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory):
    from lumos.testing.tiny import build_hf_tagger

    model, _ = build_hf_tagger(tmp_path_factory.mktemp("tagger"))
    return model


# "Washingtonians" splits into two pieces and [CLS] comes first: word w is not piece w
TAGGER_EXAMPLE = {"tokens": ["Visiting", "Washingtonians", "today", "is", "fun"]}


def _tag_prob(model, word_ids, words, word, label):
    """p(label) of ``word``'s tag by hand: the HF model called on ``word_ids`` (the input
    pieces, some replaced by [MASK]), read at the word's first piece."""
    import torch

    enc = model.tokenizer(words, is_split_into_words=True, return_tensors="pt")
    first = enc.word_ids(0).index(word)
    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([word_ids]),
                             attention_mask=enc["attention_mask"]).logits
    return float(logits.softmax(-1)[0, first, label])


@pytest.mark.slow
@pytest.mark.parametrize("method", ["grad_dot_input", "occlusion"])
@pytest.mark.parametrize("word", [0, 2])
def test_erasure_on_a_tagger_scores_the_map_target_by_hand(tiny_tagger, method, word):
    """ERASER on a tagger, against the model called by hand on the erased inputs:
    comprehensiveness = p(full) - p(top-k removed), sufficiency = p(full) - p(only top-k
    kept), p being the probability of the map's tag for the map's word."""
    model, ex = tiny_tagger, TAGGER_EXAMPLE
    value = explain(None, model, [ex], method, {"token_index": word})[0][method]
    assert value["target"]["position"] == word
    label = value["target"]["index"]
    words = list(ex["tokens"])
    ids = model.tokenizer(words, is_split_into_words=True)["input_ids"]
    mask_id = model.tokenizer.mask_token_id
    full = _tag_prob(model, ids, words, word, label)
    assert value["score"] == pytest.approx(full, abs=1e-5)

    sal = np.asarray(value["salience"], dtype=np.float64)
    row = erasure(model, [ex], [value], fractions=(0.2, 0.5), top_fraction=0.2)[0]
    for n, fraction in enumerate((0.2, 0.5)):
        top = set(np.argsort(-sal)[:math.ceil(fraction * len(sal))].tolist())
        if value["granularity"] == "model_token":  # erase pieces, in embedding space
            at = {p: i for i, p in enumerate(value["positions"])}
            removed = [mask_id if at.get(p) in top else t for p, t in enumerate(ids)]
            kept = [t if p not in at or at[p] in top else mask_id for p, t in enumerate(ids)]
            p_removed = _tag_prob(model, removed, words, word, label)
            p_kept = _tag_prob(model, kept, words, word, label)
        else:  # erase words: a Tokens field keeps its length, erased words become [MASK]
            def prob(erased):
                edited = ["[MASK]" if i in erased else w for i, w in enumerate(words)]
                pieces = model.tokenizer(edited, is_split_into_words=True)["input_ids"]
                return _tag_prob(model, pieces, edited, word, label)

            p_removed = prob(top)
            p_kept = prob(set(range(len(words))) - top)
        curve = row["curve"]
        assert curve["fractions"][n] == fraction
        assert curve["comprehensiveness"][n] == pytest.approx(full - p_removed, abs=1e-5)
        assert curve["sufficiency"][n] == pytest.approx(full - p_kept, abs=1e-5)
    assert row["comprehensiveness"] == curve["comprehensiveness"][0]
    assert row["sufficiency"] == curve["sufficiency"][0]
