"""Ablation flips: minimal sets of removed words that change a classifier's prediction.

For any model with class probabilities (a black box is enough). Sizes are searched in
turn, 1 to ``max_set_size`` (default 3): size 1 removes each word (the first ``budget``
words of a longer text); the words are then ranked by how far removing each one lowers
the predicted class's probability, and size *k* tries combinations of the ranked words
that do not already flip, most important first, skipping any set that holds a smaller
flip (so every set reported is minimal). Each example tries at most ``budget``
candidates (default 500); an example that stops there has status ``budget_exhausted``
(what it found is kept). Every step predicts the candidates of *all* examples in one
call through the engine (batched, de-duplicated), never one model call per candidate;
LIT's ablation flips make about 420 single-row calls per tweet.

One counterfactual per minimal flip set: the text without those words (whitespace kept
tidy), its span provenance, and in ``meta`` the removed words, their positions, the set
size and the labels before and after.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import field as dc_field
from typing import Any, ClassVar

import numpy as np

from lumos.api.component import Generated, Generator
from lumos.api.context import RunContext
from lumos.api.registry import register
from lumos.components.generators._search import (
    Scorer,
    TextRow,
    counterfactual,
    engine_scorer,
    probas_field,
    removal_edits,
)
from lumos.components.generators.base import apply_edits, parent_key, text_field
from lumos.store import keys


@dataclass(frozen=True, kw_only=True)
class AblationConfig:
    field: str = dc_field(default="", metadata={
        "help": "the text field to edit; empty: the model's first text field"})
    max_set_size: int = dc_field(default=3, metadata={
        "help": "largest number of words removed together"})
    budget: int = dc_field(default=500, metadata={
        "help": "candidates predicted per example at most; beyond it the example's "
                "status is budget_exhausted"})

    def __post_init__(self) -> None:
        if self.max_set_size < 1:
            raise ValueError(f"'max_set_size' must be >= 1, got {self.max_set_size}")
        if self.budget < 1:
            raise ValueError(f"'budget' must be >= 1, got {self.budget}")


@dataclass
class AblationResult:
    """One example's search: the original label, minimal flip sets (word indices) with
    the probabilities after removal, the status and the candidates tried."""

    row: TextRow
    label: int = -1
    probas: np.ndarray | None = None
    flips: list[tuple[tuple[int, ...], np.ndarray]] = field(default_factory=list)
    status: str = "ok"
    tried: int = 0
    reason: str = ""


def _is_superset(combo: tuple[int, ...], found: Sequence[frozenset[int]]) -> bool:
    s = set(combo)
    return any(f <= s for f in found)


def ablation_search(rows: Sequence[TextRow], score: Scorer, *, max_set_size: int = 3,
                    budget: int = 500) -> list[AblationResult]:
    """The search over all ``rows`` at once; ``score`` is called once per set size with
    that size's candidates of every row (size 1 with the originals first, in the same
    call)."""
    return minimal_flip_search(
        rows, score, units=[list(range(len(r.words))) for r in rows],
        text_for=_removed_text, max_set_size=max_set_size, budget=budget,
        empty_reason="no words to remove")


def minimal_flip_search(rows: Sequence[TextRow], score: Scorer, *,
                        units: Sequence[Sequence[int]],
                        text_for: Callable[[TextRow, Sequence[int]], str],
                        max_set_size: int, budget: int,
                        originals: Sequence[np.ndarray] | None = None,
                        empty_reason: str = "nothing to edit") -> list[AblationResult]:
    """Minimal sets of edit units (``units[i]``: the positions row ``i`` may edit) whose
    edit, ``text_for(row, combo)``, changes the predicted class; sizes 1 to
    ``max_set_size``, units ranked by the size-1 drop of the predicted class's
    probability, at most ``budget`` candidates per row. ``originals``: the rows' class
    probabilities when already known (else predicted in the size-1 call, first)."""
    results = [AblationResult(row=r) for r in rows]
    unit_of = {id(res): list(u) for res, u in zip(results, units, strict=True)}
    active = [res for res in results if unit_of[id(res)]]
    for res in results:
        if not unit_of[id(res)]:
            res.status, res.reason = "no_change", empty_reason
    if not active:
        return results
    def known(got: Sequence[np.ndarray]) -> None:
        for res, p in zip(active, got, strict=True):
            res.probas, res.label = np.asarray(p, dtype=float), int(np.argmax(p))

    if originals is not None:
        by_id = {id(res): p for res, p in zip(results, originals, strict=True)}
        known([by_id[id(res)] for res in active])
    ranked: dict[int, list[int]] = {}
    for size in range(1, max_set_size + 1):
        batch: list[tuple[AblationResult, tuple[int, ...]]] = []
        for j, res in enumerate(active):
            mine = unit_of[id(res)]
            if size > len(mine):
                continue
            left = budget - res.tried
            if left <= 0:
                continue
            if size == 1:
                combos: Iterator[tuple[int, ...]] = ((i,) for i in mine)
            else:
                combos = itertools.combinations(ranked[j], size)
            found = [frozenset(f) for f, _ in res.flips]
            took = 0
            for combo in combos:
                if size > 1 and _is_superset(combo, found):
                    continue
                if took >= left:
                    res.status = "budget_exhausted"
                    break
                batch.append((res, combo))
                took += 1
            res.tried += took
        cands = [res.row.with_text(text_for(res.row, combo)) for res, combo in batch]
        if size == 1 and originals is None:
            # the singles do not depend on the originals' classes: one call for both
            # (one fewer part-filled last batch); the originals come first
            got = score([res.row.example for res in active] + cands)
            known(got[:len(active)])
            probas = got[len(active):]
        elif not batch:
            continue
        else:
            probas = score(cands)
        by_res: dict[int, list[tuple[tuple[int, ...], np.ndarray]]] = {}
        for (res, combo), p in zip(batch, probas, strict=True):
            by_res.setdefault(id(res), []).append((combo, p))
            if int(np.argmax(p)) != res.label:
                res.flips.append((combo, p))
        if size == 1:
            for j, res in enumerate(active):
                assert res.probas is not None
                singles = by_res.get(id(res), [])
                flipped = {c[0] for c, p in singles if int(np.argmax(p)) != res.label}
                drop = {c[0]: float(res.probas[res.label] - p[res.label]) for c, p in singles}
                order = sorted((i for i in drop if i not in flipped),
                               key=lambda i: (-drop[i], i))
                ranked[j] = order
    for res in active:
        if not res.flips and res.status == "ok":
            res.status, res.reason = "no_change", "no flip within the caps"
    return results


def _removed_text(row: TextRow, combo: Sequence[int]) -> str:
    new, _ = apply_edits(row.text, removal_edits(row.text, row.words, combo), row.field)
    return new


@register("ablation_flips", display_name="Ablation flips")
class AblationFlips(Generator):
    """Minimal sets of removed words that change the prediction (see the module)."""

    version = "1"
    Config: ClassVar[type[Any]] = AblationConfig
    tasks: ClassVar[frozenset[str]] = frozenset({"classification"})
    needs_model: ClassVar[bool] = True

    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        model = context.model
        pf = probas_field(model, self.id)
        assert model is not None
        rows = [TextRow.of(ex, parent_key(ex, context.dataset_spec),
                           text_field(config.field, context, ex, self.id)) for ex in examples]
        results = ablation_search(rows, engine_scorer(context, model, pf),
                                  max_set_size=config.max_set_size, budget=config.budget)
        return [self._generated(res, model_labels(model, pf), keys.config_hash(config))
                for res in results]

    def _generated(self, res: AblationResult, labels: Sequence[str], chash: str
                   ) -> Generated:
        row = res.row
        out = []
        for combo, p in res.flips:
            cf, _ = counterfactual(
                row, removal_edits(row.text, row.words, combo), generator=self.id,
                version=self.version, config_hash=chash,
                meta={"removed": [row.words[i].text for i in combo],
                      "positions": list(combo), "set_size": len(combo),
                      "label_before": _label(labels, res.label),
                      "label_after": _label(labels, int(np.argmax(p)))})
            out.append(cf)
        notes: dict[str, Any] = {"candidates": res.tried,
                                 "queries": res.tried + (res.probas is not None)}
        if res.reason:
            notes["reason"] = res.reason
        return Generated(parent=row.parent, counterfactuals=out, status=res.status,
                         notes=notes)


def model_labels(model: Any, field: str) -> tuple[str, ...]:
    return tuple(model.output_spec()[field].vocab or ())


def _label(labels: Sequence[str], i: int) -> str:
    return labels[i] if 0 <= i < len(labels) else str(i)
