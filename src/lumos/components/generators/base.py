"""What the generators share: the text field they edit, word spans, applying edits with
span provenance, tag realignment for token-tagging rows, and the per-example budget.

A rule-like generator subclasses :class:`EditGenerator` and writes ``candidates``: for
one text, an iterator of :class:`Candidate` edits (in the order it prefers them). The
base turns each into a :class:`~lumos.api.component.Counterfactual` (new text, changed
spans, gold tags realigned, the parent's row key, the generator's id, version and config
hash), drops candidates that leave the text unchanged or repeat an earlier one, and stops
after ``budget`` candidates with status ``budget_exhausted``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, ClassVar

from lumos.api import types as T
from lumos.api.component import Counterfactual, Generated, Generator, SpanChange
from lumos.api.context import RunContext
from lumos.api.dataset import ID_FIELD, PARENT_FIELD
from lumos.api.types import SpecError
from lumos.store import keys

#: a word: letters, digits or underscores of any script, with inner apostrophes
#: ("don't", "l’homme"); ``\w`` is Unicode-aware for ``str`` patterns
WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str


def words(text: str) -> list[Word]:
    """The words of ``text`` with their character offsets."""
    return [Word(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str


@dataclass(frozen=True)
class Candidate:
    """One way to edit a text: the edits (non-overlapping) and what to say about it."""

    edits: tuple[Edit, ...]
    meta: Mapping[str, Any] = dc_field(default_factory=dict)
    flags: tuple[str, ...] = ()
    expect: Mapping[str, Any] | None = None
    #: set the gold label field to this value (a template's expected label)
    label: str | None = None


def apply_edits(text: str, edits: Sequence[Edit], field_name: str
                ) -> tuple[str, tuple[SpanChange, ...]]:
    """The edited text and one :class:`SpanChange` per edit that changes something."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    changes: list[SpanChange] = []
    pos = 0
    new_len = 0
    for e in ordered:
        if e.start < pos or e.end < e.start or e.end > len(text):
            raise ValueError(f"overlapping or out-of-range edit {e} on a text of "
                             f"{len(text)} characters")
        out.append(text[pos:e.start])
        new_len += e.start - pos
        old = text[e.start:e.end]
        if old != e.new:
            changes.append(SpanChange(field=field_name, start=e.start, end=e.end, old=old,
                                      new_start=new_len, new_end=new_len + len(e.new),
                                      new=e.new))
        out.append(e.new)
        new_len += len(e.new)
        pos = e.end
    out.append(text[pos:])
    return "".join(out), tuple(changes)


