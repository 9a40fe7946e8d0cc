"""Numbers to words with ``num2words``: "42" -> "forty-two", "3.5" -> "three point
five", "1,200" -> "one thousand, two hundred", "2nd" -> "second". Years stay digits
unless ``years`` is set ("1999" -> "nineteen ninety-nine" with ``to="year"``).
``mode="all"`` (default) converts every number in one output; ``per_match`` one output
per number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lumos.api.context import RunContext
from lumos.api.registry import register
from lumos.components.generators.base import Candidate, Edit, EditGenerator, GeneratorConfig

NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(st|nd|rd|th)?(?![\w]|[.,]\d)")
MODES = ("all", "per_match")
#: a number this long is read as digits: num2words spells any size, at a cost
MAX_DIGITS = 15


def to_words(m: re.Match[str], lang: str, years: bool) -> str | None:
    from num2words import num2words

    whole, frac, suffix = m.group(1).replace(",", ""), m.group(2), m.group(3)
    if len(whole) > MAX_DIGITS:
        return None
    if suffix:
        return str(num2words(int(whole), to="ordinal", lang=lang)) if not frac else None
    if frac:
        return str(num2words(float(whole + frac), lang=lang))
    n = int(whole)
    if len(whole) == 4 and 1100 <= n <= 2099 and "," not in m.group(1):
        return str(num2words(n, to="year", lang=lang)) if years else None
    return str(num2words(n, lang=lang))


@register("numbers_to_words", display_name="Numbers to words")
class NumbersToWords(EditGenerator):
    """Writes numbers out in words (num2words)."""

    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        lang: str = field(default="en", metadata={"help": "num2words language code"})
        years: bool = field(default=False, metadata={
            "help": "also spell four-digit years (1100-2099)"})
        mode: str = field(default="all", metadata={"choices": MODES,
            "help": "all: every number in one output; per_match: one output per number"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.mode not in MODES:
                raise ValueError(f"'mode' must be one of {list(MODES)}, got {self.mode!r}")

    def prepare(self, config: Any) -> None:
        try:
            from num2words import num2words
        except ModuleNotFoundError:
            raise ModuleNotFoundError("numbers_to_words needs num2words: pip install "
                                      "'lumos[counterfactuals]'", name="num2words") from None
        try:
            num2words(1, lang=config.lang)
        except NotImplementedError:
            raise ValueError(f"numbers_to_words: num2words has no language "
                             f"'{config.lang}'; set 'lang' to one it has, e.g. 'en'") from None

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        edits = []
        for m in NUMBER.finditer(text):
            new = to_words(m, config.lang, config.years)
            if new is not None:
                edits.append(Edit(m.start(), m.end(), new))
        if not edits:
            return
        if config.mode == "all":
            yield Candidate(tuple(edits), meta={"numbers": len(edits)})
        else:
            for e in edits:
                yield Candidate((e,), meta={"numbers": 1})
