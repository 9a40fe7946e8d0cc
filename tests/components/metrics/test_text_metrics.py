"""QA, generation and perplexity metrics against hand-computed values."""

import math

import numpy as np
import pytest

from lumos.api import types as T
from lumos.components.metrics.language_model import Perplexity
from lumos.components.metrics.text import GenerationMetrics, QAMetrics, normalize_answer


def test_squad_normalisation():
    assert normalize_answer("The  Eiffel Tower!") == "eiffel tower"


def test_qa_exact_match_and_token_f1():
    r = QAMetrics().compute(["eiffel tower", ["Paris", "paris france"]],
                            ["The Eiffel Tower!", "in Paris"], T.GeneratedText(),
                            T.TextSegment(), config=None)
    # row 2: best of "paris" (P 1/2, R 1 -> 2/3) and "paris france" (P 1/2, R 1/2 -> 1/2)
    assert r["exact_match"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx((1 + 2 / 3) / 2)


def gen(golds, preds, **cfg):
    m = GenerationMetrics()
    return m.compute(golds, preds, T.GeneratedText(), T.TextSegment(),
                     config=m.make_config(cfg))


def test_bleu_brevity_penalty_by_hand():
    # every n-gram of the 5-token hypothesis is in the 6-token reference: BLEU = BP
    r = gen(["the cat sat on the mat"], ["the cat sat on the"])
    assert r["bleu"] == pytest.approx(100 * math.exp(1 - 6 / 5), abs=1e-6)
    assert r["exact_match"] == 0.0


def test_rouge_by_hand_and_exact_match():
    r = gen(["the cat sat on the mat", "hello"], ["the cat sat", "hello"])
    # rouge1 row 1: P 3/3, R 3/6 -> 2/3; row 2: 1
    assert r["rouge1"] == pytest.approx((2 / 3 + 1) / 2)
    # rouge2 row 1: bigrams (the cat), (cat sat): P 1, R 2/5 -> 4/7; row 2 has no bigram
    assert r["rouge2"] == pytest.approx((4 / 7 + 0) / 2)
    assert r["exact_match"] == pytest.approx(0.5)


def test_candidates_score_their_first_text():
    r = gen(["a b c d"], [[["a b c d", -0.1], ["x", -3.0]]])
    assert r["bleu"] == pytest.approx(100.0)
    assert r["exact_match"] == 1.0


def test_perplexity_by_hand():
    lp = [np.log([0.5, 0.5]), np.log([0.25])]
    r = Perplexity().compute([None, None], lp, T.TokenLogProbs(), None, config=None)
    assert r["tokens"] == 3
    assert r["perplexity"] == pytest.approx(2 ** (4 / 3))
    assert r["mean_example_perplexity"] == pytest.approx(3.0)
    assert Perplexity().is_field_compatible(T.TokenLogProbs(), None)
