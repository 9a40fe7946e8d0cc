"""Agreement between two methods' salience maps: Spearman and Kendall rank correlation
per example, once the maps are aligned on the same tokens (a sub-word map summed into a
word map's words; attention maps' special tokens set aside). It is also the comparison
of the model-randomisation check.

The runs that call methods many times — agreement of several methods, the
model-randomisation check — are the engine's (``lumos.engine.agreement``,
``.randomisation``); this module holds their measure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api.types import SpecError


def rank_correlation(a: Sequence[float] | np.ndarray,
                     b: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(Spearman, Kendall) of two equally long score lists; NaN when either is constant."""
    from scipy.stats import kendalltau, spearmanr

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise SpecError(f"agreement: maps of {len(x)} and {len(y)} tokens")
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan
    return float(spearmanr(x, y).statistic), float(kendalltau(x, y).statistic)


def _spelling(text: str) -> str:
    """What a token or word spells once case, accents, spaces and the sub-word markers
    of WordPiece (``##``), byte-level BPE (``Ġ``, ``Ċ``) and SentencePiece (``▁``) are
    set aside: the form in which a word and its pieces can be compared."""
    text = "".join(c for c in text.removeprefix("##") if c not in "ĠĊ▁")
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


def pieces_to_words(tokens: Sequence[str], salience: Any, words: Sequence[str]
                    ) -> np.ndarray | None:
    """A sub-word map summed per word (the sum keeps what the pieces attribute in all), or
    None when the pieces do not spell out the words ([UNK] pieces, a truncated input)."""
    sal = np.asarray(salience, dtype=np.float64)
    out = np.zeros(len(words), dtype=np.float64)
    j = 0
    for w, word in enumerate(words):
        want, got = _spelling(word), ""
        while len(got) < len(want) and j < len(tokens):
            got += _spelling(tokens[j])
            out[w] += sal[j]
            j += 1
        if got != want:
            return None
    return out if j == len(tokens) else None


_SPECIAL = re.compile(r"^(\[[A-Z]+\]|<[^<>\s]+>)$")  # [CLS], [SEP], <s>, </s>, <|eot|>


def _without_specials(value: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    """A model-token map's tokens and scores less special tokens ([CLS], </s>) at its
    ends, which attention maps keep and word maps never have."""
    tokens, sal = list(value["tokens"]), np.asarray(value["salience"], dtype=np.float64)
    lo, hi = 0, len(tokens)
    while lo < hi and _SPECIAL.match(tokens[lo]):
        lo += 1
    while hi > lo and _SPECIAL.match(tokens[hi - 1]):
        hi -= 1
    return tokens[lo:hi], sal[lo:hi]


def _comparable(a: Mapping[str, Any], b: Mapping[str, Any]
                ) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Two maps' scores over the same tokens: as they are when their tokens match; two
    model-token maps over the positions both cover (an attention map keeps [CLS] and
    [SEP], a gradient map does not); a sub-word map summed into the other map's words
    (third item True); else None."""
    if list(a["tokens"]) == list(b["tokens"]):
        return np.asarray(a["salience"]), np.asarray(b["salience"]), False
    if a.get("granularity") == b.get("granularity") == "model_token" and \
            "positions" in a and "positions" in b:
        pa = {p: i for i, p in enumerate(a["positions"])}
        pb = {p: i for i, p in enumerate(b["positions"])}
        both = sorted(set(pa) & set(pb))
        if both and all(a["tokens"][pa[p]] == b["tokens"][pb[p]] for p in both):
            return (np.asarray(a["salience"])[[pa[p] for p in both]],
                    np.asarray(b["salience"])[[pb[p] for p in both]], False)
        return None
    for words, pieces, flip in ((a, b, False), (b, a, True)):
        if words.get("granularity") == "word" and pieces.get("granularity") == "model_token":
            summed = pieces_to_words(*_without_specials(pieces), words["tokens"])
            if summed is None:
                return None
            x = np.asarray(words["salience"], dtype=np.float64)
            return (summed, x, True) if flip else (x, summed, True)
    return None


def method_agreement(maps_a: Sequence[Mapping[str, Any]], maps_b: Sequence[Mapping[str, Any]],
                     *, absolute: bool = False) -> dict[str, Any]:
    """Mean Spearman and Kendall correlation between two methods' maps, example by
    example. A sub-word map is compared with a word map by summing its pieces per word
    (``words`` counts those examples); pairs that cannot be aligned are ``skipped``."""
    sp, kt, skipped, words = [], [], 0, 0
    for a, b in zip(maps_a, maps_b, strict=True):
        pair = _comparable(a, b)
        if pair is None:
            skipped += 1
            continue
        x, y, summed = pair
        words += summed
        if absolute:
            x, y = np.abs(x), np.abs(y)
        s, k = rank_correlation(x, y)
        if not math.isnan(s):
            sp.append(s)
            kt.append(k)
    return {"spearman": float(np.mean(sp)) if sp else None,
            "kendall": float(np.mean(kt)) if kt else None,
            "per_example_spearman": sp, "n": len(sp), "skipped": skipped, "words": words}
