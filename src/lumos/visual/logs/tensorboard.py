"""TensorBoard event files: every scalar, read without TensorFlow.

Records are read with TensorBoard's own ``RawEventFileLoader`` (its TFRecord reader, which
checks each record's framing) and parsed with its compat ``Event`` proto: no TensorFlow,
every record (not the 10,000-point reservoir sample of ``EventAccumulator``'s defaults),
and without ``EventFileLoader``'s per-value migration, which doubled the time. A scalar
is a ``simple_value`` (TF1 style, old tensorboardX, PyTorch's writer) or a one-element
tensor of the ``scalars`` plugin (TF2 ``tf.summary.scalar``, tensorboardX 2.6).
Non-scalar values (histograms, images, text) are skipped.

A directory is walked like TensorBoard does: each directory holding
``events.out.tfevents.*`` files is one run; files of one run (a restarted job) are read
in name order and a later value for the same step replaces an earlier one. Tags
``train/loss``, ``dev/f1`` become (metric, split) = (loss, train), (f1, dev).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lumos.visual.logs.run import LogFormatError, Run, Series, finite

FORMAT = "tensorboard"
SPLITS = {"train", "training", "dev", "val", "valid", "validation", "eval", "test"}


def is_event_file(path: Path) -> bool:
    return "tfevents" in path.name


def event_dirs(path: Path) -> list[Path]:
    """The directories under ``path`` (itself included) that hold event files."""
    if path.is_file():
        return [path.parent]
    return sorted({f.parent for f in path.rglob("*tfevents*") if f.is_file()})


def _loader() -> Any:
    try:
        from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
        from tensorboard.compat.proto import event_pb2
        from tensorboard.util import tensor_util
    except ImportError as e:  # pragma: no cover - depends on the installed extras
        raise ImportError("reading TensorBoard event files needs the 'tensorboard' package "
                          "(pip install 'lumos[visual]')") from e
    return RawEventFileLoader, event_pb2.Event, tensor_util


def _tensor_scalar(tensor: Any, tensor_util: Any) -> float | None:
    """A one-element numeric tensor's value, else None (fast paths for the fields
    scalar summaries use, ``make_ndarray`` for the rest)."""
    if tensor.float_val and len(tensor.float_val) == 1:
        return float(tensor.float_val[0])
    if tensor.double_val and len(tensor.double_val) == 1:
        return float(tensor.double_val[0])
    arr = tensor_util.make_ndarray(tensor)
    if arr.size != 1 or arr.dtype.kind not in "fiu":
        return None
    return float(arr.reshape(()))


def split_tag(tag: str) -> tuple[str, str | None]:
    parts = tag.split("/")
    if len(parts) >= 2 and parts[0].lower() in SPLITS:
        return "/".join(parts[1:]), parts[0].lower()
    if len(parts) >= 2 and parts[-1].lower() in SPLITS:
        return "/".join(parts[:-1]), parts[-1].lower()
    return tag, None


def scalars(files: list[Path]) -> dict[str, dict[int, float | None]]:
    """tag → step → value over ``files`` in order (later files win on the same step)."""
    RawEventFileLoader, Event, tensor_util = _loader()
    out: dict[str, dict[int, float | None]] = {}
    for f in files:
        try:
            events = [Event.FromString(r) for r in RawEventFileLoader(str(f)).Load()]
        except Exception as e:  # the loader raises bare errors for corrupt records
            raise LogFormatError(f, f"not a readable TensorBoard event file: {e}") from e
        for n, event in enumerate(events):
            if event.WhichOneof("what") != "summary":
                continue
            for v in event.summary.value:
                kind = v.WhichOneof("value")
                if kind == "simple_value":
                    value = float(v.simple_value)
                elif kind == "tensor":
                    if v.metadata.plugin_data.plugin_name not in ("", "scalars"):
                        continue  # text, histograms, images... stored as tensors too
                    try:
                        scalar = _tensor_scalar(v.tensor, tensor_util)
                    except Exception as e:
                        raise LogFormatError(f, f"record {n}, tag {v.tag!r}: unreadable "
                                             f"tensor ({e})") from e
                    if scalar is None:
                        continue
                    value = scalar
                else:
                    continue
                out.setdefault(v.tag, {})[int(event.step)] = finite(value)
    return out


def read_dir(directory: Path, files: list[Path], *, label: str) -> Run:
    by_tag = scalars(files)
    series = []
    for tag, points in by_tag.items():
        metric, split = split_tag(tag)
        steps = sorted(points)
        series.append(Series(metric=metric, split=split, x=tuple(float(s) for s in steps),
                             y=tuple(points[s] for s in steps), x_label="step"))
    if not series:
        raise LogFormatError(files[0] if len(files) == 1 else directory,
                             "has no scalar values")
    return Run(label=label, path=directory, format=FORMAT, series=tuple(series))


def read(path: Path | str, *, label: str | None = None) -> list[Run]:
    """One run per event directory under ``path`` (a file is a run of its own)."""
    path = Path(path)
    if path.is_file():
        return [read_dir(path.parent, [path], label=label or str(path))]
    dirs = event_dirs(path)
    if not dirs:
        raise LogFormatError(path, "has no events.out.tfevents.* files")
    runs = []
    for d in dirs:
        files = sorted(f for f in d.iterdir() if f.is_file() and is_event_file(f))
        name = str(d.relative_to(path)) if d != path else ""
        base = label or str(path)
        runs.append(read_dir(d, files, label=f"{base}/{name}" if name else base))
    return runs
