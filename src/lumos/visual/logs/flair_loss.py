"""Flair's ``loss.tsv``: one tab-separated row per epoch, in every header generation.

* 0.3.x: ``EPOCH TIMESTAMP TRAIN_LOSS TRAIN_TP … TRAIN_F-SCORE TRAIN_ACCURACY DEV_… TEST_…``
  (losses often ``_``; EPOCH from 0);
* 0.4.0–0.4.1: ``EPOCH TIMESTAMP BAD_EPOCHS LEARNING_RATE TRAIN_LOSS TRAIN_PRECISION …
  TRAIN_F-SCORE DEV_… TEST_…`` (``F-SCORE``; ``_`` for missing values);
* 0.4.2–0.12.x: ``EPOCH TIMESTAMP [BAD_EPOCHS] LEARNING_RATE TRAIN_LOSS [TRAIN_<m>…]
  [DEV_LOSS DEV_<m>…] [TEST_LOSS TEST_<m>…]``, rows written with a leading newline (no
  trailing newline), LEARNING_RATE comma-joined per parameter group;
* 0.13+: the same columns, 4-decimal floats, the header written only at epoch 1, so a
  resumed run's file may have none.

``F-SCORE`` is read as ``f1``. A file without a header takes its columns from
``header_from`` (an earlier ``loss.tsv`` of the run) or ``columns``; otherwise the layout
is inferred from the rows, and only when exactly one known layout fits them
(:func:`candidate_layouts`); else :class:`AmbiguousLayoutError` names the candidates.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path

from lumos.visual.logs.run import AmbiguousLayoutError, LogFormatError, Run, Series, to_float

FORMAT = "flair_loss"
SPLITS = {"TRAIN": "train", "DEV": "dev", "TEST": "test"}
METRIC_ALIASES = {"F-SCORE": "f1", "F1-SCORE": "f1"}
#: metric groups Flair 0.4.2+ writes after each split's LOSS (from the evaluators'
#: ``log_header``: sequence labelling / text classification, with or without accuracy,
#: accuracy only, regression)
METRIC_SETS: tuple[tuple[str, ...], ...] = (
    ("PRECISION", "RECALL", "F1"),
    ("PRECISION", "RECALL", "F1", "ACCURACY"),
    ("ACCURACY",),
    ("MSE", "SPEARMAN", "PEARSON"),
)
_V03_METRICS = ("LOSS", "TP", "TN", "FP", "FN", "PRECISION", "RECALL", "F-SCORE", "ACCURACY")
_V040_METRICS = ("LOSS", "PRECISION", "RECALL", "ACCURACY", "F-SCORE")
_TIME = re.compile(r"^(\d{4}-\d\d-\d\d[ T])?\d\d:\d\d:\d\d(\.\d+)?$")


def _layouts() -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [
        ("EPOCH", "TIMESTAMP", *(f"{s}_{m}" for s in SPLITS for m in _V03_METRICS)),
        ("EPOCH", "TIMESTAMP", "BAD_EPOCHS", "LEARNING_RATE",
         *(f"{s}_{m}" for s in SPLITS for m in _V040_METRICS)),
    ]
    for bad, ms, train_m, dev, test in itertools.product(
            (True, False), METRIC_SETS, (True, False), (True, False), (True, False)):
        cols = ["EPOCH", "TIMESTAMP", *(["BAD_EPOCHS"] if bad else []), "LEARNING_RATE",
                "TRAIN_LOSS", *([f"TRAIN_{m}" for m in ms] if train_m else [])]
        for split, on in (("DEV", dev), ("TEST", test)):
            if on:
                cols += [f"{split}_LOSS", *(f"{split}_{m}" for m in ms)]
        t = tuple(cols)
        if t not in out:
            out.append(t)
    return out


LAYOUTS = _layouts()


def is_header(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].strip().upper() == "EPOCH"


def _fits(column: str, cell: str) -> bool:
    """Could ``cell`` be a value of ``column``? (used only to infer a missing header)"""
    c = cell.strip()
    if column == "TIMESTAMP":
        return bool(_TIME.match(c))
    if column in ("EPOCH", "BAD_EPOCHS") or column.endswith(("_TP", "_TN", "_FP", "_FN")):
        return c.isdigit()
    if c == "_":
        return True
    parts = c.split(",") if column == "LEARNING_RATE" else [c]
    if any(p.strip().lstrip("-").isdigit() for p in parts):
        return False  # Flair writes floats with a point or an exponent, never as "0"
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        return False
    m = column.split("_", 1)[-1]
    if m in ("PRECISION", "RECALL", "F1", "F-SCORE", "ACCURACY"):
        return all(0.0 <= v <= 1.0 for v in vals)
    if m in ("SPEARMAN", "PEARSON"):
        return all(-1.0 <= v <= 1.0 for v in vals)
    return all(v >= 0.0 for v in vals)  # losses, MSE, learning rates


def candidate_layouts(rows: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The known layouts every row fits (same number of cells, each cell a plausible value
    of its column)."""
    n = {len(r) for r in rows}
    return [lay for lay in LAYOUTS if len(n) == 1 and len(lay) in n
            and all(_fits(col, cell) for r in rows for col, cell in zip(lay, r, strict=True))]


def _split_lines(text: str) -> list[tuple[int, list[str]]]:
    """(1-based line number, cells) of each non-blank line; tolerant of the missing
    trailing newline, Windows line ends and a leading blank line."""
    return [(i, line.rstrip("\r").split("\t"))
            for i, line in enumerate(text.split("\n"), start=1) if line.strip()]


