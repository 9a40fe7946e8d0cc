"""The data model every log reader returns: a :class:`Run` of :class:`Series`.

A series is one curve: a metric (``loss``, ``f1``, ``learning_rate``, a weight's name)
for one split (``train``, ``dev``, ``test``, ``eval``, an eval set's name, or ``None``)
over an x axis (``epoch``, ``step``, ``iteration``, ``learning_rate``). Missing values
(Flair's ``_`` cells, NaN, infinities) are ``None`` and drawn as gaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


class LogFormatError(ValueError):
    """A log file that cannot be read; the message names the file and the line."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class AmbiguousLayoutError(LogFormatError):
    """A Flair ``loss.tsv`` without a header whose rows fit none or several layouts."""

    def __init__(self, path: Path | str, message: str, candidates: list[tuple[str, ...]],
                 *, line: int | None = None) -> None:
        self.candidates = candidates
        super().__init__(path, message, line=line)


@dataclass(frozen=True, kw_only=True)
class Series:
    metric: str
    split: str | None
    x: tuple[float, ...]
    y: tuple[float | None, ...]
    x_label: str
    log_x: bool = False

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"series {self.metric}: {len(self.x)} x values, {len(self.y)} y")

    @property
    def name(self) -> str:
        return self.metric if self.split is None else f"{self.split} {self.metric}"


@dataclass(frozen=True, kw_only=True)
class Run:
    """One log: ``format`` says which reader read it, ``label`` names it in legends,
    ``notes`` says what the reader had to infer (e.g. a headerless file's layout),
    ``summary`` holds single values that are not curves (Hugging Face's final entry)."""

    label: str
    path: Path
    format: str
    series: tuple[Series, ...]
    notes: tuple[str, ...] = ()
    summary: dict[str, float] = field(default_factory=dict)

    def get(self, metric: str, split: str | None = None) -> Series:
        for s in self.series:
            if s.metric == metric and s.split == split:
                return s
        have = ", ".join(s.name for s in self.series) or "none"
        raise KeyError(f"{self.path}: no series {split or ''} {metric} (has: {have})")


def finite(v: float) -> float | None:
    """``v``, or ``None`` for NaN and infinities (a diverged loss): drawn as a gap."""
    return v if math.isfinite(v) else None


def to_float(text: str) -> float | None:
    """A cell as a float; ``_``, empty, NaN and infinite cells are missing (``None``)."""
    t = text.strip()
    if t in ("_", "", "-"):
        return None
    return finite(float(t))
