"""`lumos agreement` and `lumos randomisation` print and write what the engine returns."""

import orjson
import pytest

from lumos.cli.main import main
from lumos.engine.agreement import agreement
from lumos.engine.randomisation import randomisation_check
from lumos.testing.interpreter_conformance import TEXTS
from lumos.testing.linear import LinearTextModel

CONFIG = """
from lumos.testing.linear import LinearTextModel
from lumos.testing import FakeClassifier
models = {"linear": LinearTextModel, "fake": FakeClassifier}
"""
EXAMPLES = [{"text": t} for t in TEXTS]


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "cfg.py"
    cfg.write_text(CONFIG)
    data = tmp_path / "data.csv"
    data.write_text("text\n" + "\n".join(f'"{t}"' for t in TEXTS) + "\n")
    return cfg, data, tmp_path


def test_agreement_writes_the_engine_result(files, capsys):
    cfg, data, tmp = files
    out = tmp / "agree.json"
    assert main(["agreement", "--config", str(cfg), "--model", "linear", "--dataset",
                 str(data), "--method", "grad_dot_input", "--method", "occlusion",
                 "--out", str(out)]) == 0
    got = orjson.loads(out.read_bytes())
    want = agreement(None, LinearTextModel(), EXAMPLES,
                     [("grad_dot_input", None), ("occlusion", None)])
    assert got["methods"] == ["grad_dot_input", "occlusion"]
    assert got["pairs"][0]["spearman"] == pytest.approx(want["pairs"][0]["spearman"])
    assert "grad_dot_input ~ occlusion" in capsys.readouterr().out


def test_agreement_needs_two_methods(files, capsys):
    cfg, data, _ = files
    with pytest.raises(SystemExit) as e:
        main(["agreement", "--config", str(cfg), "--model", "linear", "--dataset",
              str(data), "--method", "grad_dot_input"])
    assert e.value.code == 2
    assert "--method" in capsys.readouterr().err


def test_randomisation_writes_the_engine_result(files, capsys):
    cfg, data, tmp = files
    out = tmp / "sanity.json"
    assert main(["randomisation", "--config", str(cfg), "--model", "linear", "--dataset",
                 str(data), "--method", "grad_dot_input", "--out", str(out)]) == 0
    got = orjson.loads(out.read_bytes())
    want = randomisation_check(None, LinearTextModel(), EXAMPLES, "grad_dot_input")
    assert [s["layer"] for s in got["steps"]] == ["regressor", "classifier", "embedding"]
    assert got["final_rank"] == pytest.approx(want["final_rank"], abs=1e-6)
    assert "up to embedding" in capsys.readouterr().out


def test_randomisation_of_a_model_without_torch_is_a_usage_error(files, capsys):
    cfg, data, _ = files
    with pytest.raises(SystemExit) as e:
        main(["randomisation", "--config", str(cfg), "--model", "fake", "--dataset",
              str(data), "--method", "occlusion"])
    assert e.value.code == 2
    assert "torch module" in capsys.readouterr().err


def test_a_method_that_does_not_apply_names_the_ones_that_do(files, capsys):
    cfg, data, _ = files
    with pytest.raises(SystemExit) as e:
        main(["agreement", "--config", str(cfg), "--model", "fake", "--dataset", str(data),
              "--method", "integrated_gradients", "--method", "lime"])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "--method: integrated_gradients does not apply to model 'fake'; methods that " \
        "do: " in err
    assert "lime" in err.split("methods that do: ")[1]
