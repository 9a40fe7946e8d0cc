"""`lumos plot`: exit codes, written files, and exit 2 naming the file, the line and the
candidate layouts of a headerless loss.tsv."""

from pathlib import Path

import pytest

from lumos.cli.main import main

FIX = Path(__file__).parents[1] / "visual" / "fixtures"
FLAIR = FIX / "flair"
RESUMED = FLAIR / "0.13-classifier" / "resumed" / "loss.tsv"


def test_png_from_flair_and_hugging_face_logs(tmp_path, capsys):
    out = tmp_path / "plots"
    assert main(["plot", str(FLAIR / "0.12" / "loss.tsv"), str(FIX / "hf" / "output"),
                 "--out", str(out), "--format", "png"]) == 0
    assert capsys.readouterr().out.split() == [str(out / "training.png")]
    assert (out / "training.png").stat().st_size > 10_000


def test_ambiguous_headerless_file_exits_2_naming_the_candidates(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["plot", str(RESUMED), "--out", str(tmp_path)])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"{RESUMED}:1: has no header" in err and "fit 3 Flair layouts" in err
    assert "EPOCH TIMESTAMP BAD_EPOCHS LEARNING_RATE TRAIN_LOSS DEV_LOSS DEV_PRECISION " \
           "DEV_RECALL DEV_F1 DEV_ACCURACY" in err
    assert "TRAIN_ACCURACY DEV_LOSS DEV_ACCURACY TEST_LOSS TEST_ACCURACY" in err
    assert "--header-from" in err and "--columns" in err
    assert not list(tmp_path.iterdir())


def test_header_from_and_columns_resolve_it(tmp_path):
    assert main(["plot", str(RESUMED), "--out", str(tmp_path / "a"), "--format", "png",
                 "--header-from", str(FLAIR / "0.13-classifier" / "loss.tsv")]) == 0
    cols = ("EPOCH,TIMESTAMP,BAD_EPOCHS,LEARNING_RATE,TRAIN_LOSS,DEV_LOSS,DEV_PRECISION,"
            "DEV_RECALL,DEV_F1,DEV_ACCURACY")
    assert main(["plot", str(RESUMED), "--out", str(tmp_path / "b"), "--format", "png",
                 "--columns", cols]) == 0
    assert (tmp_path / "b" / "training.png").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["missing.tsv"], "FILE: missing.tsv does not exist"),
    ([str(RESUMED), "--header-from", "nope.tsv"], "--header-from: nope.tsv is not a file"),
    ([str(RESUMED), "--header-from", str(RESUMED), "--columns", "EPOCH"], "not both"),
    ([str(RESUMED), "--columns", "TIMESTAMP,EPOCH"], "--columns: the first column"),
    ([str(FIX / "hf" / "trainer_state.json"), "--format", "svg"], "format svg"),
    ([str(FIX / "hf" / "trainer_state.json"), "--watch", "--interval", "0"], "--interval"),
    ([str(RESUMED), "--columns", "EPOCH,TIMESTAMP,LEARNING_RATE"],
     "resumed/loss.tsv:1: 10 cells, --columns has 3"),
])
def test_usage_errors_exit_2_and_name_the_flag_or_file(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as e:
        main(["plot", *args, "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_out_must_be_a_directory(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit) as e:
        main(["plot", str(FIX / "hf" / "trainer_state.json"), "--out", str(f)])
    assert e.value.code == 2 and "--out" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_watch_stops_on_ctrl_c_with_exit_0(tmp_path, capsys, monkeypatch):
    import lumos.visual.plotter as plotter

    def interrupted(self, *, sleep=None):
        self.poll()
        raise KeyboardInterrupt

    monkeypatch.setattr(plotter.Watcher, "run", interrupted)
    assert main(["plot", str(FIX / "hf" / "trainer_state.json"), "--out", str(tmp_path),
                 "--format", "png", "--watch", "--interval", "1"]) == 0
    captured = capsys.readouterr()
    assert f"wrote {tmp_path / 'training.png'}" in captured.out
    assert "every 1 s" in captured.err and "stopped" in captured.err
