"""`lumos explain` end to end on the known-answer model (loaded through --config)."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from lumos.cli.main import main
from lumos.engine.interpret import explain
from lumos.testing.interpreter_conformance import TEXTS
from lumos.testing.linear import LinearTextModel

CONFIG = """
from lumos.testing.linear import LinearTextModel
models = {"linear": LinearTextModel}
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "cfg.py"
    cfg.write_text(CONFIG)
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "\n".join(f'"{t}",positive' for t in TEXTS) + "\n")
    return cfg, data, tmp_path


def cli(cfg, data, *extra):
    return main(["explain", "--config", str(cfg), "--model", "linear", "--dataset", str(data),
                 "--quiet", *extra])


def test_parquet_has_the_numbers_the_python_api_returns(files, capsys):
    cfg, data, tmp = files
    out = tmp / "sal.parquet"
    assert cli(cfg, data, "--method", "integrated_gradients", "--option", "steps=16",
               "--out", str(out)) == 0
    table = pq.read_table(out).to_pylist()
    assert len(table) == len(TEXTS)
    api = explain(None, LinearTextModel(), [{"text": t} for t in TEXTS],
                  "integrated_gradients", {"steps": 16}, faithfulness=True)
    for row, ref in zip(table, api, strict=True):
        v = ref["integrated_gradients"]
        assert row["tokens"] == v["tokens"]
        np.testing.assert_allclose(row["salience"], v["salience"], rtol=1e-5, atol=1e-6)
        assert row["target_label"] == v["target"]["label"]
        assert row["comprehensiveness"] == pytest.approx(
            ref["faithfulness"]["comprehensiveness"], abs=1e-5)
    printed = capsys.readouterr().out
    assert "comprehensiveness" in printed and "wrote" in printed


def test_html_is_self_contained_and_coloured(files):
    cfg, data, tmp = files
    out = tmp / "sal.html"
    assert cli(cfg, data, "--method", "occlusion", "--out", str(out)) == 0
    page = out.read_text()
    assert page.count("class='ex'") == len(TEXTS)
    assert "rgba(178,24,43" in page and "rgba(33,102,172" in page  # both signs shown
    assert "<script" not in page and "http" not in page
    assert "faithfulness (mean)" in page


def test_second_run_is_served_from_the_cache(files, monkeypatch):
    cfg, data, tmp = files
    calls = []
    import lumos.components.salience.integrated_gradients as ig

    real = ig.IntegratedGradients.attribute
    monkeypatch.setattr(ig.IntegratedGradients, "attribute",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    for _ in range(2):
        assert cli(cfg, data, "--method", "integrated_gradients", "--no-faithfulness",
                   "--out", str(tmp / "a.parquet")) == 0
    assert len(calls) == 1


@pytest.mark.parametrize(("extra", "flag"), [
    (["--method", "nope", "--out", "x.parquet"], "--method"),
    (["--method", "lime", "--out", "x.txt"], "--out"),
    (["--method", "lime", "--option", "n_samples=1", "--out", "x.parquet"], "--option"),
    (["--method", "lime", "--option", "bogus=1", "--out", "x.parquet"], "--option"),
    (["--method", "lime", "--option", "novalue", "--out", "x.parquet"], "--option"),
    (["--method", "lime"], "--out"),
])
def test_usage_errors_name_the_flag(files, capsys, extra, flag):
    cfg, data, tmp = files
    with pytest.raises(SystemExit) as e:
        cli(cfg, data, *extra)
    assert e.value.code == 2
    assert flag in capsys.readouterr().err


def test_list_options(files, capsys):
    cfg, data, _ = files
    assert cli(cfg, data, "--method", "integrated_gradients", "--list-options") == 0
    out = capsys.readouterr().out
    assert "steps" in out and "baseline" in out


GEN_CONFIG = """
import tempfile
from pathlib import Path
from lumos.testing.tiny import build_hf_causal_lm

def lm():
    return build_hf_causal_lm(Path(tempfile.mkdtemp()))[0]

models = {"lm": lm}
"""


@pytest.mark.slow
def test_sequence_salience_writes_one_matrix_per_generated_text(tmp_path, monkeypatch, capsys):
    """The generation path: a [generated, source + generated] matrix per example, equal to
    the Python API's, as Parquet and as an HTML table."""
    from lumos.testing.tiny import build_hf_causal_lm

    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "gen.py"
    cfg.write_text(GEN_CONFIG)
    data = tmp_path / "prompts.csv"
    data.write_text("prompt\nthe capital of france is\nhello there\n")
    out = tmp_path / "seq.parquet"
    args = ["explain", "--config", str(cfg), "--model", "lm", "--dataset", str(data),
            "--method", "sequence_salience", "--option", "max_target_tokens=3"]
    assert main([*args, "--out", str(out)]) == 0
    assert "not for sequence salience" in capsys.readouterr().out
    table = pq.read_table(out).to_pylist()
    model = build_hf_causal_lm(tmp_path / "again")[0]
    want = explain(None, model, [{"prompt": "the capital of france is"},
                                 {"prompt": "hello there"}], "sequence_salience",
                   {"max_target_tokens": 3})
    assert len(table) == 2
    for row, w in zip(table, want, strict=True):
        v = w["sequence_salience"]
        assert row["source"] == list(v["source"]) and row["target"] == list(v["target"])
        got = np.array(row["salience"], dtype=np.float32)
        assert got.shape == (len(v["target"]), len(v["source"]) + len(v["target"]))
        np.testing.assert_allclose(got, v["salience"], atol=1e-5)
    page = tmp_path / "seq.html"
    assert main([*args, "--out", str(page), "--quiet"]) == 0
    text = page.read_text()
    assert text.count("<table class='seq'>") == 2
    assert "rgba(" in text and "<script" not in text


def test_html_palette_matches_the_workbench():
    """Red lowers the explained score and blue raises it, as in the salience module."""
    from lumos.components.salience.html import render_html

    page = render_html([{"tokens": ["up", "down"], "salience": np.array([1.0, -1.0])}],
                       method="m")
    up = page[page.index(">up<") - 120:page.index(">up<")]
    down = page[page.index(">down<") - 120:page.index(">down<")]
    assert "rgba(33,102,172" in up and "rgba(178,24,43" in down


def test_a_method_that_does_not_apply_lists_the_ones_that_do(files, capsys):
    cfg, data, tmp = files
    with pytest.raises(SystemExit) as e:
        cli(cfg, data, "--method", "sequence_salience", "--out", str(tmp / "s.html"))
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "--method: sequence_salience does not apply to model 'linear'; methods that " \
        "do: " in err
    listed = err.split("methods that do: ")[1].strip().split(", ")
    assert {"integrated_gradients", "lime", "occlusion"} <= set(listed)
    assert "sequence_salience" not in listed