def read_header(path: Path) -> tuple[str, ...]:
    """The header of an earlier ``loss.tsv`` of the same run (``--header-from``)."""
    try:
        lines = _split_lines(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise LogFormatError(path, f"cannot read the header file: {e.strerror}") from e
    if not lines or not is_header(lines[0][1]):
        raise LogFormatError(path, "has no EPOCH… header line to take the columns from",
                             line=lines[0][0] if lines else None)
    return tuple(c.strip() for c in lines[0][1])


def parse_columns(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``--columns`` as given: comma-, tab- or space-separated names."""
    names = re.split(r"[,\t ]+", spec.strip()) if isinstance(spec, str) else list(spec)
    cols = tuple(c.strip().upper() for c in names if c.strip())
    if not cols or cols[0] != "EPOCH":
        raise ValueError("--columns: the first column of a Flair loss.tsv is EPOCH, got "
                         f"{','.join(cols) or 'nothing'}")
    return cols


def _metric(column: str) -> tuple[str, str | None]:
    """Column name → (metric, split): TRAIN_F-SCORE → (f1, train)."""
    head, _, rest = column.partition("_")
    if head in SPLITS and rest:
        return METRIC_ALIASES.get(rest, rest.lower()), SPLITS[head]
    return column.lower(), None


def read(path: Path | str, *, header_from: Path | str | None = None,
         columns: str | Sequence[str] | None = None, label: str | None = None) -> Run:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise LogFormatError(path, f"cannot read: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise LogFormatError(path, "is not UTF-8 text") from e
    lines = _split_lines(text)
    if not lines:
        raise LogFormatError(path, "is empty (no header, no rows)")
    notes: list[str] = []
    source = "the header"
    if is_header(lines[0][1]):
        header = tuple(c.strip() for c in lines[0][1])
        rows = lines[1:]
        if not rows:
            raise LogFormatError(path, "has a header but no rows yet (no epoch finished)",
                                 line=lines[0][0])
        if header_from is not None or columns is not None:
            notes.append("the file has its own header; --header-from/--columns not used")
    else:
        rows = lines
        if header_from is not None:
            header = read_header(Path(header_from))
            notes.append(f"columns taken from {header_from}")
            source = f"the header of {header_from}"
        elif columns is not None:
            header = parse_columns(columns)
            notes.append("columns given by --columns")
            source = "--columns"
        else:
            header = _infer(path, rows)
            notes.append("no header: the layout was inferred from the rows "
                         f"({' '.join(header)})")
    return Run(label=label or str(path), path=path, format=FORMAT,
               series=_columns_to_series(path, header, rows, source=source),
               notes=tuple(notes))


def _infer(path: Path, rows: list[tuple[int, list[str]]]) -> tuple[str, ...]:
    cells = [r for _, r in rows]
    found = candidate_layouts(cells)
    if len(found) == 1:
        return found[0]
    listing = "; ".join(" ".join(c) for c in found)
    if found:
        msg = (f"has no header and its {len(cells[0])} columns fit {len(found)} Flair "
               f"layouts: {listing}. Give --header-from an earlier loss.tsv of the run, or "
               "--columns")
    else:
        msg = (f"has no header and its rows ({sorted({len(c) for c in cells})} cells) fit "
               "no known Flair layout. Give --header-from an earlier loss.tsv of the run, "
               "or --columns")
    raise AmbiguousLayoutError(path, msg, found, line=rows[0][0])


def _columns_to_series(path: Path, header: tuple[str, ...],
                       rows: list[tuple[int, list[str]]], *,
                       source: str = "the header") -> tuple[Series, ...]:
    if "EPOCH" not in [h.upper() for h in header]:
        raise LogFormatError(path, "the header has no EPOCH column")
    upper = [h.upper() for h in header]
    epoch_at = upper.index("EPOCH")
    xs: list[float] = []
    values: dict[str, list[float | None]] = {}
    lr_groups: list[list[float | None]] = []
    for lineno, cells in rows:
        if len(cells) != len(header):
            raise LogFormatError(path, f"{len(cells)} cells, {source} has {len(header)} "
                                 f"({' '.join(header)})", line=lineno)
        try:
            xs.append(float(cells[epoch_at]))
        except ValueError:
            raise LogFormatError(path, f"EPOCH {cells[epoch_at]!r} is not a number",
                                 line=lineno) from None
        for col, cell in zip(upper, cells, strict=True):
            if col in ("EPOCH", "TIMESTAMP"):
                continue
            try:
                if col == "LEARNING_RATE":
                    parts = [to_float(p) for p in cell.split(",")]
                    while len(lr_groups) < len(parts):
                        lr_groups.append([None] * (len(xs) - 1))
                    for g, grp in enumerate(lr_groups):
                        grp.append(parts[g] if g < len(parts) else None)
                    continue
                values.setdefault(col, []).append(to_float(cell))
            except ValueError:
                raise LogFormatError(path, f"{col} {cell!r} is not a number",
                                     line=lineno) from None
    x = tuple(xs)
    out: list[Series] = []
    for g, grp in enumerate(lr_groups):
        split = f"group {g}" if len(lr_groups) > 1 else None
        out.append(Series(metric="learning_rate", split=split, x=x, y=tuple(grp),
                          x_label="epoch"))
    for col, ys in values.items():
        metric, split = _metric(col)
        out.append(Series(metric=metric, split=split, x=x, y=tuple(ys), x_label="epoch"))
    return tuple(out)
