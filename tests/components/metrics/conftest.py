"""Shared by the metric tests: the known-answer linear model and its maps."""

import pytest

from lumos.engine.interpret import explain
from lumos.testing.interpreter_conformance import TEXTS
from lumos.testing.linear import LinearTextModel

EXAMPLES = [{"text": t} for t in TEXTS]


@pytest.fixture(scope="module")
def linear():
    return LinearTextModel()


@pytest.fixture
def examples():
    return [dict(ex) for ex in EXAMPLES]


@pytest.fixture
def maps_of(examples):
    """``maps_of(model, method, **options)``: the method's maps of every example."""
    def run(model, method, **options):
        return [r[method] for r in explain(None, model, examples, method, options or None)]

    return run
