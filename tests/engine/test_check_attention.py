"""Attention checks against numbers worked out by hand: the fake classifier attends
uniformly, so the [CLS] row gives each of n tokens 1/n; the per-row numbers are cached."""

import numpy as np
import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.datasets import from_table
from lumos.engine import Workspace
from lumos.engine.check_attention import attention_results, row_statistics
from lumos.engine.checks import CheckSpecError
from lumos.engine.predict import Engine
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier

TEXTS = ["not good movie", "good movie", "it was not fun at all", "no way"] * 10


def _ws(store):
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=("negative",
                                                                     "positive"))}
    ds = from_table(pa.table({"text": TEXTS, "label": ["negative"] * len(TEXTS)}),
                    spec=spec)
    model = FakeClassifier()
    ws = Workspace({}, {"d": ds}, engine=Engine(store))
    ws.add_model("m", model, smoke_test=False)
    return ws, model


def test_row_statistics_by_hand():
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 0] = [0.2, 0.5, 0.3]
    a[0, 0, 1:] = 1 / 3
    st = row_statistics(a, ["[CLS]", "##not", "good"], ["NOT"])
    assert st["share"] == [[0.5]] and st["matches"] == 1
    ent = -(0.2 * np.log(0.2) + 0.5 * np.log(0.5) + 0.3 * np.log(0.3))
    assert st["entropy"][0][0] == pytest.approx((ent + 2 * np.log(3)) / 3)
    assert row_statistics(a, ["a", "b", "c"], ["not"])["share"] is None


def test_share_per_head_is_the_mean_over_rows_with_a_match(tmp_path):
    ws, model = _ws(Store(tmp_path / "s.sqlite"))
    check = {"id": "neg", "kind": "attention", "words": ["not", "no"], "at_most": 0.3,
             "min_count": 5, "pass_on": "point"}
    res = attention_results(ws, "m", "d", check)
    assert [r.slice for r in res] == ["L0H0", "L0H1"]
    # rows with a match: "not good movie" 1/3, "it was not fun at all" 1/6, "no way" 1/2
    expected = np.mean([1 / 3, 1 / 6, 1 / 2])
    for r in res:
        assert r.count == 30
        assert r.value == pytest.approx(expected)
        assert r.low <= r.value <= r.high
        assert r.verdict == "fail"  # 0.333 > 0.3
        assert r.examples[0]["attention_share"] == pytest.approx(0.5)  # worst first
    one = attention_results(ws, "m", "d", {**check, "head": 1, "at_most": 0.4})
    assert len(one) == 1 and one[0].slice == "overall" and one[0].verdict == "pass"


def test_rollout_and_entropy(tmp_path):
    ws, _ = _ws(Store(tmp_path / "s.sqlite"))
    base = {"id": "x", "kind": "attention", "min_count": 5, "pass_on": "point"}
    roll = attention_results(ws, "m", "d", {**base, "words": ["not"], "rollout": True,
                                            "at_most": 1.0})
    # one layer: 0.5 * uniform + 0.5 * identity; the query is the first token, so a
    # "not" in first place gets 0.5/3 + 0.5, one in third place of six 0.5/6
    assert roll[0].value == pytest.approx(np.mean([0.5 / 3 + 0.5, 0.5 / 6]))
    ent = attention_results(ws, "m", "d", {**base, "statistic": "entropy", "layer": 0,
                                           "head": 0, "at_least": 0.0})
    assert ent[0].value == pytest.approx(np.mean([np.log(n) for n in (3, 2, 6, 2)]))
    with pytest.raises(CheckSpecError) as e:
        attention_results(ws, "m", "d", {**base, "words": ["not"], "layer": 3,
                                         "at_most": 1.0})
    assert e.value.key == "layer"


def test_second_run_reads_the_cache(tmp_path):
    store_path = tmp_path / "s.sqlite"
    check = {"id": "neg", "kind": "attention", "words": ["not"], "at_most": 1.0,
             "min_count": 5}
    ws, model = _ws(Store(store_path))
    first = attention_results(ws, "m", "d", check)
    assert model.seen > 0
    ws2, model2 = _ws(Store(store_path))
    second = attention_results(ws2, "m", "d", check)
    assert model2.seen == 0
    assert [r.value for r in first] == [r.value for r in second]
