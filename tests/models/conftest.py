import pytest


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tiny_models")


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    """tiny(adapter_id) -> (model, examples), built once per session."""
    from lumos.testing.tiny import build_tiny

    built = {}

    def get(adapter_id):
        if adapter_id not in built:
            built[adapter_id] = build_tiny(adapter_id, tiny_dir)
        return built[adapter_id]

    yield get
    for model, _ in built.values():
        server = getattr(model, "_test_server", None)
        model.close()
        if server is not None:
            server.close()
