"""Rendering 10,000 tokens with the Highlighter (goal: under a second).

Values are given (no model runs), so this times what the highlighter itself does:
aligning WordPiece tokens onto the text by offsets, aggregating them per word, choosing
the scale, escaping and writing the standalone page (and the notebook fragment). Side by
side with ``lumos explain``'s HTML renderer (``components.salience.html.render_html``) on
the same tokens, which colours model tokens without alignment or a legend of steps.

    .venv/bin/python benchmarks/bench_highlight.py [--tokens 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

WORDS = ["the", "unbelievably", "good", "movie", "was", "naïve", "<b>", "&amp;", "مرحبا",
         "😀", "playing", "acting", "isn't", "\"quoted\"", "cast", "awful"]


def pieces(word: str) -> list[str]:
    """A WordPiece-like split: long words in 4-character pieces."""
    w = word.lower()
    if len(w) <= 5:
        return [w]
    return [w[:4]] + ["##" + w[i:i + 4] for i in range(4, len(w), 4)]


def corpus(n_tokens: int, per_sentence: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    texts, tokens, values = [], [], []
    total = 0
    while total < n_tokens:
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), per_sentence)]
        toks = ["[CLS]"] + [p for w in words for p in pieces(w)] + ["[SEP]"]
        toks = toks[: n_tokens - total]
        texts.append(" ".join(words))
        tokens.append(toks)
        values.append(rng.standard_normal(len(toks)))
        total += len(toks)
    return texts, tokens, values


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from lumos.components.salience.html import render_html
    from lumos.visual.highlight import highlight

    texts, tokens, values = corpus(args.tokens)
    n = sum(len(t) for t in tokens)
    print(f"{n:,} tokens in {len(texts)} sentences, median of {args.repeat} runs")

    def words_page() -> str:
        return highlight(tokens, values, texts=texts, align="word").html()

    def chars_page() -> str:
        return highlight(tokens, values, texts=texts, align="char").html()

    def tokens_page() -> str:
        return highlight(tokens, values, align="token").html()

    def fragment() -> str:
        return highlight(tokens, values, texts=texts, align="word")._repr_html_()

    results = [{"tokens": t, "salience": v, "target": {}} for t, v in zip(tokens, values,
                                                                          strict=True)]

    def baseline() -> str:
        return render_html(results, method="occlusion", title="baseline")

    base = timed(baseline, args.repeat)
    for name, fn in (("word alignment, page", words_page), ("char alignment, page", chars_page),
                     ("model tokens, page", tokens_page), ("word alignment, fragment", fragment)):
        s = timed(fn, args.repeat)
        size = len(fn().encode()) / 1e6
        print(f"highlight {name}: {s:.3f} s ({size:.1f} MB), {s / base:.2f}x the explain "
              f"renderer's {base:.3f} s; goal under 1 s: {'met' if s < 1 else 'missed'}")


if __name__ == "__main__":
    main()
