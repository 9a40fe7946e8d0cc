"""A greedy black-box attack: word importance by deletion, then synonym swaps.

For any classifier (class probabilities are enough). Per example:

1. the original is predicted; with a gold label (the model's ``MulticlassPreds.parent``
   field) that the model already gets wrong, the attack is ``skipped`` (TextAttack's
   convention, decided before any search: a row with no word to change is skipped too
   when the model gets it wrong, and fails when it gets it right); without one, the
   predicted label is attacked;
2. each word is deleted in turn and ranked by how far that lowers the attacked label's
   probability (the deletion importance of TextFooler and TextAttack's ``delete``);
3. in that order, each word is replaced by each of its synonyms (on top of the swaps
   kept so far); the candidate that lowers the label's probability most is kept; the
   attack *succeeds* as soon as the prediction changes, and *fails* once more than
   ``max_share`` of the words (default 0.25, at least one word) would change, the words
   run out, or the ``query_budget`` (default 500 model queries per example, the
   original and the deletions included) is spent (status ``budget_exhausted``).

Synonyms come from a ``lexicon`` in ``word -> syn | syn`` form when one is given, else
from the offline WordNet through the synonyms generator's source (single words, every
part of speech, stop words left alone; a clear error says how to install WordNet when it
is missing), at most ``max_synonyms`` per word. Each step predicts
the candidates of every example still running in one call through the engine (batched,
de-duplicated), never one model call per candidate.

A successful attack gives one counterfactual (the adversarial text, its swaps as spans);
every example's ``notes`` hold ``attack`` (succeeded, failed, skipped), ``queries``,
``words_changed`` and ``words_total``: what TextAttack's summary reads
(``lumos.engine.counterfactual_stats.attack_summary_of``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
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
from lumos.components.generators.base import (
    Edit,
    apply_edits,
    match_case,
    parent_key,
    text_field,
)
from lumos.store import keys

SynonymFn = Callable[[str], list[str]]


@dataclass(frozen=True, kw_only=True)
class AttackConfig:
    field: str = dc_field(default="", metadata={
        "help": "the text field to edit; empty: the model's first text field"})
    query_budget: int = dc_field(default=500, metadata={
        "help": "model queries per example at most (original and deletions included); "
                "beyond it the attack fails with status budget_exhausted"})
    max_share: float = dc_field(default=0.25, metadata={
        "help": "largest share of the words an attack may change (at least one word)"})
    max_synonyms: int = dc_field(default=10, metadata={
        "help": "synonyms tried per word at most"})
    lexicon: str = dc_field(default="", metadata={"multiline": True,
        "help": "synonyms as 'word -> syn | syn' lines (or ';'-separated); empty: WordNet"})

    def __post_init__(self) -> None:
        if self.query_budget < 1:
            raise ValueError(f"'query_budget' must be >= 1, got {self.query_budget}")
        if not 0 < self.max_share <= 1:
            raise ValueError(f"'max_share' must be in (0, 1], got {self.max_share}")
        if self.max_synonyms < 1:
            raise ValueError(f"'max_synonyms' must be >= 1, got {self.max_synonyms}")


@dataclass
class AttackResult:
    row: TextRow
    label: int = -1
    outcome: str = "failed"  # succeeded | failed | skipped
    status: str = "ok"
    queries: int = 0
    swaps: dict[int, str] = field(default_factory=dict)
    probas: np.ndarray | None = None
    final: np.ndarray | None = None
    reason: str = ""
    order: list[int] = field(default_factory=list)
    cursor: int = 0

    def text(self, swaps: Mapping[int, str] | None = None) -> str:
        s = self.swaps if swaps is None else swaps
        new, _ = apply_edits(self.row.text, _swap_edits(self.row, s), self.row.field)
        return new


def _swap_edits(row: TextRow, swaps: Mapping[int, str]) -> list[Edit]:
    return [Edit(row.words[i].start, row.words[i].end, w) for i, w in sorted(swaps.items())]


def lexicon_synonyms(lexicon: str) -> SynonymFn:
    """Synonyms from ``word -> syn | syn`` rules (word_replace's format)."""
    from lumos.components.generators.word_replace import parse_rules

    table: dict[str, list[str]] = {}
    for rule in parse_rules(lexicon):
        table.setdefault(rule.source.lower(), []).extend(rule.targets)

    def syns(word: str) -> list[str]:
        return list(table.get(word.lower(), []))

    return syns


@functools.lru_cache(maxsize=50_000)
def _wordnet_synonyms(word: str) -> tuple[str, ...]:
    from lumos.components.generators.synonyms import STOP, synonyms_of

    low = word.lower()
    if low in STOP or len(low) < 3 or not low.isalpha():
        return ()
    out: dict[str, None] = {}
    for pos in ("a", "r", "v", "n"):
        for w in synonyms_of(low, pos, 50):
            if " " not in w and "-" not in w and w.lower() != low:
                out.setdefault(w.lower())
    return tuple(out)


def wordnet_synonyms(word: str) -> list[str]:
    """Single-word WordNet synonyms of ``word`` over its parts of speech (adjectives,
    adverbs, verbs, then nouns), from the synonyms generator's source
    (``lumos.components.generators.synonyms.synonyms_of``); stop words and words
    shorter than three letters have none, as there."""
    return list(_wordnet_synonyms(word))


def greedy_search(rows: Sequence[TextRow], score: Scorer, synonyms: SynonymFn, *,
                  query_budget: int = 500, max_share: float = 0.25, max_synonyms: int = 10,
                  gold: Sequence[int | None] | None = None) -> list[AttackResult]:
    """The attack over all ``rows`` at once: one ``score`` call per step for every row
    still running (originals, deletions, then one word's swaps per row per step)."""
    results = [AttackResult(row=r) for r in rows]
    golds = list(gold) if gold is not None else [None] * len(rows)
    gold_of = {id(res): g for res, g in zip(results, golds, strict=True)}
    # TextAttack decides "skipped" before it searches: an original the model already
    # gets wrong is skipped even when it has no word to change, so a row without words
    # is predicted too when it has a gold label (without one it cannot be skipped: it
    # fails, unqueried)
    live = [res for res in results if res.row.words or gold_of[id(res)] is not None]
    for res in results:
        if not res.row.words:
            res.reason = "no words to change"
    if not live:
        return results
    originals = score([res.row.example for res in live])
    running: list[AttackResult] = []
    for res, p in zip(live, originals, strict=True):
        res.probas, res.final, res.queries = p, p, 1
        pred = int(np.argmax(p))
        g = gold_of[id(res)]
        if g is not None and g != pred:
            res.outcome, res.status, res.reason = "skipped", "skipped", \
                "the model already gets the original wrong"
            continue
        res.label = pred
        if res.row.words:
            running.append(res)
    # 1. deletion importance (within each example's budget)
    batch: list[tuple[AttackResult, int]] = []
    for res in running:
        n = len(res.row.words)
        take = min(n, query_budget - res.queries)
        batch.extend((res, i) for i in range(take))
        res.queries += take
        if take < n:
            res.status = "budget_exhausted"
    probas = score([res.row.with_text(_deleted(res.row, i)) for res, i in batch])
    drops: dict[int, dict[int, float]] = {}
    for (res, i), p in zip(batch, probas, strict=True):
        assert res.probas is not None
        drops.setdefault(id(res), {})[i] = float(res.probas[res.label] - p[res.label])
    cap: dict[int, int] = {}
    for res in running:
        d = drops.get(id(res), {})
        res.order = sorted(d, key=lambda i: (-d[i], i))
        cap[id(res)] = max(1, math.floor(max_share * len(res.row.words)))
    # 2. greedy swaps, one word per example per step
    while running:
        step: list[tuple[AttackResult, int, str]] = []
        still: list[AttackResult] = []
        for res in running:
            if res.status == "budget_exhausted" and res.queries >= query_budget:
                continue
            cands: list[tuple[int, str]] = []
            while res.cursor < len(res.order) and not cands:
                i = res.order[res.cursor]
                res.cursor += 1
                word = res.row.words[i].text
                seen = {word.lower()}
                for s in synonyms(word):
                    if s.lower() in seen:
                        continue
                    seen.add(s.lower())
                    cands.append((i, match_case(word, s)))
                    if len(cands) >= max_synonyms:
                        break
            if not cands:
                continue  # words ran out: failed
            left = query_budget - res.queries
            if left < len(cands):
                cands = cands[:max(left, 0)]
                res.status = "budget_exhausted"
            if not cands:
                continue
            res.queries += len(cands)
            step.extend((res, i, w) for i, w in cands)
            still.append(res)
        if not step:
            break
        texts = [res.row.with_text(res.text({**res.swaps, i: w})) for res, i, w in step]
        probas = score(texts)
        best: dict[int, tuple[float, int, str, np.ndarray]] = {}
        for (res, i, w), p in zip(step, probas, strict=True):
            key = id(res)
            cur = (float(p[res.label]), i, w, p)
            if key not in best or cur[0] < best[key][0]:
                best[key] = cur
        running = []
        for res in still:
            assert res.final is not None
            prob, i, w, p = best[id(res)]
            if prob < float(res.final[res.label]) or int(np.argmax(p)) != res.label:
                res.swaps[i] = w
                res.final = p
            if int(np.argmax(res.final)) != res.label:
                res.outcome = "succeeded"
                if res.status == "budget_exhausted":
                    res.status = "ok"
                continue
            if len(res.swaps) >= cap[id(res)]:
                res.reason = f"more than {max_share:.0%} of the words would change"
                continue
            if res.status == "budget_exhausted" and res.queries >= query_budget:
                continue
            running.append(res)
    for res in results:
        if res.outcome == "failed" and not res.reason:
            res.reason = ("query budget spent" if res.status == "budget_exhausted"
                          else "no synonym swap changed the prediction")
    return results


def _deleted(row: TextRow, i: int) -> str:
    new, _ = apply_edits(row.text, removal_edits(row.text, row.words, [i]), row.field)
    return new


def gold_index(example: Mapping[str, Any], model: Any, pf: str) -> int | None:
    """The gold label's index in the model's vocabulary, when the row has one."""
    fs = model.output_spec()[pf]
    gf = getattr(fs, "parent", None)
    vocab = tuple(getattr(fs, "vocab", ()) or ())
    g = example.get(gf) if gf else None
    return vocab.index(g) if g in vocab else None


@register("greedy_attack", display_name="Greedy synonym attack")
class GreedyAttack(Generator):
    """Word importance by deletion, then greedy synonym swaps (see the module)."""

    version = "1"
    Config: ClassVar[type[Any]] = AttackConfig
    tasks: ClassVar[frozenset[str]] = frozenset({"classification"})
    needs_model: ClassVar[bool] = True

    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        model = context.model
        pf = probas_field(model, self.id)
        assert model is not None
        syns = lexicon_synonyms(config.lexicon) if config.lexicon else wordnet_synonyms
        rows = [TextRow.of(ex, parent_key(ex, context.dataset_spec),
                           text_field(config.field, context, ex, self.id)) for ex in examples]
        results = greedy_search(rows, engine_scorer(context, model, pf), syns,
                                query_budget=config.query_budget,
                                max_share=config.max_share,
                                max_synonyms=config.max_synonyms,
                                gold=[gold_index(ex, model, pf) for ex in examples])
        labels = tuple(model.output_spec()[pf].vocab or ())
        chash = keys.config_hash(config)
        return [self._generated(res, labels, chash) for res in results]

    def _generated(self, res: AttackResult, labels: Sequence[str], chash: str) -> Generated:
        row = res.row
        notes: dict[str, Any] = {"attack": res.outcome, "queries": res.queries,
                                 "words_changed": len(res.swaps) if res.outcome == "succeeded"
                                 else 0,
                                 "words_total": len(row.words)}
        if res.reason:
            notes["reason"] = res.reason
        out = []
        if res.outcome == "succeeded":
            assert res.final is not None
            cf, _ = counterfactual(
                row, _swap_edits(row, res.swaps), generator=self.id, version=self.version,
                config_hash=chash,
                meta={"swaps": {row.words[i].text: w for i, w in sorted(res.swaps.items())},
                      "positions": sorted(res.swaps), "queries": res.queries,
                      "label_before": _label(labels, res.label),
                      "label_after": _label(labels, int(np.argmax(res.final)))})
            out.append(cf)
        status = res.status
        if res.outcome == "skipped":
            status = "skipped"
        elif res.outcome == "failed" and status == "ok":
            status = "no_change"
        return Generated(parent=row.parent, counterfactuals=out, status=status, notes=notes)


def _label(labels: Sequence[str], i: int) -> str:
    return labels[i] if 0 <= i < len(labels) else str(i)
