"""Flair weights.txt and learning_rate.tsv (four cells, and Flair 0.10's five)."""

from pathlib import Path

import pytest

from lumos.visual.logs import LogFormatError, detect, flair_lr, flair_weights

FIX = Path(__file__).parent / "fixtures" / "flair"


def test_weights_one_series_per_parameter_element():
    assert detect(FIX / "weights.txt") == "flair_weights"
    run = flair_weights.read(FIX / "weights.txt")
    assert len(run.series) == 4
    t0 = run.get("transitions", "[0]")
    assert t0.x == (0.0, 25.0, 50.0, 75.0)
    assert t0.y == (0.8488653302192688, 0.8401, 0.8312, 0.826)
    assert run.get("linear.weight", "[12]").y == (-0.0711, -0.0702, -0.0688, -0.0671)
    assert t0.x_label == "iteration"


def test_weights_bad_line_names_file_and_line(tmp_path):
    p = tmp_path / "weights.txt"
    p.write_text("0\ttransitions\t0\t0.5\n25\ttransitions\tx\t0.4\n")
    with pytest.raises(LogFormatError, match=r"weights.txt:2: iteration and index"):
        flair_weights.read(p)


def test_lr_finder_four_cells_smoothed_loss_against_learning_rate():
    assert detect(FIX / "learning_rate.tsv") == "flair_lr"
    run = flair_lr.read(FIX / "learning_rate.tsv")
    (s,) = run.series
    assert s.split == "smoothed" and s.log_x and s.x_label == "learning_rate"
    assert s.x == (1e-07, 1.2e-06, 1.44e-05, 0.000173, 0.00207, 0.0249, 0.298)
    assert s.y == (2.3026, 2.3011, 2.287, 2.1032, 1.6207, 1.9021, 4.7719)


def test_lr_finder_flair_0_10_five_cells_under_the_four_column_header():
    run = flair_lr.read(FIX / "0.10" / "learning_rate.tsv")
    raw, smoothed = run.get("loss", "raw"), run.get("loss", "smoothed")
    assert raw.x == (1e-07, 1e-06, 1e-05, 0.0001, 0.001, 0.01)
    assert raw.y == (2.3125, 2.2981, 2.2012, 1.831, 1.2504, 3.9987)
    assert smoothed.y == (2.3125, 2.3052, 2.2702, 2.1601, 1.9782, 2.3823)
    assert "0.10" in run.notes[0]


def test_lr_finder_rejects_a_non_positive_learning_rate(tmp_path):
    p = tmp_path / "learning_rate.tsv"
    p.write_text("ITERATION\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\n0\t12:00:00\t0\t2.3\n")
    with pytest.raises(LogFormatError, match=r"learning_rate.tsv:2: learning rate '0'"):
        flair_lr.read(p)