def match_case(template: str, word: str) -> str:
    """``word`` cased like ``template`` (UPPER, Title or as given)."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# ------------------------------------------------------------------ fields
def text_field(config_field: str, context: RunContext,
               example: Mapping[str, Any], generator_id: str) -> str:
    """The field a generator edits: the config's ``field``, else the first text field
    the model reads (the dataset's when there is no model), else the first tokens
    field (token tagging)."""
    if config_field:
        if config_field not in example:
            raise SpecError(f"{generator_id}: config option 'field' names '{config_field}', "
                            f"which the rows lack (fields: {sorted(example)}); set 'field' "
                            "to one of them")
        return config_field
    specs: list[T.Spec] = []
    if context.model is not None:
        specs.append(context.model.input_spec())
    if context.dataset_spec is not None:
        specs.append(context.dataset_spec)
    for kind in (T.TextSegment, T.Tokens):
        for spec in specs:
            for name, fs in spec.items():
                if type(fs) is kind and name in example:
                    return name
    for name, v in example.items():  # no spec given: the first text value
        if isinstance(v, str) and name != ID_FIELD and not name.startswith("_"):
            return name
    raise SpecError(f"{generator_id}: the rows have no text or tokens field to edit "
                    f"(fields: {sorted(example)}); set the config option 'field'")


def parent_key(example: Mapping[str, Any], spec: T.Spec | None) -> str:
    """The parent's row key: its ``id``, else a content hash of its fields."""
    given = example.get(ID_FIELD)
    if given not in (None, ""):
        return str(given)
    names = list(spec) if spec else [n for n in example if not n.startswith("_")]
    return keys.datapoint_key(example, names)


def _tag_fields(spec: T.Spec | None, tokens_field: str) -> list[str]:
    if not spec:
        return []
    return [n for n, fs in spec.items()
            if isinstance(fs, T.SequenceTags) and fs.align == tokens_field]


def _span_fields(spec: T.Spec | None, text_field_name: str) -> list[str]:
    if not spec:
        return []
    return [n for n, fs in spec.items()
            if isinstance(fs, T.SpanLabels) and fs.align == text_field_name]


def _offsets(tokens: Sequence[str]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for t in tokens:
        out.append((pos, pos + len(t)))
        pos += len(t) + 1
    return out


def realign_tags(old_tokens: Sequence[str], tags: Sequence[str],
                 changes: Sequence[SpanChange], new_text: str) -> tuple[list[str], list[str]]:
    """New tokens (``new_text`` split on whitespace) and their tags, carried through the
    changed spans: a token outside every change keeps its tag; tokens inside a change
    take the tag of the first old token the change touches (``B-X`` then ``I-X``); an
    inserted token with nothing under it is ``O``."""
    old_off = _offsets(old_tokens)
    new_tokens = new_text.split()
    new_off, pos = [], 0
    for t in new_tokens:
        s = new_text.index(t, pos)
        new_off.append((s, s + len(t)))
        pos = s + len(t)
    # map a new-text offset outside every change back to the old text
    shifts = sorted(changes, key=lambda c: c.new_start)
    new_tags: list[str] = []
    last_change: SpanChange | None = None
    for s, e in new_off:
        hit = next((c for c in shifts if s < c.new_end and e > c.new_start), None)
        if hit is None:
            delta = sum((c.end - c.start) - (c.new_end - c.new_start)
                        for c in shifts if c.new_end <= s)
            o = s + delta
            idx = next((i for i, (a, b) in enumerate(old_off) if a <= o < b), None)
            new_tags.append(tags[idx] if idx is not None else "O")
            last_change = None
            continue
        under = [i for i, (a, b) in enumerate(old_off) if a < max(hit.end, hit.start + 1)
                 and b > hit.start]
        tag = tags[under[0]] if under else "O"
        if hit is last_change and tag[:2] == "B-":
            tag = "I-" + tag[2:]
        new_tags.append(tag)
        last_change = hit
    return new_tokens, new_tags


def shift_offset(o: int, changes: Sequence[SpanChange], *, end: bool) -> int:
    """Where character ``o`` of the parent lands in the edited text. An offset inside a
    changed span snaps to the new span's start (``end=False``) or end (``end=True``);
    an insertion exactly at ``o`` lies before a span starting there and after one
    ending there."""
    delta = 0
    for c in sorted(changes, key=lambda c: c.start):
        d = (c.new_end - c.new_start) - (c.end - c.start)
        if c.start == c.end:
            if c.start < o or (c.start == o and not end):
                delta += d
        elif c.end <= o:
            delta += d
        elif c.start < o:
            return c.new_end if end else c.new_start
    return o + delta


def realign_spans(spans: Sequence[Mapping[str, Any]], changes: Sequence[SpanChange]
                  ) -> list[dict[str, Any]]:
    """Character spans (``SpanLabels`` over a text) carried through the changes."""
    out = []
    for sp in spans:
        new = dict(sp)
        new["start"] = shift_offset(int(sp["start"]), changes, end=False)
        new["end"] = max(new["start"], shift_offset(int(sp["end"]), changes, end=True))
        out.append(new)
    return out


# ------------------------------------------------------------------ base class
@dataclass(frozen=True, kw_only=True)
class GeneratorConfig:
    """Options every edit generator has."""

    field: str = dc_field(default="", metadata={
        "help": "the text (or tokens) field to edit; empty: the model's first text field"})
    budget: int = dc_field(default=100, metadata={
        "help": "candidates tried per example at most; beyond it the example's status "
                "is budget_exhausted"})

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise ValueError(f"'budget' must be >= 1, got {self.budget}")


class EditGenerator(Generator):
    """A generator that edits one text field of each parent (see the module docstring)."""

    tasks: ClassVar[frozenset[str]] = frozenset(
        {"classification", "regression", "tagging", "generation"})
    Config: ClassVar[type[Any]] = GeneratorConfig

    def is_compatible(self, model: Any, dataset_spec: T.Spec) -> bool:
        """The model's task is supported and there is a text or tokens field to edit."""
        if not super().is_compatible(model, dataset_spec):
            return False
        spec = model.input_spec() if model is not None else dataset_spec
        return any(type(f) in (T.TextSegment, T.Tokens) for f in spec.values())

    def prepare(self, config: Any) -> Any:
        """Parse the config once per run (rules, lexicons); passed to ``candidates``."""
        return None

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]) -> Iterator[Candidate]:
        raise NotImplementedError

    def prepare_batch(self, texts: Sequence[str], context: RunContext, config: Any,
                      prepared: Any) -> Sequence[Any]:
        """Work done once for a whole batch of texts (tagging them in one pass). Item
        ``i`` reaches ``candidates`` for text ``i`` as ``notes["_item"]`` (removed from
        the notes afterwards)."""
        return [None] * len(texts)

    def run(self, examples: Sequence[Mapping[str, Any]], context: RunContext, *,
            config: Any) -> list[Generated]:
        prepared = self.prepare(config)
        chash = keys.config_hash(config)
        spec = context.dataset_spec
        todo: list[tuple[int, str, str, bool]] = []
        out: list[Generated | None] = [None] * len(examples)
        for n, ex in enumerate(examples):
            parent = parent_key(ex, spec)
            name = text_field(getattr(config, "field", ""), context, ex, self.id)
            value = ex.get(name)
            if value is None:
                out[n] = Generated(parent=parent, status="skipped",
                                   notes={"reason": f"field '{name}' is empty"})
                continue
            tokens_in = not isinstance(value, str)
            todo.append((n, name, " ".join(value) if tokens_in else value, tokens_in))
        context.check_cancelled()
        batch = self.prepare_batch([t for _, _, t, _ in todo], context, config, prepared)
        for (n, name, text, tokens_in), item in zip(todo, batch, strict=True):
            context.check_cancelled()
            out[n] = self._one(examples[n], name, text, tokens_in, item, context, config,
                               prepared, chash)
        return [g for g in out if g is not None]

    def _one(self, example: Mapping[str, Any], name: str, text: str, tokens_in: bool,
             item: Any, context: RunContext, config: Any, prepared: Any,
             chash: str) -> Generated:
        spec = context.dataset_spec
        parent = parent_key(example, spec)
        notes: dict[str, Any] = {}
        if item is not None:
            notes["_item"] = item
        out: list[Counterfactual] = []
        seen = {text}
        tried = 0
        status = "ok"
        budget = getattr(config, "budget", 100)
        for cand in self.candidates(text, example, context, config, prepared, notes):
            if tried >= budget:
                status = "budget_exhausted"
                break
            tried += 1
            new_text, changes = apply_edits(text, cand.edits, name)
            if not changes or new_text in seen:
                continue
            seen.add(new_text)
            out.append(self._counterfactual(example, parent, name, tokens_in, new_text,
                                            changes, cand, spec, chash))
        notes.pop("_item", None)
        notes["candidates"] = tried
        if not out and status == "ok":
            status = "no_change"
        return Generated(parent=parent, counterfactuals=out, status=status, notes=notes)

    def _counterfactual(self, example: Mapping[str, Any], parent: str, name: str,
                        tokens_in: bool, new_text: str, changes: tuple[SpanChange, ...],
                        cand: Candidate, spec: T.Spec | None, chash: str) -> Counterfactual:
        new = {k: v for k, v in example.items() if k != ID_FIELD}
        new[PARENT_FIELD] = parent
        if tokens_in:
            old_tokens = list(example[name])
            tokens = new_text.split()
            for tf in _tag_fields(spec, name):
                if example.get(tf) is not None:
                    tokens, new[tf] = realign_tags(old_tokens, list(example[tf]), changes,
                                                   new_text)
            new[name] = tokens
        else:
            new[name] = new_text
            for sf in _span_fields(spec, name):
                if example.get(sf) is not None:
                    new[sf] = realign_spans(list(example[sf]), changes)
        if cand.label is not None:
            label_field = _label_field(spec)
            if label_field:
                new[label_field] = cand.label
        return Counterfactual(example=new, parent=parent, generator=self.id,
                              version=str(self.version), config_hash=chash, changes=changes,
                              meta=dict(cand.meta), flags=cand.flags,
                              expect=dict(cand.expect) if cand.expect is not None else None)


def _label_field(spec: T.Spec | None) -> str | None:
    if not spec:
        return None
    return next((n for n, fs in spec.items() if isinstance(fs, T.CategoryLabel)), None)
