"""Fake models for every task type, tiny real models, and conformance checks."""

from lumos.testing.fakes import (
    BrokenModel,
    FakeClassifier,
    FakeGenerator,
    FakeRegressor,
    FakeTagger,
)

__all__ = ["BrokenModel", "FakeClassifier", "FakeGenerator", "FakeRegressor", "FakeTagger"]
