"""Shared by the CLI tests: a --config file with a fake classifier and six reviews, and a
private LUMOS_HOME that shares the trained demo models."""

import os
import textwrap
from pathlib import Path

import pytest

CONFIG = textwrap.dedent('''
    import pyarrow as pa
    from lumos.api import types as T
    from lumos.datasets import from_table
    from lumos.testing.fakes import FakeClassifier

    texts = ["good movie", "bad movie", "good good fun", "awful day", "nice one", "hate"]
    labels = ["positive", "negative", "positive", "positive", "negative", "negative"]
    source = ["a", "a", "b", "b", "b", "b"]
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative", "positive")),
            "source": T.CategoryLabel(required=False)}
    datasets = {"reviews": from_table(pa.table({"text": texts, "label": labels,
                                                "source": source}), spec=spec)}
    models = {"clf": FakeClassifier}
''')


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    p = tmp_path / "lumos_config.py"
    p.write_text(CONFIG)
    return p


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A private LUMOS_HOME (its own store) that shares the trained demo models."""
    from platformdirs import user_cache_dir

    home = tmp_path_factory.mktemp("home")
    shared = Path(os.environ.get("LUMOS_HOME") or user_cache_dir("lumos")) / "demos"
    if shared.is_dir():
        (home / "demos").symlink_to(shared, target_is_directory=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("LUMOS_HOME", str(home))
    yield home
    mp.undo()
