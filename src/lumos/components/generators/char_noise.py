"""Character noise: keyboard-neighbour typos, case changes, punctuation.

Each output edits a seeded random share (``rate``, at least one) of the words that can
take the chosen kind of noise. Draws come from ``context.rng_for(id, parent, output)``,
so an example's outputs depend on the run's seed and on nothing else (not the batch).

- ``typo``: one letter of a word of three or more letters becomes a neighbour on a
  QWERTY keyboard (case kept);
- ``case``: a word is upper-cased, or lower-cased if it already was upper case;
- ``punctuation``: a word's trailing punctuation (before a space or the end) is
  removed, or ``!``, ``,`` or ``.`` added after it; punctuation inside a token
  ("1,200") is left alone.
"""

from __future__ import annotations

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
    parent_key,
    words,
)

KINDS = ("typo", "case", "punctuation")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_PUNCT = "!?.,;:"


def _neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, ch in enumerate(row):
            near = []
            for dr in (-1, 0, 1):
                rr = r + dr
                if 0 <= rr < len(_ROWS):
                    for dc in (-1, 0, 1):
                        cc = c + dc
                        if (dr or dc) and 0 <= cc < len(_ROWS[rr]):
                            near.append(_ROWS[rr][cc])
            out[ch] = "".join(near)
    return out


NEIGHBOURS = _neighbours()


@register("char_noise", display_name="Character noise (typos, case, punctuation)")
class CharNoise(EditGenerator):
    """Seeded keyboard-neighbour typos, case changes and punctuation edits."""

    version = "1"

    @dataclass(frozen=True, kw_only=True)
    class Config(GeneratorConfig):
        kinds: str = field(default="typo", metadata={
            "help": "comma-separated: typo, case, punctuation (one output set per kind)"})
        rate: float = field(default=0.1, metadata={
            "help": "share of eligible words edited in each output (at least one)"})
        outputs: int = field(default=3, metadata={"help": "outputs per kind"})
        seed: int = field(default=0, metadata={"help": "seed of the random draws"})

        def __post_init__(self) -> None:
            super().__post_init__()
            bad = [k for k in self.kind_list() if k not in KINDS]
            if bad or not self.kind_list():
                raise ValueError(f"'kinds' must name some of {list(KINDS)}, got "
                                 f"{self.kinds!r}")
            if not 0 < self.rate <= 1:
                raise ValueError(f"'rate' must be in (0, 1], got {self.rate}")
            if self.outputs < 1:
                raise ValueError(f"'outputs' must be >= 1, got {self.outputs}")

        def kind_list(self) -> list[str]:
            return [k.strip() for k in self.kinds.split(",") if k.strip()]

    def candidates(self, text: str, example: Mapping[str, Any], context: RunContext,
                   config: Any, prepared: Any, notes: dict[str, Any]
                   ) -> Iterator[Candidate]:
        ws = words(text)
        parent = parent_key(example, context.dataset_spec)
        for kind in config.kind_list():
            if kind == "typo":
                eligible = [w for w in ws if len(w.text) >= 3
                            and any(ch.lower() in NEIGHBOURS for ch in w.text)]
            elif kind == "case":
                eligible = [w for w in ws if w.text.lower() != w.text.upper()]
            else:
                eligible = ws
            if not eligible:
                continue
            k = max(1, round(config.rate * len(eligible)))
            for n in range(config.outputs):
                rng = context.rng_for(self.id, parent, kind, str(n))
                picks = sorted(rng.choice(len(eligible), size=min(k, len(eligible)),
                                          replace=False).tolist())
                edits = []
                for i in picks:
                    w = eligible[i]
                    if kind == "typo":
                        pos = [j for j, ch in enumerate(w.text) if ch.lower() in NEIGHBOURS]
                        j = pos[int(rng.integers(len(pos)))]
                        ch = w.text[j]
                        near = NEIGHBOURS[ch.lower()]
                        sub = near[int(rng.integers(len(near)))]
                        sub = sub.upper() if ch.isupper() else sub
                        edits.append(Edit(w.start + j, w.start + j + 1, sub))
                    elif kind == "case":
                        new = w.text.lower() if w.text.isupper() else w.text.upper()
                        edits.append(Edit(w.start, w.end, new))
                    else:
                        end = w.end
                        while end < len(text) and text[end] in _PUNCT:
                            end += 1
                        if end > w.end and (end == len(text) or text[end].isspace()):
                            edits.append(Edit(w.end, end, ""))
                        elif end > w.end:  # inner punctuation ("1,200", "e.g"): left alone
                            continue
                        else:
                            edits.append(Edit(w.end, w.end, "!,."[int(rng.integers(3))]))
                yield Candidate(tuple(edits), meta={"kind": kind, "output": n,
                                                    "words": len(edits)})
