"""The validity guard: is a counterfactual still a fair test of the model?

A "successful" flip is no robustness failure when the edit changed the meaning. Each
row gets ``validity``: check id -> ``"passed"``, ``"failed"`` or ``"not_checked"``, and
``valid``: False when any check failed, True only when every check ran and passed, None
otherwise (a check that could not run never counts as passed). Checks and defaults
(:class:`ValidityConfig`):

- ``antonym``: no changed word became one of its WordNet antonyms ("good" -> "bad",
  "loved" -> "hated": base forms compared).
  Not checked without the offline WordNet.
- ``negation``: the row has as many negation cues as its parent (:data:`NEGATION_CUES`,
  and any word ending in "n't"), so adding or removing "not" fails; "do not" -> "don't"
  keeps one cue and passes.
- ``char_change``: at most ``max_char_change`` (30 %) of the parent's characters changed,
  counted over the changed spans (each span counts its longer side).
- ``embedding``: the cosine similarity of the model's own pooled embeddings of row and
  parent is at least ``min_similarity`` (0.8). Not checked when the model exposes none.
- ``pos_in_context``: present only when a generator took a word's part of speech out of
  context (flag ``pos_out_of_context``: WordNet's, no tagger); always ``not_checked``,
  so such rows are never marked valid (lower validity).

Rows without a parent (template rows) are ``not_checked`` on every parent comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumos.api.component import Counterfactual
from lumos.components.generators import wordnet
from lumos.components.generators.base import WORD

PASSED, FAILED, NOT_CHECKED = "passed", "failed", "not_checked"

NEGATION_CUES = frozenset({
    "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "nowhere",
    "cannot", "without", "nope", "nah", "aint", "ain't"})


@dataclass(frozen=True, kw_only=True)
class ValidityConfig:
    max_char_change: float = field(default=0.3, metadata={
        "help": "largest share of the parent's characters a valid row may change"})
    min_similarity: float = field(default=0.8, metadata={
        "help": "smallest cosine similarity of the model's embeddings (row vs parent)"})
    antonyms: bool = True
    negation: bool = True


def negation_count(text: str) -> int:
    n = 0
    for m in WORD.finditer(text):
        w = m.group().lower().replace("’", "'")
        if w in NEGATION_CUES or w.endswith("n't"):
            n += 1
    return n


def char_change_share(parent_text: str, cf: Counterfactual) -> float:
    changed = sum(max(c.end - c.start, c.new_end - c.new_start) for c in cf.changes)
    return changed / max(len(parent_text), 1)


def _antonym_swap(cf: Counterfactual) -> bool | None:
    """True when a changed word became its antonym; None without WordNet."""
    if not wordnet.available():
        return None
    for c in cf.changes:
        new_words = [m.group().lower() for m in WORD.finditer(c.new)]
        new = {" ".join(new_words)}.union(*(wordnet.base_forms(w) for w in new_words))
        for m in WORD.finditer(c.old):
            if wordnet.antonyms(m.group()) & new:
                return True
    return False


def _text(example: Mapping[str, Any], name: str) -> str:
    v = example.get(name)
    if v is None:
        return ""
    return v if isinstance(v, str) else " ".join(v)


def cosine(a: Any, b: Any) -> float:
    x, y = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    d = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y / d) if d > 0 else 0.0


def check(cf: Counterfactual, parent: Mapping[str, Any] | None, *,
          parent_output: Mapping[str, Any] | None = None,
          output: Mapping[str, Any] | None = None, embedding_field: str | None = None,
          config: ValidityConfig | None = None) -> Counterfactual:
    """``cf`` with its ``validity`` and ``valid`` set (see the module docstring)."""
    cfg = config or ValidityConfig()
    res: dict[str, str] = {}
    details: dict[str, Any] = {}
    if parent is None:
        res = {k: NOT_CHECKED for k in ("antonym", "negation", "char_change", "embedding")}
    else:
        fields = sorted({c.field for c in cf.changes})
        old = " ".join(_text(parent, f) for f in fields)
        new = " ".join(_text(cf.example, f) for f in fields)
        if cfg.antonyms:
            swap = _antonym_swap(cf)
            res["antonym"] = NOT_CHECKED if swap is None else FAILED if swap else PASSED
        if cfg.negation:
            a, b = negation_count(old), negation_count(new)
            res["negation"] = PASSED if a == b else FAILED
            details["negation_cues"] = [a, b]
        share = char_change_share(old, cf)
        details["char_change"] = round(share, 4)
        res["char_change"] = PASSED if share <= cfg.max_char_change else FAILED
        if embedding_field and parent_output is not None and output is not None \
                and embedding_field in parent_output and embedding_field in output:
            sim = cosine(parent_output[embedding_field], output[embedding_field])
            details["similarity"] = round(sim, 4)
            res["embedding"] = PASSED if sim >= cfg.min_similarity else FAILED
        else:
            res["embedding"] = NOT_CHECKED
    if "pos_out_of_context" in cf.flags:
        res["pos_in_context"] = NOT_CHECKED
    valid: bool | None
    if FAILED in res.values():
        valid = False
    elif NOT_CHECKED in res.values():
        valid = None
    else:
        valid = True
    meta = {**cf.meta, "validity_details": details} if details else cf.meta
    return dataclasses.replace(cf, validity=res, valid=valid, meta=meta)


def apply_validity(run: Any, model: Any, embedding_field: str | None,
                   config: ValidityConfig | None = None) -> list[Counterfactual]:
    """The guard over a :class:`lumos.engine.generate.GenerationRun`'s rows."""
    pidx = run.parent_index()
    out: list[Counterfactual] = []
    outputs: Sequence[Mapping[str, Any]] | None = run.outputs
    for n, cf in enumerate(run.counterfactuals):
        j = pidx.get(cf.parent)
        parent = run.parents[j] if j is not None else None
        p_out = run.parent_outputs[j] if j is not None and run.parent_outputs else None
        out.append(check(cf, parent, parent_output=p_out,
                         output=outputs[n] if outputs else None,
                         embedding_field=embedding_field, config=config))
    return out
