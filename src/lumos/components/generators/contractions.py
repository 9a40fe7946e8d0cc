"""Contractions, both ways, with the ``contractions`` package's tables.

``expand``: every contraction the package finds ("don't" -> "do not", "y'all" ->
"you all"), each expanded by ``contractions.fix`` on the match alone. ``contract``:
two-word phrases whose contraction is unambiguous in the package's table ("do not" ->
"don't", "I am" -> "I'm"), matched at word boundaries, case kept on the first letter.
``direction="both"`` gives an output of each kind when the text has something to change.
``mode="all"`` (default) changes every match in one output; ``per_match`` one output
per match.
"""

from __future__ import annotations

import functools
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

DIRECTIONS = ("both", "expand", "contract")
MODES = ("all", "per_match")


@functools.cache
def _contract_table() -> tuple[re.Pattern[str], dict[str, str]]:
    import contractions

    by_value: dict[str, list[str]] = {}
    for k, v in contractions.contractions_dict.items():
        if "'" in k and len(v.split()) == 2:
            by_value.setdefault(v.lower(), []).append(k)
    table = {}
    for v, ks in by_value.items():
        first = v.split()[0]
        # "are not": "aren't", not "ain't"
        best = [k for k in ks if k.lower().startswith(first[:2])] or ks
        table[v] = min(best, key=len)
    alts = sorted(table, key=len, reverse=True)
    pat = re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, a.split()))
                                            for a in alts) + r")(?!\w)", re.IGNORECASE)
    return pat, table


def expansions(text: str) -> list[Edit]:
    import contractions

    out = []
    for m in contractions.preview(text, 0):
        new = contractions.fix(m["match"], slang=False)
        if new != m["match"]:
            out.append(Edit(m["start"], m["end"], new))
    return out


def contracted(text: str) -> list[Edit]:
    pat, table = _contract_table()
    out = []
    for m in pat.finditer(text):
        key = " ".join(m.group().lower().split())
        new = table[key]
        out.append(Edit(m.start(), m.end(), match_case(m.group()[:1], new)
                        if not new.startswith("I'") else new))
    return out


@register("contractions", display_name="Contractions (expand / contract)")
class Contractions(EditGenerator):
    """Expands contractions or contracts phrases ("do not" <-> "don't")."""

    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        direction: str = field(default="both", metadata={"choices": DIRECTIONS,
            "help": "expand, contract, or both (an output of each)"})
        mode: str = field(default="all", metadata={"choices": MODES,
            "help": "all: every match in one output; per_match: one output per match"})

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.direction not in DIRECTIONS:
                raise ValueError(f"'direction' must be one of {list(DIRECTIONS)}, "
                                 f"got {self.direction!r}")
            if self.mode not in MODES:
                raise ValueError(f"'mode' must be one of {list(MODES)}, got {self.mode!r}")

    def prepare(self, config: Any) -> None:
        try:
            import contractions  # noqa: F401
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "the contractions generator needs the 'contractions' package: pip install "
                "'lumos[counterfactuals]'", name="contractions") from None

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        kinds = ("expand", "contract") if config.direction == "both" else (config.direction,)
        for kind in kinds:
            edits = expansions(text) if kind == "expand" else contracted(text)
            if not edits:
                continue
            if config.mode == "all":
                yield Candidate(tuple(edits), meta={"direction": kind})
            else:
                for e in edits:
                    yield Candidate((e,), meta={"direction": kind})
