"""Flair loss.tsv in each header generation, read exactly; a headerless resumed file
from --header-from, --columns, or the one layout that fits."""

from pathlib import Path

import pytest

from lumos.visual.logs import AmbiguousLayoutError, LogFormatError, detect, flair_loss

FIX = Path(__file__).parent / "fixtures" / "flair"


def test_0_3_epochs_from_zero_losses_missing_f_score_is_f1():
    run = flair_loss.read(FIX / "0.3" / "loss.tsv")
    loss = run.get("loss", "train")
    assert loss.x == (0.0, 1.0) and loss.y == (None, None)
    assert run.get("f1", "dev").y == (0.7806, 0.8333)
    assert run.get("tp", "test").y == (188.0, 201.0)
    assert run.get("accuracy", "train").y == (0.6738, 0.7821)
    assert run.notes == ()


def test_0_4_0_f_score_and_underscore_cells():
    run = flair_loss.read(FIX / "0.4.0" / "loss.tsv")
    assert run.get("f1", "train").y == (0.5757, 0.7153, None)
    assert run.get("precision", "train").y == (0.6011, 0.7312, None)
    assert run.get("loss", "test").y == (None, None, None)
    assert run.get("loss", "dev").y == (2.1043, 1.642, 1.7012)
    assert run.get("learning_rate").y == (0.1, 0.1, 0.1)
    assert run.get("bad_epochs").y == (0.0, 0.0, 1.0)


def test_0_12_no_trailing_newline_full_precision():
    path = FIX / "0.12" / "loss.tsv"
    assert not path.read_bytes().endswith(b"\n")
    run = flair_loss.read(path)
    assert run.get("loss", "train").y == (0.6781343320539873, 0.4852111339569092,
                                          0.39810943603515625, 0.3127046823501587)
    assert run.get("f1", "dev").y == (0.0, 0.6666666666666666, 0.7096774193548387,
                                      0.7741935483870968)
    assert run.get("loss", "dev").x == (1.0, 2.0, 3.0, 4.0)
    assert run.get("learning_rate").y == (0.02, 0.02, 0.02, 0.01)
    assert {s.split for s in run.series} == {None, "train", "dev"}


def test_comma_joined_learning_rates_are_one_series_per_parameter_group():
    run = flair_loss.read(FIX / "0.12-param-groups" / "loss.tsv")
    assert run.get("learning_rate", "group 0").y == (5e-05, 4.5e-05, 4e-05)
    assert run.get("learning_rate", "group 1").y == (0.001, 0.0009, 0.0008)
    assert run.get("accuracy", "test").y == (0.671875, 0.765625, 0.796875)


def test_0_13_four_decimals_learning_rate_rounded_to_zero():
    run = flair_loss.read(FIX / "0.13" / "loss.tsv")
    assert run.get("learning_rate").y == (0.0001, 0.0001)
    assert run.get("f1", "test").y == (0.4619, 0.6248)


def test_headerless_file_infers_the_only_layout_that_fits_and_says_so():
    run = flair_loss.read(FIX / "0.13" / "resumed" / "loss.tsv")
    assert run.get("loss", "train").y == (1.0472, 0.8215)
    assert run.get("f1", "dev").x == (3.0, 4.0)
    assert run.get("f1", "dev").y == (0.6922, 0.7165)
    assert run.get("accuracy", "test").y == (0.5108, 0.5336)
    assert "inferred" in run.notes[0]


def test_headerless_ambiguous_file_names_every_candidate_layout():
    with pytest.raises(AmbiguousLayoutError) as e:
        flair_loss.read(FIX / "0.13-classifier" / "resumed" / "loss.tsv")
    err = e.value
    assert len(err.candidates) == 3
    assert ("EPOCH", "TIMESTAMP", "BAD_EPOCHS", "LEARNING_RATE", "TRAIN_LOSS", "DEV_LOSS",
            "DEV_PRECISION", "DEV_RECALL", "DEV_F1", "DEV_ACCURACY") in err.candidates
    msg = str(err)
    assert "resumed/loss.tsv:1" in msg and "--header-from" in msg
    for cand in err.candidates:
        assert " ".join(cand) in msg


