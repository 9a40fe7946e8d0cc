"""Hugging Face trainer_state.json: train, eval, multi-eval, custom prefix, summary,
checkpoint directories."""

import json
import math
from pathlib import Path

import pytest

from lumos.visual.logs import LogFormatError, detect, hf_trainer_state, load

FIX = Path(__file__).parent / "fixtures" / "hf"


def test_train_and_eval_records_split_and_summary_kept_apart():
    run = hf_trainer_state.read(FIX / "trainer_state.json")
    assert run.get("loss", "train").x == (10.0, 20.0, 30.0, 40.0)
    assert run.get("loss", "train").y == (0.6931, 0.5512, 0.4123, 0.3387)
    assert run.get("loss", "eval").x == (20.0, 40.0)
    assert run.get("loss", "eval").y == (0.4821, 0.4102)
    assert run.get("f1", "eval").y == (0.7711, 0.8297)
    assert run.get("learning_rate").y == (4.5e-05, 4e-05, 3.5e-05, 3e-05)
    # NaN grad norm (an overflow step) is a gap
    assert run.get("grad_norm").y == (4.1175, 3.2051, 2.8, None)
    assert run.summary["train_loss"] == 0.4988 and run.summary["train_runtime"] == 35.6271
    names = {s.name for s in run.series}
    assert not any("runtime" in n or "per_second" in n for n in names)
    assert "train_loss" not in names and "total_flos" not in names


def test_the_fixture_really_holds_nan():
    assert "NaN" in (FIX / "trainer_state.json").read_text()
    assert math.isnan(json.loads((FIX / "trainer_state.json").read_text())
                      ["log_history"][4]["grad_norm"])


def test_several_eval_sets_and_a_custom_prefix():
    run = hf_trainer_state.read(FIX / "multi_eval" / "trainer_state.json")
    assert run.get("accuracy", "eval_sst2").y == (0.81, 0.86)
    assert run.get("loss", "eval_imdb").y == (0.5623, 0.4977)
    assert run.get("accuracy", "test").x == (100.0,)
    assert run.get("accuracy", "test").y == (0.851,)
    assert run.get("loss", "train").y == (0.7011, 0.4209)
    assert {s.split for s in run.series} == {"train", None, "eval_sst2", "eval_imdb", "test"}


def test_directory_means_its_file_or_the_latest_checkpoint_by_number():
    assert detect(FIX / "output") == "hf_trainer_state"
    (run,) = load(FIX / "output")
    assert run.path == FIX / "output" / "checkpoint-20" / "trainer_state.json"
    assert run.get("loss", "train").y == (0.6931, 0.5512)
    assert run.get("loss", "eval").y == (0.4821,)
    (run,) = load(FIX / "multi_eval")
    assert run.path.name == "trainer_state.json"


def test_errors_name_the_file_and_entry(tmp_path):
    p = tmp_path / "trainer_state.json"
    p.write_text('{"log_history": [{"loss": 1.0, "step": 1}, {"loss": 0.5}]}')
    with pytest.raises(LogFormatError, match=r"trainer_state.json: log_history\[1\] has no "):
        hf_trainer_state.read(p)
    p.write_text('{"log_history": [\n{"loss": 1.0,, "step": 1}]}')
    with pytest.raises(LogFormatError, match=r"trainer_state.json:2: is not JSON"):
        hf_trainer_state.read(p)
    p.write_text('{"global_step": 3}')
    with pytest.raises(LogFormatError, match="no log_history"):
        hf_trainer_state.read(p)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LogFormatError, match="empty: has no trainer_state.json"):
        hf_trainer_state.read(empty)
