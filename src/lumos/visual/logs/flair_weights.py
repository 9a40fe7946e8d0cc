"""Flair's ``weights.txt``: no header, four tab-separated columns
``iteration  parameter_name  element_index  value`` (up to 10 sampled elements per
tensor, appended about 10 times per epoch). One series per (parameter, element): the
metric is the parameter's name, the split ``[index]``."""

from __future__ import annotations

from pathlib import Path

from lumos.visual.logs.run import LogFormatError, Run, Series, finite

FORMAT = "flair_weights"


def looks_like(first_line: str) -> bool:
    cells = first_line.rstrip("\r\n").split("\t")
    if len(cells) != 4:
        return False
    try:
        int(cells[0]), int(cells[2]), float(cells[3])
    except ValueError:
        return False
    return not _is_number(cells[1])


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def read(path: Path | str, *, label: str | None = None) -> Run:
    path = Path(path)
    curves: dict[tuple[str, int], tuple[list[float], list[float | None]]] = {}
    try:
        f = path.open(encoding="utf-8")
    except OSError as e:
        raise LogFormatError(path, f"cannot read: {e.strerror}") from e
    with f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) != 4:
                raise LogFormatError(path, f"{len(cells)} cells; weights.txt rows are "
                                     "iteration, parameter, index, value", line=lineno)
            try:
                it, idx, value = int(cells[0]), int(cells[2]), float(cells[3])
            except ValueError:
                raise LogFormatError(path, "iteration and index must be integers and value "
                                     f"a number, got {cells!r}", line=lineno) from None
            xs, ys = curves.setdefault((cells[1], idx), ([], []))
            xs.append(float(it))
            ys.append(finite(value))
    if not curves:
        raise LogFormatError(path, "is empty")
    series = tuple(Series(metric=name, split=f"[{idx}]", x=tuple(xs), y=tuple(ys),
                          x_label="iteration")
                   for (name, idx), (xs, ys) in curves.items())
    return Run(label=label or str(path), path=path, format=FORMAT, series=series)
