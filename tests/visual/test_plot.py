"""The Plotter: figures drawn from the fixtures hold the right series and values (checked
on the matplotlib Figures before saving), the PNGs are valid images, the HTML carries the
same data, and one --watch iteration redraws only when a log changed."""

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from lumos.visual import curves, plot, plot_html, plot_png
from lumos.visual.logs import AmbiguousLayoutError
from lumos.visual.plotter import Watcher, load_runs

FIX = Path(__file__).parent / "fixtures"
FLAIR = FIX / "flair"
HF = FIX / "hf" / "trainer_state.json"


def _axes(fig):
    return {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}


def _line(ax, label):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return line


def _figures(paths, **kw):
    return plot_png.figures(curves.panels(load_runs(paths, **kw)))


def test_two_flair_runs_overlaid_one_panel_per_metric_splits_as_colours():
    figs = _figures([FLAIR / "0.12" / "loss.tsv", FLAIR / "0.13" / "loss.tsv"])
    assert set(figs) == {"training"}
    axes = _axes(figs["training"])
    assert list(axes)[:5] == ["loss", "f1", "accuracy", "precision", "recall"]
    loss = axes["loss"]
    labels = [ln.get_label() for ln in loss.get_lines()]
    assert labels == ["train · 0.12", "dev · 0.12", "train · 0.13", "dev · 0.13", "test · 0.13"]
    dev13 = _line(loss, "dev · 0.13")
    assert list(dev13.get_xdata()) == [1.0, 2.0]
    assert list(dev13.get_ydata()) == [1.2034, 0.8102]
    train12 = _line(loss, "train · 0.12")
    assert train12.get_color() == _line(loss, "train · 0.13").get_color() == "#1f77b4"
    assert dev13.get_color() == "#ff7f0e" and _line(loss, "test · 0.13").get_color() == "#2ca02c"
    assert train12.get_linestyle() == "-" and dev13.get_linestyle() == "--"
    assert loss.get_xlabel() == "epoch" and loss.get_xscale() == "linear"


def test_missing_cells_are_gaps_in_the_line():
    axes = _axes(_figures([FLAIR / "0.4.0" / "loss.tsv"])["training"])
    y = _line(axes["f1"], "train").get_ydata()
    assert y[:2].tolist() == [0.5757, 0.7153] and math.isnan(y[2])


def test_lr_finder_on_a_log_axis_and_weights_per_parameter():
    figs = _figures([FLAIR / "learning_rate.tsv", FLAIR / "0.10" / "learning_rate.tsv",
                     FLAIR / "weights.txt"])
    assert set(figs) == {"lr_finder", "weights"}
    (ax,) = _axes(figs["lr_finder"]).values()
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    assert [ln.get_label() for ln in ax.get_lines()] == [
        "smoothed · learning_rate.tsv", "raw · 0.10", "smoothed · 0.10"]
    raw = _line(ax, "raw · 0.10")
    assert raw.get_xdata().tolist()[-1] == 0.01 and raw.get_ydata().tolist()[-1] == 3.9987
    w = _axes(figs["weights"])
    assert set(w) == {"transitions", "linear.weight"}
    assert _line(w["transitions"], "[7]").get_linestyle() == "-"
    assert _line(w["transitions"], "[7]").get_ydata().tolist() == [-0.1232, -0.1301,
                                                                   -0.1388, -0.1402]


def test_hugging_face_train_and_eval_in_one_loss_panel():
    axes = _axes(_figures([HF])["training"])
    assert {"loss", "f1", "accuracy", "learning rate", "grad norm"} <= set(axes)
    loss = axes["loss"]
    assert [ln.get_label() for ln in loss.get_lines()] == ["train", "eval"]
    assert _line(loss, "eval").get_xdata().tolist() == [20.0, 40.0]
    assert loss.get_xlabel() == "step"


def test_plot_writes_valid_pngs_and_one_html_and_returns_them(tmp_path, plot_script):
    from matplotlib.image import imread

    written = plot([FLAIR / "0.12" / "loss.tsv", HF, FLAIR / "learning_rate.tsv"],
                   out_dir=tmp_path / "out")
    assert [p.name for p in written] == ["training.png", "lr_finder.png", "training.html"]
    for p in written[:2]:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        img = imread(p)
        assert img.ndim == 3 and img.shape[0] > 300 and img.shape[1] > 400
        assert np.std(img[..., :3]) > 0.01  # not a blank canvas
    assert not list((tmp_path / "out").glob(".*.tmp"))
    assert plot(HF, tmp_path / "png", formats="png") == [tmp_path / "png" / "training.png"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="format svg: choose from png, html"):
        plot(HF, "unused", formats="png,svg")


