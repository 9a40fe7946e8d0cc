"""Flair's learning-rate finder log, ``learning_rate.tsv``.

Header ``ITERATION TIMESTAMP LEARNING_RATE TRAIN_LOSS``, rows ``step HH:MM:SS lr
smoothed_loss``. Flair 0.10 wrote five cells per row (``step lr loss moving_avg drop``)
under the same four-column header; the variant is recognised by the rows' cell count, not
by the header. Series are drawn against the learning rate on a log axis.
"""

from __future__ import annotations

from pathlib import Path

from lumos.visual.logs.run import LogFormatError, Run, Series, to_float

FORMAT = "flair_lr"
HEADER = ("ITERATION", "TIMESTAMP", "LEARNING_RATE", "TRAIN_LOSS")


def looks_like(first_line: str) -> bool:
    return first_line.strip().upper().startswith("ITERATION")


def read(path: Path | str, *, label: str | None = None) -> Run:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise LogFormatError(path, f"cannot read: {e.strerror}") from e
    lines = [(i, ln.rstrip("\r").split("\t"))
             for i, ln in enumerate(text.split("\n"), start=1) if ln.strip()]
    if lines and looks_like(lines[0][1][0]):
        lines = lines[1:]
    if not lines:
        raise LogFormatError(path, "has no rows")
    width = len(lines[0][1])
    if width not in (4, 5):
        raise LogFormatError(path, f"{width} cells; a learning-rate finder row has 4 "
                             "(step, time, lr, loss) or, in Flair 0.10, 5 (step, lr, loss, "
                             "moving average, drop)", line=lines[0][0])
    lr: list[float] = []
    ys: dict[str, list[float | None]] = {}
    notes: tuple[str, ...] = ()
    if width == 5:
        notes = ("five cells per row: the Flair 0.10 variant (step, lr, loss, moving "
                 "average, drop)",)
    for lineno, cells in lines:
        if len(cells) != width:
            raise LogFormatError(path, f"{len(cells)} cells, the first row has {width}",
                                 line=lineno)
        try:
            if width == 4:
                rate, row = to_float(cells[2]), {"smoothed": to_float(cells[3])}
            else:
                rate = to_float(cells[1])
                row = {"raw": to_float(cells[2]), "smoothed": to_float(cells[3])}
        except ValueError:
            raise LogFormatError(path, f"a learning rate or loss is not a number: {cells!r}",
                                 line=lineno) from None
        if rate is None or rate <= 0:
            raise LogFormatError(path, f"learning rate {cells[2 if width == 4 else 1]!r} is "
                                 "not a positive number", line=lineno)
        lr.append(rate)
        for k, v in row.items():
            ys.setdefault(k, []).append(v)
    series = tuple(Series(metric="loss", split=k, x=tuple(lr), y=tuple(v),
                          x_label="learning_rate", log_x=True) for k, v in ys.items())
    return Run(label=label or str(path), path=path, format=FORMAT, series=series,
               notes=notes)
