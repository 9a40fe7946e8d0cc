"""Readers for training logs, one module per format, all returning :class:`Run` objects.

:func:`load` recognises a path by its content (and name where the content is not enough):

* a directory: Hugging Face output or checkpoint directory (``trainer_state.json``,
  ``checkpoint-N/``), else TensorBoard event directories;
* ``*tfevents*`` files: TensorBoard;
* JSON with ``log_history``: Hugging Face;
* first line ``ITERATION…``: Flair's learning-rate finder;
* four cells ``int name int float``: Flair's ``weights.txt``;
* anything else: Flair's ``loss.tsv`` (with or without its header).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lumos.visual.logs import (
    flair_loss,
    flair_lr,
    flair_weights,
    hf_trainer_state,
    tensorboard,
)
from lumos.visual.logs.run import AmbiguousLayoutError, LogFormatError, Run, Series

__all__ = ["AmbiguousLayoutError", "LogFormatError", "Run", "Series", "detect", "load"]


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    return line
    except OSError as e:
        raise LogFormatError(path, f"cannot read: {e.strerror}") from e
    return ""


def detect(path: Path | str) -> str:
    """The format id of ``path`` (a reader module's ``FORMAT``)."""
    path = Path(path)
    if not path.exists():
        raise LogFormatError(path, "does not exist")
    if path.is_dir():
        if hf_trainer_state.looks_like_dir(path):
            return hf_trainer_state.FORMAT
        if tensorboard.event_dirs(path):
            return tensorboard.FORMAT
        raise LogFormatError(path, "is a directory with no trainer_state.json, "
                             "checkpoint-N/ or TensorBoard event files")
    if tensorboard.is_event_file(path):
        return tensorboard.FORMAT
    first = _first_line(path)
    if path.suffix == ".json" or first.lstrip().startswith("{"):
        return hf_trainer_state.FORMAT
    if flair_lr.looks_like(first):
        return flair_lr.FORMAT
    if flair_weights.looks_like(first):
        return flair_weights.FORMAT
    return flair_loss.FORMAT


def load(path: Path | str, *, header_from: Path | str | None = None,
         columns: str | Sequence[str] | None = None, label: str | None = None) -> list[Run]:
    """The runs in ``path`` (one, except a TensorBoard directory of several runs).
    ``header_from`` and ``columns`` apply to a Flair ``loss.tsv`` without a header."""
    path = Path(path)
    fmt = detect(path)
    if fmt == tensorboard.FORMAT:
        return tensorboard.read(path, label=label)
    if fmt == hf_trainer_state.FORMAT:
        return [hf_trainer_state.read(path, label=label)]
    if fmt == flair_lr.FORMAT:
        return [flair_lr.read(path, label=label)]
    if fmt == flair_weights.FORMAT:
        return [flair_weights.read(path, label=label)]
    return [flair_loss.read(path, header_from=header_from, columns=columns, label=label)]
