"""`lumos embed-map` with a fake model from a --config file (tests/cli/conftest.py's six
reviews and a fake classifier that also declares per-token embeddings)."""

import json

import pytest

from lumos.cli.main import main

pytestmark = pytest.mark.timeout(120)

TOKEN_CONFIG = """
from lumos.testing.fakes import FakeClassifier
models["tok"] = lambda: FakeClassifier(token_embeddings=True)
"""


@pytest.fixture
def token_config(config):
    config.write_text(config.read_text() + TOKEN_CONFIG)
    return config


def _data(html: str) -> dict:
    return json.loads(html.split("var LUMOS_MAP = ", 1)[1].split(";</script>", 1)[0])


def test_sentence_map_with_png_and_projector(config, tmp_path, capsys):
    out, png, proj = tmp_path / "map.html", tmp_path / "map.png", tmp_path / "proj"
    argv = ["embed-map", "--config", str(config), "--model", "clf", "--dataset", "reviews",
            "--out", str(out), "--png", str(png), "--projector", str(proj)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "computed tsne map of 6 sentence points" in said and "perplexity 1.67" in said
    page = out.read_text()
    assert 'data-points="6"' in page
    data = _data(page)
    assert data["colour"]["field"] == "label" and len(data["x"]) == 6
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert len((proj / "vectors.tsv").read_text().splitlines()) == 6
    assert (proj / "metadata.tsv").read_text().splitlines()[0] == "text\tlabel\trow\tid"
    assert main(argv) == 0
    assert "cached tsne map" in capsys.readouterr().out


def test_token_map_coloured_by_a_column_with_umap(token_config, tmp_path, capsys):
    out = tmp_path / "tokens.html"
    assert main(["embed-map", "--config", str(token_config), "--model", "tok", "--dataset",
                 "reviews", "--level", "token", "--method", "umap", "--color-by", "source",
                 "--limit", "4", "--out", str(out)]) == 0
    data = _data(out.read_text())
    # "good movie", "bad movie", "good good fun", "awful day": 9 tokens
    assert len(data["x"]) == 9 and data["level"] == "token"
    assert data["colour"]["field"] == "source"
    assert data["colour"]["labels"] == ["a", "a", "a", "a", "b", "b", "b", "b", "b"]
    assert "umap map of 9 token points" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "flag", "words"), [
    (["--out", "m.png"], "--out", "must end in one of .html"),
    (["--png", "m.jpg"], "--png", "must end in one of .png"),
    (["--color-by", "nope"], "--color-by", "'nope' is neither"),
    (["--level", "token"], "--level", "no per-token embeddings"),
    (["--field", "probas"], "--field", "not a field of type Embeddings"),
    (["--limit", "3"], "--limit", "3 sentences are too few for a map"),
    (["--sample", "2"], "--sample", "2 sentences are too few for a map"),
    (["--method", "umap", "--perplexity", "5"], "--perplexity", "only applies"),
    (["--neighbors", "5"], "--neighbors", "only applies to --method umap"),
])
def test_usage_errors_exit_2_naming_the_flag(config, tmp_path, capsys, argv, flag, words):
    base = ["embed-map", "--config", str(config), "--model", "clf", "--dataset", "reviews",
            "--out", str(tmp_path / "m.html")]
    with pytest.raises(SystemExit) as e:
        main(base + argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {flag}: " in err and words in err
