import threading

import pytest

from lumos.api import registry
from lumos.api.context import Cancelled, RunContext
from lumos.testing.held import HeldGenerator, held_generator


def _no_model(model, inputs):
    raise AssertionError("the held generator never predicts")


ROWS = [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}]


@pytest.mark.timeout(30)
def test_a_released_run_returns_every_row():
    with held_generator() as release:
        assert registry.get("generator", "test_held") is HeldGenerator
        release.set()
        out = HeldGenerator().run(ROWS, RunContext(predict=_no_model), config=None)
    assert [(g.parent, g.status) for g in out] == [("a", "no_change"), ("b", "no_change")]
    assert "test_held" not in registry.available("generator")


@pytest.mark.timeout(30)
def test_a_cancelled_run_raises_cancelled_and_never_returns_rows():
    cancel = threading.Event()
    cancel.set()
    with held_generator(), pytest.raises(Cancelled):
        HeldGenerator().run(ROWS, RunContext(predict=_no_model, cancel=cancel), config=None)


@pytest.mark.timeout(30)
def test_a_forgotten_run_fails_instead_of_hanging(monkeypatch):
    monkeypatch.setattr(HeldGenerator, "limit", 0.0)
    with held_generator(), pytest.raises(RuntimeError, match="never released"):
        HeldGenerator().run(ROWS, RunContext(predict=_no_model), config=None)
