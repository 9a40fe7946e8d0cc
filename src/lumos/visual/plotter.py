"""``lumos.visual.plot`` (the Plotter): training curves from Flair, Hugging Face and
TensorBoard logs as PNG (matplotlib) and one interactive self-contained HTML page.

    from lumos.visual import plot
    plot(["run1/loss.tsv", "hf_out/"], out_dir="plots")   # → [plots/training.png, …]

Several files overlay (one line style per run); one panel per metric with train, dev and
test as colours; Flair's weights and learning-rate finder get their own figures (the
finder on a log x axis). :class:`Watcher` redraws when the logs change (``--watch``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lumos.visual import curves, plot_html, plot_png
from lumos.visual.logs import LogFormatError, Run, load

FORMATS = ("png", "html")
HTML_NAME = "training.html"
MIN_INTERVAL, MAX_INTERVAL = 0.2, 60.0

PathLike = str | os.PathLike[str]


def _as_list(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def load_runs(paths: PathLike | Sequence[PathLike], *, header_from: PathLike | None = None,
              columns: str | Sequence[str] | None = None) -> list[Run]:
    """Every run in ``paths``, in order (a TensorBoard directory may hold several)."""
    files = _as_list(paths)
    if not files:
        raise ValueError("plot: give at least one log file or directory")
    runs: list[Run] = []
    for p in files:
        runs.extend(load(p, header_from=None if header_from is None else Path(header_from),
                         columns=columns))
    return runs


def _formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    fs = tuple(f.strip().lower() for f in
               (formats.split(",") if isinstance(formats, str) else formats) if f.strip())
    bad = [f for f in fs if f not in FORMATS]
    if bad or not fs:
        raise ValueError(f"format {', '.join(bad) or '(none)'}: choose from "
                         f"{', '.join(FORMATS)}")
    return fs


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` whole (a page reloaded while --watch redraws never sees half)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def draw(runs: list[Run], out_dir: PathLike, *, formats: str | Sequence[str] = FORMATS,
         title: str | None = None) -> list[Path]:
    """Write the figures of ``runs`` into ``out_dir``; returns the files written."""
    fs = _formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panels = curves.panels(runs)
    written: list[Path] = []
    if "png" in fs:
        import io

        for group, fig in plot_png.figures(panels, title=title).items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=100)
            path = out / f"{group}.png"
            _write(path, buf.getvalue())
            written.append(path)
    if "html" in fs:
        path = out / HTML_NAME
        _write(path, plot_html.page(runs, panels, title=title or "Training curves")
               .encode("utf-8"))
        written.append(path)
    return written


def plot(paths: PathLike | Sequence[PathLike], out_dir: PathLike = ".", *,
         header_from: PathLike | None = None, columns: str | Sequence[str] | None = None,
         formats: str | Sequence[str] = FORMATS, title: str | None = None) -> list[Path]:
    """Read each log in ``paths`` and write ``training.png`` (``weights.png``,
    ``lr_finder.png`` when those logs are given) and ``training.html`` into ``out_dir``.

    ``header_from`` (an earlier ``loss.tsv`` of the run) or ``columns`` give the columns
    of a Flair ``loss.tsv`` that has no header; without them the layout is inferred when
    exactly one fits (else :class:`~lumos.visual.logs.AmbiguousLayoutError`)."""
    runs = load_runs(paths, header_from=header_from, columns=columns)
    return draw(runs, out_dir, formats=formats, title=title)


def _signature(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime_ns, size) of every file the paths stand for."""
    out = []
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


class Watcher:
    """Redraws when a log changes. :meth:`poll` is one iteration (what the tests call);
    :meth:`run` polls every ``interval`` seconds (bounded to 0.2–60 s) until Ctrl-C.

    A log that cannot be read right now (training is half-way through a line) is
    reported through ``on_error`` and read again at the next poll; the last good figures
    stay in place."""

    def __init__(self, paths: PathLike | Sequence[PathLike], out_dir: PathLike, *,
                 interval: float = 2.0, on_redraw: Callable[[list[Path]], None] | None = None,
                 on_error: Callable[[Exception], None] | None = None,
                 **options: Any) -> None:
        self.paths = _as_list(paths)
        self.out_dir = Path(out_dir)
        self.interval = min(MAX_INTERVAL, max(MIN_INTERVAL, float(interval)))
        self.options = options
        self.on_redraw = on_redraw
        self.on_error = on_error
        self._seen: tuple[tuple[str, int, int], ...] | None = None

    def poll(self) -> list[Path] | None:
        """Redraw if any log changed since the last successful draw; the files written,
        or ``None`` when nothing changed or the logs cannot be read yet."""
        sig = _signature(self.paths)
        if sig == self._seen:
            return None
        try:
            written = plot(self.paths, self.out_dir, **self.options)
        except LogFormatError as e:
            if self.on_error is not None:
                self.on_error(e)
            return None
        self._seen = sig
        if self.on_redraw is not None:
            self.on_redraw(written)
        return written

    def run(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        while True:
            self.poll()
            sleep(self.interval)


def watch(paths: PathLike | Sequence[PathLike], out_dir: PathLike = ".", *,
          interval: float = 2.0, **options: Any) -> None:
    """Redraw into ``out_dir`` whenever a log changes, until Ctrl-C."""
    Watcher(paths, out_dir, interval=interval,
            on_redraw=lambda w: print("redrawn:", ", ".join(map(str, w)), file=sys.stderr),
            on_error=lambda e: print(f"waiting: {e}", file=sys.stderr),
            **options).run()
