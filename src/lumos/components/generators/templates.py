"""CheckList-style templates with fill-in lexicons: minimum-functionality (MFT),
invariance (INV) and directional (DIR) tests, each template declaring its expectation.

One template a line, ``KIND: text [=> expectation]``; ``{slot}`` is filled from the
lexicons (one lexicon a line, ``slot: word, word``, merged over :data:`DEFAULT_LEXICONS`;
a slot used twice in a template gets the same word):

- ``MFT: The {thing} was {pos_adj}. => positive`` makes rows *without a parent* (the
  generator's ``standalone`` rows), their gold label set to the expected one;
- ``INV: {text} {neutral}`` edits each parent row (``{text}`` is the row's text; what
  comes before and after it is inserted): the prediction should not change;
- ``DIR: {text} {neg_phrase} => down:positive`` edits each parent row: the probability
  of ``positive`` (or, for regression, the score: ``=> down``) should not go up.

Every row's ``expect`` says ``{"kind", "template", "label", "direction"}``. The validity
guard's character-change check does not apply to INV rows, and none of its meaning
checks to DIR rows (flags ``not_applicable:<check>``). Fills are
all combinations of the slots' words, at most ``max_fills`` per template (a seeded
sample when there are more).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from lumos.api import types as T
from lumos.api.component import Counterfactual
from lumos.api.context import RunContext
from lumos.api.dataset import PARENT_FIELD
from lumos.api.registry import register
from lumos.components.generators.base import Candidate, Edit, EditGenerator, GeneratorConfig
from lumos.store import keys

KINDS = ("MFT", "INV", "DIR")
#: validity checks a template's rows are exempt from (``lumos...validity``): an INV
#: template adds text on purpose; a DIR template changes the meaning on purpose
_NOT_APPLICABLE = {
    "INV": ("not_applicable:char_change",),
    "DIR": ("not_applicable:antonym", "not_applicable:negation",
            "not_applicable:char_change", "not_applicable:embedding"),
    "MFT": (),
}
SLOT = re.compile(r"\{(\w+)\}")

DEFAULT_TEMPLATES = """\
MFT: The {thing} was {pos_adj}. => positive
MFT: The {thing} was {neg_adj}. => negative
MFT: The {thing} was not {pos_adj}. => negative
INV: {text} {neutral}
DIR: {text} {neg_phrase} => down:positive
DIR: {text} {pos_phrase} => up:positive"""

DEFAULT_LEXICONS = {
    "pos_adj": ("good", "great", "excellent", "amazing", "wonderful"),
    "neg_adj": ("bad", "terrible", "awful", "horrible", "disappointing"),
    "thing": ("flight", "service", "food", "movie", "staff", "seat"),
    "neutral": ("@united", "#travel", "http://t.co/xyz", "(via @news)"),
    "neg_phrase": ("I hate this.", "Never again.", "It was awful."),
    "pos_phrase": ("I love this.", "Thank you!", "It was great."),
}


@dataclass(frozen=True)
class Template:
    kind: str
    text: str
    line: str
    label: str | None
    direction: str | None
    slots: tuple[str, ...]

    def expect(self) -> dict[str, Any]:
        return {"kind": self.kind, "template": self.line, "label": self.label,
                "direction": self.direction}


def parse_lexicons(text: str) -> dict[str, tuple[str, ...]]:
    out = dict(DEFAULT_LEXICONS)
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        words = tuple(w.strip() for w in rest.split(",") if w.strip())
        if not sep or not re.fullmatch(r"\w+", name.strip()) or not words:
            raise ValueError(f"'lexicons' line {n} ({line!r}) must read 'slot: word, word'")
        out[name.strip()] = words
    return out


def parse_templates(text: str, lexicons: Mapping[str, tuple[str, ...]]) -> list[Template]:
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, sep, rest = line.partition(":")
        kind = kind.strip().upper()
        where = f"'templates' line {n} ({line!r})"
        if not sep or kind not in KINDS:
            raise ValueError(f"{where} must start with one of {list(KINDS)} and a colon, "
                             "e.g. 'MFT: The {thing} was {pos_adj}. => positive'")
        body, arrow, expect = rest.partition("=>")
        body, expect = body.strip(), expect.strip()
        label = direction = None
        if kind == "MFT":
            if not expect:
                raise ValueError(f"{where}: an MFT template needs '=> label'")
            label = expect
        elif kind == "DIR":
            direction, _, label_part = expect.partition(":")
            direction = direction.strip().lower()
            if direction not in ("up", "down"):
                raise ValueError(f"{where}: a DIR template needs '=> up:label' or "
                                 "'=> down:label' ('=> up' or '=> down' for a score)")
            label = label_part.strip() or None
        elif expect and expect.lower() != "same":
            raise ValueError(f"{where}: an INV template expects no change; drop '=> {expect}'")
        slots = tuple(dict.fromkeys(SLOT.findall(body)))
        has_text = "text" in slots
        if kind == "MFT" and has_text:
            raise ValueError(f"{where}: MFT templates make new rows; '{{text}}' belongs in "
                             "INV or DIR templates")
        if kind != "MFT" and (not has_text or body.count("{text}") != 1):
            raise ValueError(f"{where}: INV and DIR templates edit a row: use '{{text}}' once")
        missing = [s for s in slots if s != "text" and s not in lexicons]
        if missing:
            raise ValueError(f"{where} uses slot '{{{missing[0]}}}' that no lexicon fills; "
                             f"add a line '{missing[0]}: word, word' to 'lexicons' "
                             f"(lexicons: {sorted(lexicons)})")
        out.append(Template(kind, body, line, label, direction,
                            tuple(s for s in slots if s != "text")))
    return out


@register("templates", display_name="Templates (CheckList MFT / INV / DIR)")
class Templates(EditGenerator):
    """CheckList's three test types from templates and fill-in lexicons."""

    version = "1"
    tasks: ClassVar[frozenset[str]] = frozenset({"classification", "regression"})

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        templates: str = field(default=DEFAULT_TEMPLATES, metadata={"multiline": True,
            "help": "one a line: 'MFT: text => label', 'INV: {text} ...', "
                    "'DIR: {text} ... => up:label'"})
        lexicons: str = field(default="", metadata={"multiline": True,
            "help": "one a line, 'slot: word, word' (merged over the built-in ones)"})
        max_fills: int = field(default=20, metadata={
            "help": "fills per template at most (a seeded sample when there are more)"})
        seed: int = field(default=0, metadata={"help": "seed of the fill sample"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.max_fills < 1:
                raise ValueError(f"'max_fills' must be >= 1, got {self.max_fills}")
            parse_templates(self.templates, parse_lexicons(self.lexicons))

    def prepare(self, config: Any) -> tuple[list[Template], dict[str, tuple[str, ...]]]:
        lex = parse_lexicons(config.lexicons)
        return parse_templates(config.templates, lex), lex

    @staticmethod
    def fills(t: Template, lex: Mapping[str, tuple[str, ...]], limit: int,
              context: RunContext) -> list[dict[str, str]]:
        total = 1
        for s in t.slots:
            total *= len(lex[s])
        if total <= limit:
            combos = list(itertools.product(*(lex[s] for s in t.slots)))
        else:  # a seeded sample of combination indices, without building them all
            rng = context.rng_for("templates", t.line)
            picks = sorted(rng.choice(total, size=limit, replace=False).tolist())
            combos = []
            for p in picks:
                combo = []
                for s in reversed(t.slots):
                    p, r = divmod(p, len(lex[s]))
                    combo.append(lex[s][r])
                combos.append(tuple(reversed(combo)))
        return [dict(zip(t.slots, c, strict=True)) for c in combos]

    @staticmethod
    def fill(text: str, values: Mapping[str, str]) -> str:
        return SLOT.sub(lambda m: values.get(m.group(1), m.group()), text)

    def _check_label(self, t: Template, context: RunContext) -> None:
        model = context.model
        if t.label is None or model is None:
            return
        vocabs = [f.vocab for f in model.output_spec().values()
                  if isinstance(f, T.MulticlassPreds) and f.vocab]
        if vocabs and not any(t.label in v for v in vocabs):
            raise ValueError(f"templates: '{t.line}' expects label '{t.label}', which the "
                             f"model does not predict (labels: {list(vocabs[0])}); fix the "
                             "template's '=> label'")

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        templates, lex = prepared
        if not text.strip():  # nothing to test invariance or direction on
            return
        for t in templates:
            if t.kind == "MFT":
                continue
            self._check_label(t, context)
            before, _, after = t.text.partition("{text}")
            for values in self.fills(t, lex, config.max_fills, context):
                pre, post = self.fill(before, values), self.fill(after, values)
                edits = tuple(e for e in (Edit(0, 0, pre), Edit(len(text), len(text), post))
                              if e.new)
                yield Candidate(edits, expect=t.expect(), meta={"fill": values},
                                flags=_NOT_APPLICABLE[t.kind])

    def standalone(self, context: RunContext, *, config: Any) -> list[Counterfactual]:
        templates, lex = self.prepare(config)
        spec: T.Spec = dict(context.dataset_spec or {})
        if context.model is not None:
            spec = {**context.model.input_spec(), **spec}
        text_name = config.field or next(
            (n for n, f in spec.items() if type(f) is T.TextSegment), "text")
        label_name = next((n for n, f in spec.items() if isinstance(f, T.CategoryLabel)), None)
        chash = keys.config_hash(config)
        out = []
        for t in templates:
            if t.kind != "MFT":
                continue
            self._check_label(t, context)
            for values in self.fills(t, lex, config.max_fills, context):
                row: dict[str, Any] = {text_name: self.fill(t.text, values), PARENT_FIELD: ""}
                if label_name is not None:
                    vocab = getattr(spec[label_name], "vocab", None)
                    if vocab is None or t.label in vocab:
                        row[label_name] = t.label
                out.append(Counterfactual(example=row, parent="", generator=self.id,
                                          version=str(self.version), config_hash=chash,
                                          meta={"fill": values}, expect=t.expect()))
        return out