def test_header_from_an_earlier_file_of_the_run():
    run = flair_loss.read(FIX / "0.13-classifier" / "resumed" / "loss.tsv",
                          header_from=FIX / "0.13-classifier" / "loss.tsv")
    assert run.get("accuracy", "dev").y == (0.75, 0.7)
    assert run.get("loss", "train").x == (3.0, 4.0)
    assert "taken from" in run.notes[0]


def test_columns_flag_picks_another_of_the_candidates():
    cols = "EPOCH,TIMESTAMP,BAD_EPOCHS,LEARNING_RATE,TRAIN_LOSS,TEST_LOSS,TEST_PRECISION," \
           "TEST_RECALL,TEST_F1,TEST_ACCURACY"
    run = flair_loss.read(FIX / "0.13-classifier" / "resumed" / "loss.tsv", columns=cols)
    assert run.get("f1", "test").y == (0.75, 0.7179)
    with pytest.raises(KeyError):
        run.get("f1", "dev")


def test_columns_must_start_with_epoch():
    with pytest.raises(ValueError, match="--columns"):
        flair_loss.parse_columns("TIMESTAMP,EPOCH")


def test_header_from_a_file_without_header_is_refused_with_its_name(tmp_path):
    with pytest.raises(LogFormatError, match="resumed/loss.tsv:1: has no EPOCH"):
        flair_loss.read(FIX / "0.13-classifier" / "resumed" / "loss.tsv",
                        header_from=FIX / "0.13-classifier" / "resumed" / "loss.tsv")


def test_a_row_with_the_wrong_cell_count_names_file_and_line(tmp_path):
    p = tmp_path / "loss.tsv"
    p.write_text("EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\n1\t10:00:00\t0.1\t0.5\n"
                 "2\t10:01:00\t0.1\n")
    with pytest.raises(LogFormatError, match=r"loss.tsv:3: 3 cells, the header has 4"):
        flair_loss.read(p)


def test_a_non_numeric_cell_names_file_line_and_column(tmp_path):
    p = tmp_path / "loss.tsv"
    p.write_text("EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\n1\t10:00:00\t0.1\tnope")
    with pytest.raises(LogFormatError, match=r"loss.tsv:2: TRAIN_LOSS 'nope'"):
        flair_loss.read(p)


def test_rows_that_fit_no_layout(tmp_path):
    p = tmp_path / "loss.tsv"
    p.write_text("1\t10:00:00\t0.1\n")
    with pytest.raises(AmbiguousLayoutError, match="fit no known Flair layout") as e:
        flair_loss.read(p)
    assert e.value.candidates == []


def test_every_generation_is_detected_as_a_loss_file():
    for p in FIX.rglob("loss.tsv"):
        assert detect(p) == "flair_loss", p


def test_a_diverged_loss_is_a_gap(tmp_path):
    p = tmp_path / "loss.tsv"
    p.write_text("EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\n1\t10:00:00\t0.1\tinf\n"
                 "2\t10:01:00\t0.1\tnan")
    assert flair_loss.read(p).get("loss", "train").y == (None, None)


def test_header_from_with_another_width_names_both_files():
    with pytest.raises(LogFormatError, match=r"resumed/loss.tsv:1: 10 cells, the header of "
                       r".*0.12-param-groups/loss.tsv has 9"):
        flair_loss.read(FIX / "0.13-classifier" / "resumed" / "loss.tsv",
                        header_from=FIX / "0.12-param-groups" / "loss.tsv")


def test_a_header_without_rows_says_no_epoch_finished(tmp_path):
    p = tmp_path / "loss.tsv"
    p.write_text("EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS")
    with pytest.raises(LogFormatError, match="loss.tsv:1: has a header but no rows yet"):
        flair_loss.read(p)
