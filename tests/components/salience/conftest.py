import pytest

from lumos.testing.linear import LinearTextModel


@pytest.fixture(scope="session")
def linear():
    return LinearTextModel()
