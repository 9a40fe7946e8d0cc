"""What `lumos explain` and its HTML export say: scores with their meaning and direction,
and word pieces joined into words."""

import re

import numpy as np
import pytest

from lumos.cli.main import main
from lumos.components.metrics.erasure import SCORE_MEANINGS, score_label
from lumos.components.salience.html import merge_word_pieces, render_html

CONFIG = """
from lumos.testing.linear import LinearTextModel
models = {"linear": LinearTextModel}
"""


@pytest.mark.parametrize(("tokens", "words"), [
    (["[CLS]", "walk", "##ing", "is", "fun", "[SEP]"], ["[CLS]", "walking", "is", "fun", "[SEP]"]),
    (["Walk", "ing", "Ġis", "Ġfu", "n", "!"], ["Walking", "is", "fun!"]),
    (["<s>", "▁walk", "ing", "▁is", "▁fun", "</s>"], ["<s>", "walking", "is", "fun", "</s>"]),
    (["plain", "words", "stay"], ["plain", "words", "stay"]),
    (["##odd", "start"], ["odd", "start"]),
])
def test_word_pieces_merge_whatever_the_tokenizer(tokens, words):
    merged = merge_word_pieces(tokens, np.arange(len(tokens), dtype=float))
    assert [w for w, _, _ in merged] == words
    # every piece lands in exactly one word, in order
    assert [i for _, _, pos in merged for i in pos] == list(range(len(tokens)))


def test_a_words_salience_is_the_sum_of_its_pieces():
    merged = merge_word_pieces(["[CLS]", "walk", "##ing", "fast"], [9.0, 0.25, 0.5, -1.0])
    assert merged[1] == ("walking", pytest.approx(0.75), [1, 2])
    assert merged[2][1] == pytest.approx(-1.0)


def test_html_export_shows_words_not_pieces_and_says_what_scores_mean():
    value = {"tokens": ["[CLS]", "Ġun", "believ", "able", "Ġfilm", "[SEP]"],
             "salience": np.array([0.0, 0.2, 0.3, 0.1, -0.4, 0.0]), "delta": 0.0123}
    faith = [{"comprehensiveness": 0.4, "sufficiency": 0.1}]
    summary = {"n": 1, "comprehensiveness": 0.4, "sufficiency": 0.1,
               "aopc_comprehensiveness": 0.3, "aopc_sufficiency": 0.2}
    page = render_html([value], method="integrated_gradients", faithfulness=faith,
                       summary=summary)
    shown = re.findall(r"class='tok'[^>]*>([^<]*)<", page)
    assert shown == ["[CLS]", "unbelievable", "film", "[SEP]"]
    assert "completeness gap 0.0123 (smaller is better)" in page
    assert "comprehensiveness 0.400 (higher is better)" in page
    assert "sufficiency 0.100 (lower is better)" in page
    assert "AOPC sufficiency<br><small>lower is better" in page
    assert "IG delta" not in page


def test_score_labels_say_which_way_is_better():
    assert score_label("delta", 0.0021) == "completeness gap 0.002 (smaller is better)"
    assert score_label("comprehensiveness", None) == "comprehensiveness n/a (higher is better)"
    assert SCORE_MEANINGS["sufficiency"][1] == "lower is better"
    assert SCORE_MEANINGS["aopc_comprehensiveness"][1] == "higher is better"


def test_cli_prints_each_score_with_its_direction(tmp_path, monkeypatch, capsys):
    from lumos.testing.interpreter_conformance import TEXTS

    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "cfg.py"
    cfg.write_text(CONFIG)
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "\n".join(f'"{t}",positive' for t in TEXTS) + "\n")
    out = tmp_path / "ig.parquet"
    assert main(["explain", "--config", str(cfg), "--model", "linear", "--dataset", str(data),
                 "--quiet", "--method", "integrated_gradients", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "completeness gap" in printed and "(smaller is better)" in printed
    assert "comprehensiveness" in printed and "(higher is better)" in printed
    assert "sufficiency" in printed and "(lower is better)" in printed
    assert "AOPC comprehensiveness" in printed
