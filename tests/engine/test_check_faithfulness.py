"""Faithfulness checks: the mean of the per-row ERASER scores lumos.engine.faithfulness
gives, judged with its interval, and read from the cache on a second run."""

import numpy as np
import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Workspace
from lumos.engine.check_faithfulness import faithfulness_results
from lumos.engine.checks import CheckSpecError
from lumos.engine.faithfulness import faithfulness_scores
from lumos.engine.interpret import explain
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

TEXTS = ["good movie and fun", "bad day but nice food", "awful boring plot",
         "great fun", "the plot was good"] * 8
METHOD = "occlusion"


def _ws(path):
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative",
                                                                     "positive"))}
    ds = from_table(pa.table({"text": TEXTS, "label": ["positive"] * len(TEXTS)}),
                    spec=spec)
    model = FakeClassifier()
    ws = Workspace({}, {"d": ds}, engine=Engine(Store(path)))
    ws.add_model("m", model, smoke_test=False)
    return ws, model


def test_value_is_the_mean_of_the_engines_scores(tmp_path):
    ws, model = _ws(tmp_path / "s.sqlite")
    check = {"id": "f", "kind": "faithfulness", "method": METHOD,
             "statistic": "comprehensiveness", "at_least": 0.0, "min_count": 10}
    (r,) = faithfulness_results(ws, "m", "d", check)
    examples = ws.dataset("d").examples(range(len(TEXTS)))
    maps = explain(ws, "m", examples, METHOD)
    field = next(iter(maps[0]))
    ref = faithfulness_scores(ws.engine, model, examples, [m[field] for m in maps])
    values = [x["comprehensiveness"] for x in ref if x["comprehensiveness"] is not None]
    assert r.count == len(values) > 0
    assert r.value == pytest.approx(float(np.mean(values)))
    assert r.low <= r.value <= r.high
    assert r.details["method"] == METHOD
    assert r.verdict == ("pass" if r.low >= 0.0 else "fail")


def test_cached_on_a_second_run_and_bad_method(tmp_path):
    check = {"id": "f", "kind": "faithfulness", "method": METHOD,
             "statistic": "sufficiency", "at_most": 1.0, "min_count": 10}
    ws, _ = _ws(tmp_path / "s.sqlite")
    (first,) = faithfulness_results(ws, "m", "d", check)
    ws2, model2 = _ws(tmp_path / "s.sqlite")
    (second,) = faithfulness_results(ws2, "m", "d", check)
    assert model2.seen == 0
    assert first.value == second.value
    with pytest.raises(CheckSpecError) as e:
        faithfulness_results(ws, "m", "d", {**check, "method": "occlusio"})
    assert e.value.key == "method"
