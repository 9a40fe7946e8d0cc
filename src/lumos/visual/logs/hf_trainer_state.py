"""Hugging Face ``trainer_state.json``: curves from ``log_history``.

Each entry is one record at a ``step``:

* training: ``loss`` (split ``train``), ``learning_rate``, ``grad_norm`` and any other
  number the trainer logged (no split);
* evaluation: keys sharing a prefix ``P`` that has ``P_runtime`` in the same entry (or
  ``P_loss`` in an entry without a training ``loss``): ``eval_loss``, ``eval_accuracy``
  → split ``eval``; several eval sets, ``eval_<name>_<metric>`` → split ``eval_<name>``;
  a custom prefix (``test_f1``) → split ``test``. The speed keys (``_runtime``,
  ``_samples_per_second``, ``_steps_per_second``) are not curves and are left out;
* the final summary (``train_runtime``, ``train_loss``, ``total_flos``, …): single values,
  kept in :attr:`Run.summary`.

A directory is read through its ``trainer_state.json``, or that of its latest
``checkpoint-N`` (each checkpoint holds a prefix of the final history).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lumos.visual.logs.run import LogFormatError, Run, Series, finite

FORMAT = "hf_trainer_state"
FILENAME = "trainer_state.json"
SPEED = ("runtime", "samples_per_second", "steps_per_second")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def resolve(path: Path) -> Path:
    """The ``trainer_state.json`` a path stands for (itself, inside it, or inside its
    latest ``checkpoint-N``)."""
    if path.is_file():
        return path
    if (path / FILENAME).is_file():
        return path / FILENAME
    checkpoints = sorted(((int(m.group(1)), p) for p in path.iterdir()
                          if (m := _CHECKPOINT.match(p.name)) and (p / FILENAME).is_file()),
                         key=lambda t: t[0])
    if not checkpoints:
        raise LogFormatError(path, f"has no {FILENAME} and no checkpoint-N/{FILENAME}")
    return checkpoints[-1][1] / FILENAME


def looks_like_dir(path: Path) -> bool:
    return (path / FILENAME).is_file() or any(
        _CHECKPOINT.match(p.name) and (p / FILENAME).is_file() for p in path.iterdir())


def _number(v: Any) -> float | None | bool:
    """A float, None for NaN/Infinity/None, False when not a number at all (a string, a
    list)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None if v is None else False
    return finite(float(v))


def _eval_prefixes(entry: dict[str, Any]) -> list[str]:
    """Prefixes P with ``P_runtime`` in the entry (the Trainer's ``evaluate`` always adds
    it), else, in an entry without a training ``loss``, with ``P_loss``; longest first.
    (A training entry's own extra ``aux_loss`` is thus not read as an eval set.)"""
    def ending(suffix: str) -> set[str]:
        return {k[: -len(suffix)] for k in entry if k.endswith(suffix) and len(k) > len(suffix)}

    found = ending("_runtime")
    if not found and "loss" not in entry:
        found = ending("_loss")
    return sorted(found, key=len, reverse=True)


def read(path: Path | str, *, label: str | None = None) -> Run:
    given = Path(path)
    path = resolve(given)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise LogFormatError(path, f"cannot read: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise LogFormatError(path, f"is not JSON: {e.msg}", line=e.lineno) from e
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise LogFormatError(path, "has no log_history list (not a Hugging Face "
                             "trainer_state.json)")
    curves: dict[tuple[str, str | None], tuple[list[float], list[float | None]]] = {}
    summary: dict[str, float] = {}
    for i, entry in enumerate(state["log_history"]):
        where = f"log_history[{i}]"
        if not isinstance(entry, dict):
            raise LogFormatError(path, f"{where} is not an object")
        if "train_runtime" in entry or "total_flos" in entry:
            for k, v in entry.items():
                n = _number(v)
                if k not in ("step", "epoch") and isinstance(n, float):
                    summary[k] = n
            continue
        step = _number(entry.get("step"))
        if not isinstance(step, float):
            raise LogFormatError(path, f"{where} has no numeric 'step'")
        prefixes = _eval_prefixes(entry)
        for key, value in entry.items():
            if key in ("step", "epoch"):
                continue
            n = _number(value)
            if n is False:
                continue  # strings, lists (e.g. a confusion matrix) are not curves
            prefix = next((p for p in prefixes if key.startswith(p + "_")), None)
            if prefix is not None:
                metric = key[len(prefix) + 1:]
                if metric in SPEED:
                    continue
                split: str | None = prefix
            elif key == "loss":
                metric, split = "loss", "train"
            else:
                metric, split = key, None
            xs, ys = curves.setdefault((metric, split), ([], []))
            xs.append(step)
            ys.append(n if isinstance(n, float) else None)
    series = tuple(Series(metric=m, split=s, x=tuple(xs), y=tuple(ys), x_label="step")
                   for (m, s), (xs, ys) in curves.items())
    notes = (f"read {path}",) if path != given else ()
    return Run(label=label or str(given), path=path, format=FORMAT, series=series,
               notes=notes, summary=summary)
