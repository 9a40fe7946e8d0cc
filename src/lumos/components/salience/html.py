"""Salience maps as one self-contained HTML page (no scripts, no external files).

Signed maps use the workbench's diverging palette (red: against the target, blue: for
it), unsigned maps a single hue; each example is scaled by its own largest absolute value, which the
page states. Faithfulness scores, when given, are shown per example and on average, each
with what it means and which way is better. Word pieces are shown joined as words
(:func:`merge_word_pieces`: ``##ing`` joins the word before it, ``Ġ``/``▁`` start a new
one), each word scored by the sum of its pieces' salience (attributions add up).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.components.metrics.erasure import SCORE_MEANINGS, score_label


def _colour(v: float, signed: bool) -> str:
    a = min(1.0, abs(v))
    # the workbench's palette (ui/src/lib/colors.ts, ColorBrewer RdBu): red
    # lowers the explained score, blue raises it; unsigned maps in blue
    if signed and v < 0:
        r, g, b = 178, 24, 43  # red
    elif signed:
        r, g, b = 33, 102, 172  # blue
    else:
        r, g, b = 8, 48, 107  # dark blue
    return f"rgba({r},{g},{b},{a:.3f})"


def display_token(t: str) -> str:
    """A model token as a reader would write it (the UI's rule): WordPiece ``##`` and the
    byte-level/SentencePiece space markers ``Ġ``/``▁`` dropped, ``Ċ`` (newline) as ⏎."""
    if t.startswith("##"):
        return t[2:]
    if t.startswith(("Ġ", "▁")):
        return t[1:] or "␣"
    if t in ("Ċ", "\n"):
        return "⏎"
    return t.replace("Ċ", "⏎")


_SPECIAL = re.compile(r"^(\[[A-Za-z_]+\]|<[^<>\s]+>)$")
_SPACE_MARKS = ("Ġ", "▁")


def merge_word_pieces(tokens: Sequence[str], salience: Sequence[float]
                      ) -> list[tuple[str, float, list[int]]]:
    """Join a model's word pieces into words, whatever the tokenizer: ``(word, score,
    piece positions)``, the score being the sum of the pieces' salience.

    WordPiece marks a continuation (``##ing`` joins the word before it); byte-level BPE
    and SentencePiece mark a word's start (``Ġ``, ``▁``): when a sequence uses those
    markers, a piece without one continues the word before it. Special tokens
    (``[CLS]``, ``<s>``) and newlines stay words of their own."""
    marked = any(str(t).startswith(_SPACE_MARKS) for t in tokens)
    words: list[tuple[str, float, list[int]]] = []
    closed = True  # the last word takes no continuation (none yet, special, newline)
    for i, (raw, s) in enumerate(zip(tokens, salience, strict=True)):
        t = str(raw)
        special = bool(_SPECIAL.match(t)) or t in ("Ċ", "\n")
        joins = not special and not closed and (
            t.startswith("##") or (marked and not t.startswith(_SPACE_MARKS)))
        text = display_token(t)
        if joins:
            word, score, pos = words[-1]
            words[-1] = (word + text, score + float(s), [*pos, i])
        else:
            words.append((text, float(s), [i]))
        closed = special
    return words


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{float(v):.3f}"


CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;margin:1em 0}
td,th{padding:.2em .7em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
.ex{margin:1.2em 0;padding:.6em .8em;border:1px solid #e4e4e4;border-radius:6px}
.meta{font-size:.85em;color:#555;margin-bottom:.3em}
.tok{padding:.05em .2em;margin:0 .08em;border-radius:3px;display:inline-block}
.legend span{display:inline-block;width:2.2em;height:1em;vertical-align:middle}
"""


def render_html(results: Sequence[Mapping[str, Any]], *, method: str, title: str = "",
                signed: bool = True, faithfulness: Sequence[Mapping[str, Any]] | None = None,
                summary: Mapping[str, Any] | None = None) -> str:
    """``results[i]`` is one salience value (tokens, salience, target, score, ...)."""
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>{esc(title or method)}</title><style>{CSS}</style></head><body>",
             f"<h1>{esc(title or method)}</h1>"]
    stops = [-1, -0.5, 0, 0.5, 1] if signed else [0, 0.25, 0.5, 0.75, 1]
    parts.append("<p class='legend'>" + ("against ← " if signed else "low ")
                 + "".join(f"<span style='background:{_colour(s, signed)}'></span>"
                           for s in stops)
                 + (" → for the target" if signed else " high")
                 + " (each example scaled by its largest |salience|; a word's salience is "
                 "the sum of its pieces')</p>")
    if summary:
        keys = [k for k in SCORE_MEANINGS if k != "delta" and k in summary]
        parts.append("<table><tr><th>faithfulness (mean)</th>"
                     + "".join(f"<th title='{esc(SCORE_MEANINGS[k][2])}'>"
                               f"{esc(SCORE_MEANINGS[k][0])}<br><small>"
                               f"{esc(SCORE_MEANINGS[k][1])}</small></th>" for k in keys)
                     + "</tr><tr><td>" + f"{summary.get('n', '')} examples</td>"
                     + "".join(f"<td>{_fmt(summary[k])}</td>" for k in keys) + "</tr></table>")
    for n, value in enumerate(results):
        sal = np.asarray(value.get("salience", []), dtype=np.float64)
        tokens = [str(t) for t in value.get("tokens", [])][:sal.size]
        words = merge_word_pieces(tokens, sal[:len(tokens)])
        scores = np.asarray([w[1] for w in words], dtype=np.float64)
        scale = float(np.abs(scores).max()) if scores.size else 0.0
        tgt = value.get("target") or {}
        meta = [f"#{n}"]
        if tgt.get("output"):
            meta.append(f"output {esc(str(tgt['output']))}")
        if tgt.get("label") is not None:
            meta.append(f"target {esc(str(tgt['label']))}")
        if tgt.get("position") is not None:
            meta.append(f"token {tgt['position']}")
        if value.get("score") is not None:
            meta.append(f"score {float(value['score']):.3f}")
        if value.get("delta") is not None:
            meta.append(esc(score_label("delta", float(value["delta"]), digits=4)))
        meta.append(f"max |salience| {scale:.3g}")
        if faithfulness is not None and faithfulness[n].get("comprehensiveness") is not None:
            f = faithfulness[n]
            meta.append(esc(score_label("comprehensiveness", f["comprehensiveness"])) + ", "
                        + esc(score_label("sufficiency", f["sufficiency"])))
        toks = []
        for word, s, pos in words:
            rel = s / scale if scale else 0.0
            colour = _colour(rel, signed)
            fg = "#fff" if abs(rel) > 0.6 else "#111"
            pieces = " + ".join(f"{tokens[i]} {sal[i]:.4g}" for i in pos)
            tip = f"{s:.4g}" if len(pos) == 1 else f"{s:.4g} = {pieces}"
            toks.append(f"<span class='tok' title='{esc(tip)}' style='background:{colour};"
                        f"color:{fg}'>{esc(word)}</span>")
        parts.append(f"<div class='ex'><div class='meta'>{' · '.join(meta)}</div>"
                     f"{' '.join(toks)}</div>")
    parts.append("</body></html>")
    return "".join(parts)


