"""Group-metric gaps: fairlearn's between-groups difference of a rate, with a seeded
bootstrap interval; small groups are left out and named."""

import numpy as np
import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Workspace
from lumos.engine.check_group_metrics import bootstrap_difference, metric_gap_results
from lumos.engine.checks import CheckSpecError
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

# group a: 40 rows, all predicted right; group b: 40 rows, half right; c: 5 rows
TEXTS = ["good"] * 40 + ["good"] * 20 + ["bad"] * 20 + ["good"] * 5
LABELS = ["positive"] * 40 + ["positive"] * 20 + ["positive"] * 20 + ["positive"] * 5
GROUPS = ["a"] * 40 + ["b"] * 40 + ["c"] * 5


@pytest.fixture
def ws(tmp_path):
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative",
                                                                     "positive")),
            "source": T.CategoryLabel()}
    ds = from_table(pa.table({"text": TEXTS, "label": LABELS, "source": GROUPS}),
                    spec=spec)
    ws = Workspace({}, {"d": ds}, engine=Engine(Store(tmp_path / "s.sqlite")))
    ws.add_model("m", FakeClassifier(), smoke_test=False)
    return ws


def _check(**kw):
    return {"id": "g", "kind": "fairness", "statistic": "metric_gap", "group_by": "source",
            "metric": "accuracy", "at_most": 0.1, "min_count": 30, **kw}


def test_accuracy_gap_between_groups(ws):
    (r,) = metric_gap_results(ws, "m", "d", _check())
    assert r.value == pytest.approx(0.5)  # 1.0 in a, 0.5 in b
    assert r.low <= 0.5 <= r.high and r.high < 0.8
    assert r.details["left_out"] == ["c (5)"]
    assert r.details["lowest"] == "b" and r.verdict == "fail"
    assert all(e["group"] == "b" and e["predicted"] == "negative" for e in r.examples)
    (again,) = metric_gap_results(ws, "m", "d", _check())
    assert (again.low, again.high) == (r.low, r.high)  # seeded


def test_too_few_groups_and_bad_field(ws):
    (r,) = metric_gap_results(ws, "m", "d", _check(min_count=41))
    assert r.insufficient and r.verdict == "fail"
    with pytest.raises(CheckSpecError) as e:
        metric_gap_results(ws, "m", "d", _check(group_by="nope"))
    assert e.value.key == "group_by"


def test_bootstrap_difference_covers_and_is_zero_for_equal_certain_rates():
    assert bootstrap_difference([1.0, 1.0], [50, 50]) == (0.0, 0.0)
    lo, hi = bootstrap_difference([0.5, 0.7], [400, 400], seed=1)
    assert lo < 0.2 < hi and hi - lo < 0.2
    assert np.isfinite([lo, hi]).all()
