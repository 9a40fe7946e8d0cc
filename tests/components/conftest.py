"""Shared by the component tests."""

import pytest

from lumos.testing.linear import LinearTextModel


class CountingLinear(LinearTextModel):
    """The known-answer linear model, recording the size of every batch it predicts."""

    def __init__(self, max_batch_size: int = 10_000) -> None:
        super().__init__()
        self.max_batch_size = max_batch_size
        self.calls: list[int] = []

    def predict(self, inputs, *, fields=None):
        self.calls.append(len(inputs))
        return super().predict(inputs, fields=fields)


@pytest.fixture
def counting_linear():
    return CountingLinear()
