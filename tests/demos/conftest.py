import pytest


@pytest.fixture
def lumos_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMOS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A tiny random BERT encoder with the MiniLM tokenizer, as a stand-in base model."""
    from lumos.testing.tiny import tiny_encoder_dir

    return tiny_encoder_dir(tmp_path_factory.mktemp("tiny_base"))
