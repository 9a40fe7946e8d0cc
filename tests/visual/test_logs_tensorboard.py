"""TensorBoard event files (the committed tensorboardX file, and fresh ones): tensor and
simple_value scalars, every point, runs per directory, restarts merged."""

import importlib.util
import sys
from pathlib import Path

import pytest

from lumos.visual.logs import LogFormatError, detect, load, tensorboard

FIX = Path(__file__).parent / "fixtures"
COMMITTED = FIX / "tensorboard" / "flair" / "events.out.tfevents.1700000000.lumos"


def _maker():
    spec = importlib.util.spec_from_file_location("make_tensorboard",
                                                  FIX / "make_tensorboard.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_tensorboard", mod)
    spec.loader.exec_module(mod)
    return mod


def test_committed_file_tensor_and_simple_value_scalars():
    assert detect(COMMITTED) == "tensorboard"
    (run,) = load(COMMITTED)
    f32 = pytest.approx  # event files store float32
    assert run.get("loss", "train").x == (1.0, 2.0, 3.0)
    assert run.get("loss", "train").y == f32((0.9124, 0.6151, 0.4418), rel=1e-6)
    assert run.get("loss", "dev").y == f32((0.7012, 0.5523, 0.5106), rel=1e-6)
    assert run.get("f1", "dev").y == f32((0.5521, 0.6802, 0.7133), rel=1e-6)  # simple_value
    assert run.get("batch_loss", "train").x == tuple(float(i) for i in range(12))
    assert {s.name for s in run.series} == {"train loss", "dev loss", "dev f1",
                                            "train batch_loss"}  # the text summary skipped


def test_committed_file_holds_both_value_kinds():
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2

    events = [event_pb2.Event.FromString(r) for r in RawEventFileLoader(str(COMMITTED)).Load()]
    kinds = {v.WhichOneof("value") for e in events for v in e.summary.value}
    assert {"simple_value", "tensor"} <= kinds


@pytest.mark.slow  # writing 10,050 records with tensorboardX takes a few seconds
def test_more_than_ten_thousand_points_are_all_read(tmp_path):
    mk = _maker()
    mk.write(tmp_path / "big", points={}, batch=[float(i % 7) for i in range(10_050)])
    (run,) = load(tmp_path / "big")
    s = run.get("batch_loss", "train")
    assert len(s.x) == 10_050 and s.y[10_049] == float(10_049 % 7)


def test_a_directory_of_runs_and_a_restarted_run(tmp_path):
    mk = _maker()
    a_dir = tmp_path / "logs" / "a"
    mk.write(a_dir).rename(a_dir / "events.out.tfevents.1700000000.host")
    mk.write(tmp_path / "logs" / "b", points={1: (2.0, 1.0, 0.1)}, batch=[])
    # a restart writes a second file (a later time in its name); its step 3 replaces the
    # first file's
    mk.write(a_dir, points={3: (0.25, 0.5, 0.75), 4: (0.125, 0.5, 0.8)}, batch=[]) \
        .rename(a_dir / "events.out.tfevents.1700000500.host")
    runs = load(tmp_path / "logs")
    assert [r.label for r in runs] == [f"{tmp_path / 'logs'}/a", f"{tmp_path / 'logs'}/b"]
    a = runs[0].get("loss", "train")
    assert a.x == (1.0, 2.0, 3.0, 4.0)
    assert a.y[2:] == (0.25, 0.125)
    assert runs[1].get("f1", "dev").y == pytest.approx((0.1,))


def test_tags_split_into_metric_and_split():
    assert tensorboard.split_tag("train/loss") == ("loss", "train")
    assert tensorboard.split_tag("loss/validation") == ("loss", "validation")
    assert tensorboard.split_tag("eval/rouge/1") == ("rouge/1", "eval")
    assert tensorboard.split_tag("lr") == ("lr", None)


def test_a_corrupt_file_names_itself(tmp_path):
    p = tmp_path / "events.out.tfevents.1.x"
    p.write_bytes(COMMITTED.read_bytes()[:60] + b"\x00" * 40)
    with pytest.raises(LogFormatError, match="events.out.tfevents.1.x"):
        load(p)