def test_ambiguous_headerless_file_raises_before_writing(tmp_path):
    with pytest.raises(AmbiguousLayoutError):
        plot(FLAIR / "0.13-classifier" / "resumed" / "loss.tsv", tmp_path / "o")
    assert not (tmp_path / "o").exists()
    written = plot(FLAIR / "0.13-classifier" / "resumed" / "loss.tsv", tmp_path / "o",
                   header_from=FLAIR / "0.13-classifier" / "loss.tsv", formats="png")
    assert written == [tmp_path / "o" / "training.png"]


@pytest.fixture
def plot_script():
    """The page's script comes from the UI build (make ui); required in CI."""
    if not plot_html.SCRIPT.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{plot_html.SCRIPT} is not built (required in CI)")
        pytest.skip(f"{plot_html.SCRIPT} is not built (make ui)")


def _page_data(page: str) -> dict:
    m = re.search(r'<script id="plot-data" type="application/json">(.*?)</script>', page,
                  re.S)
    return json.loads(m.group(1))


def test_html_page_holds_aligned_series_and_is_self_contained(plot_script):
    runs = load_runs([HF])
    page = plot_html.page(runs, curves.panels(runs))
    data = _page_data(page)
    loss = next(p for p in data["panels"] if p["metric"] == "loss")
    assert loss["x"] == [10.0, 20.0, 30.0, 40.0]
    assert [s["label"] for s in loss["series"]] == ["train", "eval"]
    assert loss["series"][1]["y"] == [None, 0.4821, None, 0.4102]
    assert "src=" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "train_runtime" in page  # the summary entry, as a table


def test_labels_cannot_leave_the_page_script(tmp_path, plot_script):
    p = tmp_path / "trainer_state.json"
    p.write_text(json.dumps({"log_history": [
        {"step": 1, "loss": 1.0, "</script><img src=x onerror=alert(1)>": 2.0}]}))
    runs = load_runs([p])
    page = plot_html.page(runs, curves.panels(runs))
    assert page.count("</script>") == 3  # the bundle, the data, the boot script
    assert "<img src=x" not in page
    assert any(s["label"].startswith("</script>") for panel in _page_data(page)["panels"]
               for s in panel["series"])


def _touch(path: Path, text: str, ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(ns, ns))


def test_watch_iteration_redraws_only_after_a_change_and_waits_out_a_half_line(tmp_path):
    log = tmp_path / "loss.tsv"
    src = (FLAIR / "0.12" / "loss.tsv").read_text()
    head, *rows = src.split("\n")
    _touch(log, "\n".join([head, *rows[:2]]), 1_000_000_000)
    errors, redraws = [], []
    w = Watcher(log, tmp_path / "out", formats="png", on_error=errors.append,
                on_redraw=redraws.append)
    assert w.poll() == [tmp_path / "out" / "training.png"]
    assert w.poll() is None and len(redraws) == 1
    # training is half-way through writing epoch 3: the row is cut short
    _touch(log, "\n".join([head, *rows[:2], rows[2][:12]]), 2_000_000_000)
    assert w.poll() is None and len(errors) == 1 and "loss.tsv:4" in str(errors[0])
    _touch(log, "\n".join([head, *rows[:3]]), 3_000_000_000)
    assert w.poll() is not None and len(redraws) == 2
    assert w.poll() is None


@pytest.mark.timeout(60)  # the loop ends only through the interrupt
def test_watch_interval_is_bounded_and_ctrl_c_stops_the_loop(tmp_path):
    assert Watcher(HF, tmp_path, interval=0).interval == 0.2
    assert Watcher(HF, tmp_path, interval=1e6).interval == 60.0
    w = Watcher(HF, tmp_path, interval=5, formats="png")
    slept = []

    def sleep(s):
        slept.append(s)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        w.run(sleep=sleep)
    assert slept == [5.0] and (tmp_path / "training.png").is_file()


def test_the_exported_plot_is_the_function_whatever_was_imported_first():
    import importlib

    import lumos.visual
    import lumos.visual.plotter

    importlib.import_module("lumos.visual.plot_html")
    from lumos.visual import plot as exported

    assert exported is lumos.visual.plotter.plot and lumos.visual.plot is exported
