"""Map a model's sub-word tokens back onto the text they came from.

A model's tokens (``"play" "##ing"``, ``"Ġplaying"``, ``"▁playing"``) are located in the
original text left to right: the sub-word marker is removed, both sides are compared
case-folded and without accents (what uncased WordPiece tokenisers do to the text), and
each token gets the character offsets ``[start, end)`` of its match. Special tokens
(``[CLS]``, ``<s>``, ``</s>``, ``<pad>``…) and tokens not found (``[UNK]``) get none.

From the offsets:

* :func:`to_words` puts each whitespace-separated word of the text in one cell, whose
  value aggregates its tokens' values (``sum`` for attributions and attention, which add
  up; ``mean`` for activations; or ``max``, largest magnitude, sign kept);
* :func:`to_chars` keeps the original characters: one cell per token span, in the
  text's own spelling and case, with the text between spans (spaces) kept uncoloured.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

_SPECIAL = re.compile(r"^(\[[A-Za-z_]+\]|<\|?/?[A-Za-z_]*\|?>)$")
#: sub-word markers: WordPiece continuation, byte-level BPE space, SentencePiece space
_MARKERS = ("##", "Ġ", "▁", "Ċ")
AGGREGATES = ("sum", "mean", "max")


@dataclass
class Cell:
    """One coloured unit: ``text`` as shown, ``value`` (NaN: none), and the model tokens
    it stands for with their values (for tooltips)."""

    text: str
    value: float
    parts: list[tuple[str, float]] = field(default_factory=list)
    #: plain text between cells (a space), shown without colour
    gap: bool = False


def is_special(token: str) -> bool:
    return bool(_SPECIAL.match(token))


def strip_marker(token: str) -> str:
    for m in _MARKERS:
        if token.startswith(m):
            return token[len(m):]
    return token


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` case-folded without combining marks, and for each character of the
    result the index of the character of ``text`` it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for d in unicodedata.normalize("NFKD", ch.casefold()):
            if unicodedata.combining(d):
                continue
            out.append(d)
            index.append(i)
    return "".join(out), index


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int] | None]:
    """Character offsets in ``text`` of each token (None for special or unfound ones)."""
    folded, index = _fold(text)
    out: list[tuple[int, int] | None] = []
    cursor = 0
    for tok in tokens:
        piece = strip_marker(str(tok))
        if not piece or is_special(str(tok)):
            out.append(None)
            continue
        fp, _ = _fold(piece)
        # look ahead only a little: a token is near where the last one ended
        j = folded.find(fp, cursor, cursor + len(fp) + 64) if fp else -1
        if j < 0:
            out.append(None)
            continue
        start = index[j]
        end = index[j + len(fp) - 1] + 1
        out.append((start, end))
        cursor = j + len(fp)
    return out


def aggregate(values: Sequence[float], how: str) -> float:
    vals = [float(v) for v in values if math.isfinite(float(v))]
    if not vals:
        return math.nan
    if how == "sum":
        return float(sum(vals))
    if how == "mean":
        return float(sum(vals) / len(vals))
    if how == "max":
        return max(vals, key=abs)
    raise ValueError(f"aggregate: must be one of {', '.join(AGGREGATES)}, got {how!r}")


def to_tokens(tokens: Sequence[str], values: Sequence[float]) -> list[Cell]:
    """One cell per model token, as the model spells it (markers kept)."""
    return [Cell(str(t), float(v), [(str(t), float(v))])
            for t, v in zip(tokens, values, strict=True)]


def to_words(text: str, tokens: Sequence[str], values: Sequence[float], *,
             how: str = "sum") -> list[Cell]:
    """One cell per whitespace-separated word of ``text``; gaps between words kept."""
    offsets = token_offsets(text, tokens)
    cells: list[Cell] = []
    pos = 0
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    t = 0
    for start, end in spans:
        if start > pos:
            cells.append(Cell(text[pos:start], math.nan, gap=True))
        parts: list[tuple[str, float]] = []
        while t < len(tokens):
            off = offsets[t]
            if off is None:
                t += 1
                continue
            if off[0] >= end:
                break
            parts.append((str(tokens[t]), float(values[t])))
            t += 1
        cells.append(Cell(text[start:end], aggregate([v for _, v in parts], how), parts))
        pos = end
    if pos < len(text):
        cells.append(Cell(text[pos:], math.nan, gap=True))
    return cells


def to_chars(text: str, tokens: Sequence[str], values: Sequence[float]) -> list[Cell]:
    """One cell per token's characters in ``text`` (its own spelling); text between
    tokens kept as uncoloured gaps."""
    offsets = token_offsets(text, tokens)
    cells: list[Cell] = []
    pos = 0
    for tok, v, off in zip(tokens, values, offsets, strict=True):
        if off is None:
            continue
        start, end = off
        if start < pos:  # two tokens on the same characters (a split ligature)
            continue
        if start > pos:
            cells.append(Cell(text[pos:start], math.nan, gap=True))
        cells.append(Cell(text[start:end], float(v), [(str(tok), float(v))]))
        pos = end
    if pos < len(text):
        cells.append(Cell(text[pos:], math.nan, gap=True))
    return cells


def words_from_tokens(tokens: Sequence[str], values: Sequence[float], *,
                      how: str = "sum") -> list[Cell]:
    """Words rebuilt from the tokens alone (no text given): a WordPiece ``##`` piece
    continues the word before it; with byte-level BPE or SentencePiece (tokens marked
    ``Ġ``/``▁`` where a word starts) an unmarked piece continues it. Special tokens are
    dropped."""
    toks = [str(t) for t in tokens]
    starts_marked = any(t.startswith(("Ġ", "▁")) for t in toks)
    groups: list[list[tuple[str, float]]] = []
    for tok, v in zip(toks, values, strict=True):
        if is_special(tok):
            continue
        if tok.startswith("##"):
            cont = bool(groups)
        elif starts_marked:
            cont = bool(groups) and not tok.startswith(("Ġ", "▁", "Ċ"))
        else:
            cont = False
        if cont:
            groups[-1].append((tok, float(v)))
        else:
            groups.append([(tok, float(v))])
    cells: list[Cell] = []
    for i, g in enumerate(groups):
        if i:
            cells.append(Cell(" ", math.nan, gap=True))
        word = "".join(strip_marker(t) if j == 0 or t.startswith("##") else t
                       for j, (t, _) in enumerate(g))
        cells.append(Cell(word, aggregate([v for _, v in g], how), g))
    return cells
