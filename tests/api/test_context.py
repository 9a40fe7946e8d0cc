"""RunContext: seeded streams per piece of work, progress and cancel."""

import threading

import numpy as np
import pytest

from lumos.api.context import Cancelled, RunContext


def no_predict(model, inputs, *, fields=None, transient=False):
    raise AssertionError("not called")


def test_streams_depend_on_the_seed_and_the_name_of_the_work_only():
    a, b = RunContext(predict=no_predict, seed=3), RunContext(predict=no_predict, seed=3)
    assert a.seed_for("x", "1") == b.seed_for("x", "1")
    assert a.seed_for("x", "1") != a.seed_for("x", "2")
    assert a.seed_for("x") != RunContext(predict=no_predict, seed=4).seed_for("x")
    np.testing.assert_array_equal(a.rng_for("x").random(4), b.rng_for("x").random(4))
    np.testing.assert_array_equal(a.rng.random(4), np.random.default_rng(3).random(4))


def test_progress_and_cancel_reach_the_caller():
    seen = []
    cancel = threading.Event()
    ctx = RunContext(predict=no_predict, progress=lambda d, t: seen.append((d, t)),
                     cancel=cancel)
    ctx.report(1, 3)
    ctx.check_cancelled()
    cancel.set()
    assert ctx.cancelled and seen == [(1, 3)]
    with pytest.raises(Cancelled):
        ctx.check_cancelled()
    RunContext(predict=no_predict).report(1, 2)  # no progress hook: nothing to call
