"""Erasure scores of a salience map (ERASER, DeYoung et al., 2020).

*Comprehensiveness* is the drop in the target score when the top-k% tokens are removed,
*sufficiency* the drop when only they are kept; *AOPC* averages each over the bins 1, 5,
10, 20, 50 %. High comprehensiveness and low sufficiency mean the map found what the
model used. Word-level maps are erased by editing the text and calling the run context's
``predict`` (the engine's: batched, cached); model-token maps of a
:class:`Differentiable` model by replacing the erased tokens' embeddings with the
``[MASK]`` (else pad, else zero) embedding and calling ``forward_from_embeds`` in
batches.

Adding these scores to an explanation is the engine's run
(``lumos.engine.faithfulness``); this module holds the measure.
"""

from __future__ import annotations

import dataclasses
import math
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

#: What each explanation score means and which way is better: (name, direction, meaning).
#: The CLI and the HTML export print these; the salience page says the same words.
SCORE_MEANINGS: dict[str, tuple[str, str, str]] = {
    "delta": ("completeness gap", "smaller is better",
              "integrated gradients' convergence delta: how far the attributions' sum is "
              "from the score difference to the baseline (near 0: enough steps)"),
    "comprehensiveness": ("comprehensiveness", "higher is better",
                          "how much the score drops when the most salient tokens are "
                          "removed"),
    "sufficiency": ("sufficiency", "lower is better",
                    "how much the score drops when only the most salient tokens are kept"),
    "aopc_comprehensiveness": ("AOPC comprehensiveness", "higher is better",
                               "comprehensiveness averaged over removing 1-50% of tokens"),
    "aopc_sufficiency": ("AOPC sufficiency", "lower is better",
                         "sufficiency averaged over keeping 1-50% of tokens"),
}


def score_label(key: str, value: float | None, *, digits: int = 3) -> str:
    """``"completeness gap 0.002 (smaller is better)"``: a score with what it means."""
    name, better, _ = SCORE_MEANINGS[key]
    shown = "n/a" if value is None else f"{value:.{digits}f}"
    return f"{name} {shown} ({better})"


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


@dataclasses.dataclass
class _Erased:
    """One model-token map's erased copies, ready for ``forward_from_embeds``."""

    target: Target
    variants: Any  # torch.Tensor [copies, tokens, dim]
    kwargs: dict[str, Any]  # the example's other forward inputs, each [1, ...]

    def shape_key(self) -> tuple[Any, ...]:
        """Copies with equal keys can share a forward pass without padding."""
        return (self.target.output, tuple(self.variants.shape[1:]), str(self.variants.dtype),
                tuple(sorted((k, tuple(v.shape[1:]), str(v.dtype))
                             for k, v in self.kwargs.items())))


def _token_copies(model: Any, example: Mapping[str, Any], value: Mapping[str, Any],
                  masks: Sequence[np.ndarray]) -> _Erased:
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
    return _Erased(tgt, torch.stack(variants), dict(emb.forward_kwargs))


#: model-token maps whose erased copies are built and sent together (bounds the memory
#: of the copies: about 0.7 MB each for a 40-token tweet on a 384-wide encoder)
WINDOW = 64


def _token_scores(model: Any, items: Sequence[_Erased], context: RunContext
                  ) -> list[list[float]]:
    """The target score of every erased copy of every item. Copies of items with equal
    shapes (the same output, token count and forward inputs) share forward passes of up to
    ``max_batch_size`` rows, none of them padded, so each row's score is what the item
    gets alone."""
    import torch

    scores: list[list[float]] = [[] for _ in items]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for n, item in enumerate(items):
        groups.setdefault(item.shape_key(), []).append(n)
    bs = max(1, int(model.max_batch_size))
    for members in groups.values():
        rows = [(n, k) for n in members for k in range(len(items[n].variants))]
        x = torch.cat([items[n].variants for n in members])
        kwargs = {key: torch.cat([items[n].kwargs[key].expand(
            len(items[n].variants), *items[n].kwargs[key].shape[1:]) for n in members])
            for key in items[members[0]].kwargs}
        output = items[members[0]].target.output
        for start in range(0, len(rows), bs):
            context.check_cancelled()
            part = slice(start, start + bs)
            with torch.no_grad():
                out = model.forward_from_embeds(
                    output, x[part], **{k: v[part] for k, v in kwargs.items()}
                ).float().cpu().numpy()
            for (n, _), row in zip(rows[part], out, strict=True):
                scores[n].append(pick_score(row, items[n].target))
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
        by_output.setdefault(_target(value).output, []).extend(copies[-1] or [])
    for output, batch in by_output.items():
        context.predict(model, batch, fields=[output], transient=True)
    # model-token maps: erased in embedding space, copies of equal shape batched together
    # (sorted by length, so that a window holds examples of equal token counts)
    token_maps = sorted((n for n, value in enumerate(maps)
                         if copies[n] is None and value.get("granularity") == "model_token"
                         and isinstance(model, Differentiable)
                         and _scorable(value, np.asarray(value.get("salience", []),
                                                         dtype=np.float64))),
                        key=lambda n: model.length_key(examples[n]))
    token_scores: dict[int, list[float]] = {}
    for w in range(0, len(token_maps), WINDOW):
        window = token_maps[w:w + WINDOW]
        items = [_token_copies(model, examples[n], maps[n], _keep_masks(
            np.asarray(maps[n]["salience"], dtype=np.float64), fr)) for n in window]
        token_scores.update(zip(window, _token_scores(model, items, context), strict=True))
    out: list[dict[str, Any]] = []
    for n, (value, erased) in enumerate(zip(maps, copies, strict=True)):
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
            scores = token_scores[n]
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
