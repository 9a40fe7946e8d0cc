"""What the model-driven searches share (ablation flips, the greedy attack, HotFlip,
masked-LM substitution): the class-probability field of the model, a scorer that
predicts a whole step's candidates at once, word removal with tidy whitespace, and the
counterfactual row a search emits.

A search never calls the model itself. It asks a :data:`Scorer` for the class
probabilities of a list of candidate rows; :func:`engine_scorer` sends the whole list
through ``context.predict`` (batched by length, de-duplicated, cached in memory as
transient rows). Each search predicts one list per step for *all* its examples, so a
run costs a handful of engine calls, whatever the number of candidates. The benchmark
passes a scorer that calls ``model.predict([row])`` once per candidate, for the
reference tools' pattern, and checks that both find the same counterfactuals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lumos.api import types as T
from lumos.api.component import Counterfactual, SpanChange
from lumos.api.context import RunContext
from lumos.api.dataset import ID_FIELD, PARENT_FIELD
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.components.generators.base import Edit, Word, apply_edits, words

#: class probabilities (one array per row) for a list of rows
Scorer = Callable[[Sequence[Mapping[str, Any]]], list[np.ndarray]]


def probas_field(model: Model | None, generator_id: str) -> str:
    """The model's first class-probability output (``MulticlassPreds``)."""
    if model is None:
        raise SpecError(f"{generator_id}: needs a model (give --model, or a model in the "
                        "run context)")
    for name, fs in model.output_spec().items():
        if isinstance(fs, T.MulticlassPreds):
            return name
    raise SpecError(f"{generator_id}: the model has no class-probability output "
                    f"(MulticlassPreds) among {sorted(model.output_spec())}; this search "
                    "supports classifiers")


def engine_scorer(context: RunContext, model: Model, field: str) -> Scorer:
    """A scorer through the engine: one ``context.predict`` per list of candidates."""

    def score(rows: Sequence[Mapping[str, Any]]) -> list[np.ndarray]:
        if not rows:
            return []
        context.check_cancelled()
        outs = context.predict(model, rows, fields=[field], transient=True)
        return [np.asarray(o[field], dtype=float) for o in outs]

    return score


def removal_edits(text: str, ws: Sequence[Word], removed: Sequence[int]) -> list[Edit]:
    """Edits that delete the words ``removed`` (indices into ``ws``) and one run of
    whitespace beside each (after it, else before it), merged so they never overlap:
    ``"I really like it"`` without ``really`` reads ``"I like it"``."""
    gone = np.zeros(len(text) + 1, dtype=bool)
    for i in removed:
        w = ws[i]
        s, e = w.start, w.end
        after = e
        while after < len(text) and text[after].isspace():
            after += 1
        if after > e:
            e = after
        else:
            before = s
            while before > 0 and text[before - 1].isspace():
                before -= 1
            s = before
        gone[s:e] = True
    edits: list[Edit] = []
    i = 0
    while i < len(text):
        if gone[i]:
            j = i
            while j < len(text) and gone[j]:
                j += 1
            edits.append(Edit(i, j, ""))
            i = j
        else:
            i += 1
    return edits


@dataclass(frozen=True)
class TextRow:
    """A parent row being searched: its key, the edited field, its text and words."""

    example: Mapping[str, Any]
    parent: str
    field: str
    text: str
    words: list[Word]

    @classmethod
    def of(cls, example: Mapping[str, Any], parent: str, field: str) -> TextRow:
        value = example.get(field)
        text = value if isinstance(value, str) else ""
        return cls(example=example, parent=parent, field=field, text=text,
                   words=words(text))

    def with_text(self, text: str) -> dict[str, Any]:
        """The parent's fields with ``field`` set to ``text`` (no ``id``)."""
        row = {k: v for k, v in self.example.items() if k != ID_FIELD}
        row[self.field] = text
        return row


def counterfactual(row: TextRow, edits: Sequence[Edit], *, generator: str, version: str,
                   config_hash: str, meta: Mapping[str, Any],
                   flags: tuple[str, ...] = ()) -> tuple[Counterfactual, str]:
    """The counterfactual row for ``edits`` on ``row`` and its new text."""
    new_text, changes = apply_edits(row.text, edits, row.field)
    return counterfactual_from_text(row, new_text, changes, generator=generator,
                                    version=version, config_hash=config_hash, meta=meta,
                                    flags=flags), new_text


def counterfactual_from_text(row: TextRow, new_text: str, changes: tuple[SpanChange, ...],
                             *, generator: str, version: str, config_hash: str,
                             meta: Mapping[str, Any], flags: tuple[str, ...] = ()
                             ) -> Counterfactual:
    example = row.with_text(new_text)
    example[PARENT_FIELD] = row.parent
    return Counterfactual(example=example, parent=row.parent, generator=generator,
                          version=version, config_hash=config_hash, changes=changes,
                          meta=dict(meta), flags=flags)
