"""How far to trust a salience map.

- **Erasure** (ERASER, DeYoung et al., 2020): *comprehensiveness* is the drop in the
  target score when the top-k% tokens are removed, *sufficiency* the drop when only they
  are kept; *AOPC* averages each over the bins 1, 5, 10, 20, 50 %. High
  comprehensiveness and low sufficiency mean the map found what the model used.
  Word-level maps are erased by editing the text and calling the run context's
  ``predict`` (the engine's: batched, cached); model-token maps of a
  :class:`Differentiable` model by replacing the erased tokens' embeddings with the
  ``[MASK]`` (else pad, else zero) embedding and calling ``forward_from_embeds`` in
  batches.
- **Agreement** between two methods' maps: Spearman and Kendall rank correlation per
  example (also the comparison of the model-randomisation check).

The runs that call methods many times — adding faithfulness to an explanation, agreement
of several methods, the model-randomisation check — are the engine's
(``lumos.engine.faithfulness``, ``.agreement``, ``.randomisation``); this module holds
their measures.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lumos.api.context import RunContext
from lumos.api.dataset import ID_FIELD
from lumos.api.model import Differentiable, Model
from lumos.api.types import SpecError
from lumos.components.salience.perturbation import perturbed_examples
from lumos.components.salience.targets import Target, at_first_piece, pick_score

BINS = (0.01, 0.05, 0.1, 0.2, 0.5)


def _target(value: Mapping[str, Any]) -> Target:
    t = value["target"]
    return Target(t["output"], t.get("index"), t.get("label"), t.get("position"))


def top_k(salience: np.ndarray, fraction: float) -> np.ndarray:
    """Indices of the ``ceil(fraction * n)`` highest-salience tokens."""
    n = len(salience)
    k = min(n, max(1, math.ceil(fraction * n))) if n else 0
    return np.argsort(-np.asarray(salience, dtype=np.float64), kind="stable")[:k]


def _keep_masks(salience: np.ndarray, fractions: Sequence[float]) -> list[np.ndarray]:
    """For each fraction: keep-mask without the top tokens, then keep-mask of only them."""
    n = len(salience)
    masks = []
    for f in fractions:
        top = top_k(salience, f)
        comp = np.ones(n, bool)
        comp[top] = False
        masks += [comp, ~comp]
    return masks


def _word_copies(example: Mapping[str, Any], value: Mapping[str, Any],
                 masks: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    """The example with each keep-mask's words of the map's field erased."""
    fname = value["field"]
    base = {k: v for k, v in example.items() if k != ID_FIELD}
    return perturbed_examples(base, fname, list(value["tokens"]), masks,
                              value.get("mask_token", ""),
                              not isinstance(example.get(fname), str))


def _scorable(value: Mapping[str, Any], salience: np.ndarray) -> bool:
    """Whether a map can be scored: it has scores, and the target and score it explains."""
    return salience.size > 0 and "score" in value and "target" in value


def _word_scores(model: Model, value: Mapping[str, Any], copies: list[dict[str, Any]],
                 context: RunContext) -> list[float]:
    tgt = _target(value)
    outs = context.predict(model, copies, fields=[tgt.output], transient=True)
    return [pick_score(o[tgt.output], tgt) for o in outs]


def _erasure_baseline(model: Any) -> int | None:
    ids = dict(model.special_token_ids())
    for name in ("mask", "pad"):
        if name in ids:
            return int(ids[name])
    return None


def _token_scores(model: Any, example: Mapping[str, Any], value: Mapping[str, Any],
                  masks: Sequence[np.ndarray]) -> list[float]:
    import torch

    tgt = _target(value)
    emb = model.embed([example], tgt.output)
    # the scores below are per model token; a tagger's map targets a word (its tags and
    # its score are per word), whose prediction is read at the word's first piece, as the
    # map itself read it (not at the word's index, which lands on [CLS] or another piece)
    firsts = emb.extra.get("word_first_piece")
    if firsts is not None and tgt.position is not None:
        piece = at_first_piece(tgt, firsts[0], "faithfulness").piece
        tgt = dataclasses.replace(tgt, position=piece)
    x = emb.inputs_embeds[0].detach()
    base_id = _erasure_baseline(model)
    with torch.no_grad():
        if base_id is None:
            fill = torch.zeros_like(x[0])
        else:
            fill = model.embedding_layer()(torch.tensor([base_id], device=x.device))[0]
    positions = list(value["positions"])
    variants = []
    for keep in masks:
        v = x.clone()
        erased = [positions[i] for i in np.flatnonzero(~keep)]
        if erased:
            v[erased] = fill
        variants.append(v)
    scores: list[float] = []
    bs = max(1, int(model.max_batch_size))
    keys = list(emb.forward_kwargs)
    for start in range(0, len(variants), bs):
        chunk = torch.stack(variants[start:start + bs])
        kwargs = {k: emb.forward_kwargs[k].expand(len(chunk), *emb.forward_kwargs[k].shape[1:])
                  for k in keys}
        with torch.no_grad():
            out = model.forward_from_embeds(tgt.output, chunk, **kwargs).float().cpu().numpy()
        scores += [pick_score(row, tgt) for row in out]
    return scores


def erasure_scores(model: Model, examples: Sequence[Mapping[str, Any]],
                   maps: Sequence[Mapping[str, Any]], *, context: RunContext,
                   fractions: Sequence[float] = BINS, top_fraction: float = 0.2
                   ) -> list[dict[str, Any]]:
    """Comprehensiveness, sufficiency (at ``top_fraction``) and their AOPC per example.

    ``maps[i]`` is one salience value (TokenSalience mapping with ``target``,
    ``score`` and ``granularity``) for ``examples[i]``.
    """
    if len(maps) != len(examples):
        raise SpecError(f"faithfulness: {len(maps)} maps for {len(examples)} examples")
    fr = sorted(set(fractions) | {top_fraction})
    # every word-level map's erased copies reach the model together (sorted by length
    # across examples, fewer batches); the per-example loop below reads them from memory
    copies: list[list[dict[str, Any]] | None] = []
    by_output: dict[str, list[dict[str, Any]]] = {}
    for ex, value in zip(examples, maps, strict=True):
        sal = np.asarray(value.get("salience", []), dtype=np.float64)
        if value.get("granularity") != "word" or not _scorable(value, sal):
            copies.append(None)
            continue
        copies.append(_word_copies(ex, value, _keep_masks(sal, fr)))
        by_output.setdefault(_target(value).output, []).extend(copies[-1])
    for output, batch in by_output.items():
        context.predict(model, batch, fields=[output], transient=True)
    out = []
    for ex, value, erased in zip(examples, maps, copies, strict=True):
        sal = np.asarray(value["salience"], dtype=np.float64)
        by_tokens = value.get("granularity") == "model_token"
        if by_tokens and not isinstance(model, Differentiable):
            out.append({"comprehensiveness": None, "sufficiency": None,
                        "aopc_comprehensiveness": None, "aopc_sufficiency": None,
                        "reason": "model-token map of a model that is not Differentiable"})
            continue
        if not _scorable(value, sal):
            out.append({"comprehensiveness": None, "sufficiency": None,
                        "aopc_comprehensiveness": None, "aopc_sufficiency": None,
                        "reason": "empty map or no target"})
            continue
        if erased is not None:
            scores = _word_scores(model, value, erased, context)
        elif by_tokens:
            scores = _token_scores(model, ex, value, _keep_masks(sal, fr))
        else:
            raise SpecError(f"faithfulness: map granularity {value.get('granularity')!r} "
                            "is neither 'word' nor 'model_token'")
        full = float(value["score"])
        comp = {f: full - scores[2 * n] for n, f in enumerate(fr)}
        suff = {f: full - scores[2 * n + 1] for n, f in enumerate(fr)}
        out.append({
            "comprehensiveness": comp[top_fraction], "sufficiency": suff[top_fraction],
            "aopc_comprehensiveness": float(np.mean([comp[f] for f in fractions])),
            "aopc_sufficiency": float(np.mean([suff[f] for f in fractions])),
            "curve": {"fractions": fr, "comprehensiveness": [comp[f] for f in fr],
                      "sufficiency": [suff[f] for f in fr]},
        })
    return out


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | int | None]:
    """Mean of each erasure score over the examples that have one."""
    keys = ("comprehensiveness", "sufficiency", "aopc_comprehensiveness", "aopc_sufficiency")
    out: dict[str, float | int | None] = {}
    for k in keys:
        vals = [r[k] for r in rows if r.get(k) is not None]
        out[k] = float(np.mean(vals)) if vals else None
    out["n"] = sum(1 for r in rows if r.get("comprehensiveness") is not None)
    return out


# ------------------------------------------------------------------ rank agreement


def rank_correlation(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
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
