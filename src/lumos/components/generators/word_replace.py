"""Word replacement from user rules: ``a -> b | c``, one rule a line (or ``;``-separated).

A rule's left side is a word or phrase matched at word boundaries of any script (``\\w``
is Unicode-aware: ``café -> bar`` does not match inside ``cafés``), case-insensitively
by default, the replacement taking the match's case (``Great`` -> ``Terrible``). Modes:

- ``per_rule`` (default): one output per rule and replacement, every match replaced;
- ``per_match``: one output per match and replacement (each occurrence on its own);
- ``all``: every rule at once; output *k* uses each rule's *k*-th replacement (the last
  one when a rule has fewer), so ``a -> b | c`` gives two outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lumos.api.context import RunContext
from lumos.api.registry import register
from lumos.components.generators.base import (
    Candidate,
    Edit,
    EditGenerator,
    GeneratorConfig,
    match_case,
)

MODES = ("per_rule", "per_match", "all")


@dataclass(frozen=True)
class Rule:
    source: str
    targets: tuple[str, ...]
    pattern: re.Pattern[str]


def parse_rules(rules: str, *, ignore_case: bool = True) -> list[Rule]:
    """Parse ``a -> b | c`` lines; an error names the line and shows the form."""
    out = []
    flags = re.IGNORECASE if ignore_case else 0
    for n, line in enumerate(re.split(r"[\n;]", rules), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "->" not in line:
            raise ValueError(f"'rules' line {n} ({line!r}) has no '->'; write rules as "
                             "'word -> replacement | other replacement'")
        left, right = (p.strip() for p in line.split("->", 1))
        targets = tuple(t.strip() for t in right.split("|"))
        if not left or not any(targets):
            raise ValueError(f"'rules' line {n} ({line!r}) needs a word on each side of "
                             "'->', e.g. 'great -> terrible | awful'")
        if any(not t for t in targets):
            raise ValueError(f"'rules' line {n} ({line!r}) has an empty replacement "
                             "between '|' signs; remove it or write one")
        pat = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, left.split())) + r"(?!\w)",
                         flags)
        out.append(Rule(left, targets, pat))
    return out


@register("word_replace", display_name="Word replacement (rules)")
class WordReplace(EditGenerator):
    """Replaces words or phrases by user rules ``a -> b | c``."""

    version = "1"
    example_config = {"rules": "great -> terrible | awful\ngood -> bad"}

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        rules: str = field(default="", metadata={"multiline": True,
            "help": "one rule a line or ';'-separated: 'great -> terrible | awful'"})
        mode: str = field(default="per_rule", metadata={"choices": MODES,
            "help": "per_rule: one output per rule and replacement; per_match: one per "
                    "occurrence; all: every rule at once"})
        ignore_case: bool = field(default=True, metadata={
            "help": "match regardless of case (replacements take the match's case)"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.mode not in MODES:
                raise ValueError(f"'mode' must be one of {list(MODES)}, got {self.mode!r}")
            parse_rules(self.rules, ignore_case=self.ignore_case)

    def prepare(self, config: Any) -> list[Rule]:
        rules = parse_rules(config.rules, ignore_case=config.ignore_case)
        if not rules:
            raise ValueError("word_replace: config option 'rules' is empty; give at least "
                             "one rule such as 'great -> terrible | awful'")
        return rules

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: list[Rule], notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        found = [(r, list(r.pattern.finditer(text))) for r in prepared]
        if config.mode == "all":
            matched = [(r, ms) for r, ms in found if ms]
            if not matched:
                return
            # a later rule never edits inside an earlier rule's match
            taken: list[tuple[int, int]] = []
            plan = []
            for r, ms in matched:
                keep = [m for m in ms if all(m.end() <= a or m.start() >= b
                                             for a, b in taken)]
                taken += [(m.start(), m.end()) for m in keep]
                plan.append((r, keep))
            for k in range(max(len(r.targets) for r, _ in plan)):
                edits = tuple(Edit(m.start(), m.end(),
                                   match_case(m.group(), r.targets[min(k, len(r.targets) - 1)]))
                              for r, ms in plan for m in ms)
                yield Candidate(edits, meta={"rules": [r.source for r, _ in plan],
                                             "replacement_index": k})
            return
        for r, ms in found:
            if not ms:
                continue
            for t in r.targets:
                if config.mode == "per_rule":
                    yield Candidate(tuple(Edit(m.start(), m.end(), match_case(m.group(), t))
                                          for m in ms),
                                    meta={"rule": r.source, "replacement": t})
                else:
                    for m in ms:
                        yield Candidate((Edit(m.start(), m.end(), match_case(m.group(), t)),),
                                        meta={"rule": r.source, "replacement": t,
                                              "match_start": m.start()})
