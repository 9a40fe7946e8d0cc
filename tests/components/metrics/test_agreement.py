"""Rank agreement between methods' maps (the measure; the runs that use it are the
engine's: tests/engine/test_agreement.py, test_randomisation.py)."""

import math

import numpy as np
import pytest

from lumos.api.types import SpecError
from lumos.components.metrics import agreement as A
from lumos.testing.interpreter_conformance import TEXTS

EXAMPLES = [{"text": t} for t in TEXTS]  # the same as the conftest's ``examples``


def shuffled(maps, seed=0):
    rng = np.random.default_rng(seed)
    return [dict(m, salience=rng.permutation(np.asarray(m["salience"]))) for m in maps]


def test_agreement_is_perfect_between_exact_methods_and_low_against_noise(linear, maps_of):
    ig = maps_of(linear, "integrated_gradients", output="score")
    occ = maps_of(linear, "occlusion", output="score")
    agree = A.method_agreement(ig, occ)
    # equal up to float noise among tied words ('the', 'was' occur twice)
    assert agree["spearman"] > 0.99 and agree["kendall"] > 0.97
    noise = A.method_agreement(ig, shuffled(ig, seed=3))
    assert noise["spearman"] < 0.9
    assert A.method_agreement(ig, [dict(m, tokens=["x"]) for m in occ])["skipped"] == 4


def test_rank_correlation_of_a_constant_map_is_nan():
    s, k = A.rank_correlation([1, 1, 1], [1, 2, 3])
    assert math.isnan(s) and math.isnan(k)
    with pytest.raises(SpecError, match="agreement"):
        A.rank_correlation([1, 2], [1, 2, 3])


def test_sub_word_pieces_sum_into_words():
    from transformers import AutoTokenizer

    from lumos.models.packaged import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    words = "@VirginAmerica I can't wait, Café #nomorevirgin".split()
    pieces = tok.convert_ids_to_tokens(tok(" ".join(words), add_special_tokens=False)
                                       ["input_ids"])
    assert len(pieces) > len(words)  # WordPiece splits these words
    counts = A.pieces_to_words(pieces, np.ones(len(pieces)), words)  # pieces per word
    assert counts is not None and counts.sum() == len(pieces)
    assert counts[0] == 4  # @ virgin ##ame ##rica
    assert counts[-2] == 1  # 'Café' is 'cafe' to an uncased tokenizer
    # byte-level BPE and SentencePiece markers are set aside the same way
    assert list(A.pieces_to_words(["ĠHel", "lo", "Ġwor", "ld"], [1, 2, 3, 4],
                                  ["Hello", "world"])) == [3, 7]
    assert list(A.pieces_to_words(["▁Hel", "lo", "▁world"], [1, 2, 3],
                                  ["Hello", "world"])) == [3, 3]
    assert A.pieces_to_words(["[UNK]", "world"], [1, 2], ["🙂", "world"]) is None
    assert A.pieces_to_words(["hello"], [1], ["hello", "world"]) is None  # truncated


def test_a_sub_word_map_is_compared_with_a_word_map_word_by_word():
    words = {"tokens": ["great", "unbelievable", "film"], "salience": [0.5, 2.0, -1.0],
             "granularity": "word"}
    pieces = {"tokens": ["great", "un", "##bel", "##ie", "##vable", "film"],
              "salience": [0.2, 0.5, 0.5, 0.5, 0.6, -0.3], "granularity": "model_token"}
    agree = A.method_agreement([pieces], [words])
    assert agree["skipped"] == 0 and agree["words"] == 1
    assert agree["spearman"] == pytest.approx(1.0)  # sums 0.2, 2.1, -0.3: same order
    reversed_words = dict(words, salience=[2.0, 0.5, 3.0])
    assert A.method_agreement([reversed_words], [pieces])["spearman"] < 0


def test_an_attention_map_with_cls_and_sep_lines_up_with_gradient_and_word_maps():
    rollout = {"tokens": ["[CLS]", "great", "un", "##real", "film", "[SEP]"],
               "salience": [9.0, 0.1, 0.2, 0.3, 0.4, 9.0], "positions": [0, 1, 2, 3, 4, 5],
               "granularity": "model_token"}
    grads = {"tokens": ["great", "un", "##real", "film"], "salience": [1.0, 2.0, 3.0, 4.0],
             "positions": [1, 2, 3, 4], "granularity": "model_token"}
    words = {"tokens": ["great", "unreal", "film"], "salience": [0.0, 1.0, 0.5],
             "granularity": "word"}
    by_position = A.method_agreement([rollout], [grads])
    assert by_position["skipped"] == 0 and by_position["spearman"] == pytest.approx(1.0)
    by_word = A.method_agreement([rollout], [words])  # rollout words: 0.1, 0.5, 0.4
    assert by_word["words"] == 1 and by_word["spearman"] == pytest.approx(1.0)


