"""Shared by the CLI tests: a --config file with a fake classifier and six reviews."""

import textwrap

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
