"""The verdict rule of audit checks: interval or point, at_least / at_most, and too
little evidence decided by on_insufficient (default fail)."""

import pytest

from lumos.engine.checks import decide, result


@pytest.mark.parametrize("value,low,high,kw,verdict", [
    # at_most on the interval: the upper bound decides
    (0.04, 0.01, 0.12, {"at_most": 0.1}, "fail"),
    (0.04, 0.01, 0.09, {"at_most": 0.1}, "pass"),
    # on the point, the same numbers pass
    (0.04, 0.01, 0.12, {"at_most": 0.1, "pass_on": "point"}, "pass"),
    # at_least on the interval: the lower bound decides
    (0.80, 0.74, 0.85, {"at_least": 0.75}, "fail"),
    (0.80, 0.76, 0.85, {"at_least": 0.75}, "pass"),
    # within bounds: both ends
    (0.0, -0.03, 0.02, {"at_least": -0.02, "at_most": 0.02}, "fail"),
    (0.0, -0.01, 0.02, {"at_least": -0.02, "at_most": 0.02}, "pass"),
    # exactly on the threshold passes
    (0.1, 0.05, 0.1, {"at_most": 0.1}, "pass"),
])
def test_decide(value, low, high, kw, verdict):
    assert decide(value, low, high, **kw)[0] == verdict


def test_no_interval_is_judged_on_the_value_and_says_so():
    verdict, reason, judged = decide(0.8, None, None, at_least=0.75)
    assert (verdict, judged) == ("pass", "point")
    assert "no interval" in reason
    assert decide(0.7, None, None, at_least=0.75)[0] == "fail"


@pytest.mark.parametrize("on,verdict", [("fail", "fail"), ("skip", "skip"),
                                        ("pass", "pass")])
def test_insufficient_evidence(on, verdict):
    v, reason, _ = decide(0.0, 0.0, 0.0, at_most=1.0, insufficient="3 rows",
                          on_insufficient=on)
    assert v == verdict
    assert "not enough evidence: 3 rows" in reason


def test_undefined_value_is_insufficient():
    assert decide(None, None, None, at_most=1.0)[0] == "fail"
    assert decide(float("nan"), None, None, at_most=1.0)[0] == "fail"


def test_result_fails_a_small_count_by_default_and_keeps_numbers():
    check = {"id": "acc", "kind": "quality", "at_least": 0.5, "min_count": 30}
    r = result(check, model="m", dataset="d", slice="overall", statistic="accuracy",
               value=0.9, low=0.8, high=0.95, count=29)
    assert (r.verdict, r.insufficient, r.value) == ("fail", True, 0.9)
    r = result({**check, "on_insufficient": "skip"}, model="m", dataset="d",
               slice="x=1", statistic="accuracy", value=0.9, low=0.8, high=0.95,
               count=29)
    assert r.verdict == "skip" and r.name == "acc[x=1]"
    r = result(check, model="m", dataset="d", slice="overall", statistic="accuracy",
               value=0.9, low=0.8, high=0.95, count=30)
    assert r.verdict == "pass" and not r.insufficient
