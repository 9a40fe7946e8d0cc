import pytest
from fastapi.testclient import TestClient

from lumos.engine import Engine, Workspace
from lumos.server.app import create_app
from lumos.testing.sample import sample_datasets, sample_models


@pytest.fixture
def workspace(store):
    return Workspace(sample_models(), sample_datasets(), engine=Engine(store))


@pytest.fixture
def client(workspace):
    app = create_app(workspace)
    with TestClient(app) as c:
        yield c
    app.state.jobs.shutdown()
