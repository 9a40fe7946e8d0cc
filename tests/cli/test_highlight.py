"""`lumos highlight` end to end on the fake classifier (loaded through --config)."""

from html.parser import HTMLParser

import pytest

from lumos.cli.main import main
from lumos.testing.fakes import _vec


class Buttons(HTMLParser):
    def __init__(self):
        super().__init__()
        self.titles = []

    def handle_starttag(self, tag, attrs):
        if tag == "button":
            self.titles.append(dict(attrs)["title"])


def titles(path):
    p = Buttons()
    p.feed(path.read_text(encoding="utf-8"))
    return p.titles


def cli(config, *extra):
    return main(["highlight", "--config", str(config), "--model", "clf", "--dataset",
                 "reviews", "--quiet", *extra])


def test_writes_one_page_with_every_rows_words_and_values(config, tmp_path, capsys):
    out = tmp_path / "h.html"
    assert cli(config, "--source", "activation:layer=0,dim=2", "--out", str(out)) == 0
    got = titles(out)
    words = "good movie bad movie good good fun awful day nice one hate".split()
    assert got == [f"{w}: {float(_vec(w, 8)[2]):+.4g}" for w in words]
    assert "12 cells" in capsys.readouterr().out


def test_ids_and_limit_choose_rows(config, tmp_path):
    out = tmp_path / "h.html"
    assert cli(config, "--source", "attention:token=0", "--limit", "2", "--out",
               str(out)) == 0
    assert [t.split(":")[0] for t in titles(out)] == ["good", "movie", "bad", "movie"]
    # without an id column, rows are named by their row keys; take the second row's
    import runpy

    from lumos.engine import Engine
    from lumos.testing.fakes import FakeClassifier

    ds = runpy.run_path(str(config))["datasets"]["reviews"]
    key = Engine.row_labels(FakeClassifier(), ds.examples([1]))[0]
    assert cli(config, "--source", "rollout", "--align", "token", "--ids", key, "--out",
               str(out)) == 0
    assert [t.split(":")[0] for t in titles(out)] == ["bad", "movie"]
    assert key in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["--source", "activation:dim=3", "--out", "h.html"], "--source: activation needs"),
    (["--source", "activation:layer=0,dim=99", "--out", "h.html"], "--source: activation "
     "option 'dim': 99 is out of range"),
    (["--source", "activation:module=bert.x", "--out", "h.html"], "--source: module: 'bert.x'"),
    (["--source", "no_such_method", "--out", "h.html"], "--source:"),
    (["--source", "rollout", "--out", "h.png"], "--out: h.png must end in one of .html"),
    (["--source", "rollout", "--ids", "nope", "--out", "h.html"], "--ids: no row of reviews "
     "has id 'nope'"),
])
def test_errors_exit_2_naming_the_flag(config, tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        cli(config, *args)
    assert e.value.code == 2
    assert message in capsys.readouterr().err