def render_sequence_html(results: Sequence[Mapping[str, Any]], *, method: str,
                         title: str = "") -> str:
    """``results[i]`` is one sequence-salience value: a table per example whose rows are
    the generated tokens and whose columns are the source and earlier tokens, each cell
    coloured by how much it drove that row's token (each row scaled by its own largest
    |salience|, since later tokens see more context)."""
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>{esc(title or method)}</title><style>{CSS}"
             ".seq td,.seq th{padding:.1em .3em;font-size:.85em;text-align:center}"
             ".scroll{overflow-x:auto}"
             ".seq .src{border-bottom:2px solid #888}</style></head><body>",
             f"<h1>{esc(title or method)}</h1>",
             "<p class='legend'>against ← " + "".join(
                 f"<span style='background:{_colour(s, True)}'></span>"
                 for s in (-1, -0.5, 0, 0.5, 1))
             + " → for the generated token (each row scaled by its largest |salience|)</p>"]
    for n, value in enumerate(results):
        source = [display_token(str(t)) for t in value.get("source", [])]
        target = [display_token(str(t)) for t in value.get("target", [])]
        sal = np.asarray(value.get("salience", []), dtype=np.float64).reshape(len(target), -1)
        cols = (source + target)[:sal.shape[1]]
        head = "".join(f"<th class='{'src' if i < len(source) else ''}'>{esc(t)}</th>"
                       for i, t in enumerate(cols))
        rows = []
        for r, tok in enumerate(target):
            row = sal[r]
            scale = float(np.abs(row).max()) if row.size else 0.0
            cells = []
            for s in row:
                rel = s / scale if scale else 0.0
                fg = "#fff" if abs(rel) > 0.6 else "#111"
                shown = f"{s:.2f}".replace("-0.00", "0.00")
                cells.append(f"<td title='{s:.4g}' style='background:{_colour(rel, True)};"
                             f"color:{fg}'>{shown}</td>")
            rows.append(f"<tr><th>{esc(tok)}</th>{''.join(cells)}</tr>")
        meta = f"#{n} · {len(target)} generated tokens · method " \
               f"{esc(str(value.get('method', method)))}"
        parts.append(f"<div class='ex'><div class='meta'>{meta}</div>"
                     f"<div class='meta'>source: {esc(' '.join(source))}</div>"
                     f"<div class='scroll'><table class='seq'><tr><th>generated ↓ / input →"
                     f"</th>{head}</tr>{''.join(rows)}</table></div></div>")
    parts.append("</body></html>")
    return "".join(parts)
