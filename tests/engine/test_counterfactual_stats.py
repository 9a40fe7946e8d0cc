"""Counterfactual statistics: parent-level outcomes, intervals, TextAttack's summary,
group gaps and fairlearn's group metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lumos.engine import counterfactual_stats as cs


def test_wilson_interval_is_scipys_and_known_values() -> None:
    iv = cs.wilson_interval(8, 10)
    ci = stats.binomtest(8, 10).proportion_ci(method="wilson")
    assert (iv.low, iv.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    # textbook Wilson 95 % interval for 8/10
    assert iv.low == pytest.approx(0.4902, abs=1e-4)
    assert iv.high == pytest.approx(0.9433, abs=1e-4)
    assert iv.estimate == 0.8 and iv.n == 10
    empty = cs.wilson_interval(0, 0)
    assert empty.n == 0 and math.isnan(empty.low)
    assert empty.to_json()["low"] is None


def test_attack_summary_reproduces_textattacks_worked_example() -> None:
    statuses = ["skipped"] * 43 + ["failed"] * 29 + ["succeeded"] * 128
    s = cs.attack_summary(statuses)
    assert (s.total, s.skipped, s.failed, s.succeeded) == (200, 43, 29, 128)
    assert s.original_accuracy == pytest.approx(78.5)
    assert s.accuracy_under_attack == pytest.approx(14.5)
    assert s.success_rate == pytest.approx(81.53, abs=0.005)
    rows = dict(s.table())
    assert rows["Original accuracy:"] == "78.50%"
    assert rows["Accuracy under attack:"] == "14.50%"
    assert rows["Attack success rate:"] == "81.53%"
    assert s.success_rate_interval.low < 0.8153 < s.success_rate_interval.high


def test_attack_summary_word_share_over_successes_and_queries_over_non_skipped() -> None:
    s = cs.attack_summary(["succeeded", "succeeded", "failed", "skipped"],
                          words_changed=[1, 3, 2, 0], words_total=[4, 6, 10, 8],
                          queries=[10, 20, 30, 999])
    assert s.perturbed_word_percentage == pytest.approx((25.0 + 50.0) / 2)
    assert s.words_per_input == pytest.approx(7.0)
    assert s.avg_queries == pytest.approx(20.0)
    with pytest.raises(ValueError, match="statuses: unknown attack status 'won'"):
        cs.attack_summary(["won"])
    with pytest.raises(ValueError, match="queries has 1 values for 2 attacks"):
        cs.attack_summary(["failed", "failed"], queries=[1])


def test_flip_rate_is_worst_case_over_parents_with_mean_over_children() -> None:
    parents = ["a", "a", "b", "b", "c"]
    flipped = [False, True, False, False, True]
    valid = [True, False, True, None, True]
    raw = cs.flip_rate(parents, flipped)
    assert (raw.parents, raw.children, raw.flipped_parents) == (3, 5, 2)
    assert raw.worst_case.estimate == pytest.approx(2 / 3)
    assert raw.mean_over_children.estimate == pytest.approx((0.5 + 0 + 1) / 3)
    filt = cs.flip_rate(parents, flipped, valid=valid, view="valid")
    # a's flipping child is invalid; b's unchecked child stays, and is counted
    assert (filt.parents, filt.children, filt.flipped_parents) == (3, 4, 1)
    assert filt.unchecked == 1
    assert filt.worst_case.estimate == pytest.approx(1 / 3)


def test_a_parent_whose_children_are_all_invalid_leaves_the_valid_view() -> None:
    r = cs.flip_rate(["a", "b"], [True, False], valid=[False, True], view="valid")
    assert r.parents == 1 and r.flipped_parents == 0


def test_flip_rate_denominator_is_originals_with_a_child_not_textattacks() -> None:
    # a: right, flipped; b: already wrong, flipped; c: right, not flipped; d: no child
    parents = {"a": {"score": 0.9, "correct": True}, "b": {"score": 0.2, "correct": False},
               "c": {"score": 0.8, "correct": True}, "d": {"score": 0.7, "correct": True}}
    children = [{"parent": "a", "flipped": True, "score": 0.3, "correct": False},
                {"parent": "b", "flipped": True, "score": 0.6, "correct": True},
                {"parent": "c", "flipped": False, "score": 0.7, "correct": True}]
    out = cs.summarise(parents, children)
    fr = out["raw"]["flip_rate"]
    # n = originals with a child: the misclassified b is in it, the childless d is not
    assert (out["originals"], out["parents"]) == (4, 3)
    assert (fr["flipped_parents"], fr["parents"]) == (2, 3)
    assert fr["worst_case"]["n"] == 3 and fr["mean_over_children"]["n"] == 3
    assert fr["worst_case"]["estimate"] == pytest.approx(2 / 3)
    assert fr["denominator"] == "parents with at least one child in this view"
    assert out["raw"]["accuracy"]["parents"] == 3
    # TextAttack's success rate over the same outcomes: b is skipped (already wrong),
    # d was attacked without success (failed): 1 / (1 + 2), not 2 / 3
    s = cs.attack_summary(["succeeded", "skipped", "failed", "failed"])
    assert s.success_rate == pytest.approx(100 / 3)
    assert s.success_rate_interval.n == 3
    assert s.original_accuracy == pytest.approx(75.0)
    assert s.accuracy_under_attack == pytest.approx(50.0)


def test_accuracy_drop_pairs_parents_and_bootstraps_reproducibly() -> None:
    rng = np.random.default_rng(3)
    n = 80
    pc = {f"p{i}": bool(rng.random() < 0.9) for i in range(n)}
    parents = [f"p{i}" for i in range(n) for _ in range(3)]
    child = [pc[p] and bool(rng.random() < 0.8) for p in parents]
    a = cs.accuracy_drop(pc, parents, child, seed=7)
    b = cs.accuracy_drop(pc, parents, child, seed=7)
    assert a == b
    worst = {p: min(c for q, c in zip(parents, child, strict=True) if q == p) for p in pc}
    orig = np.mean([pc[p] for p in pc])
    cf = np.mean([worst[p] for p in pc])
    assert a.original.estimate == pytest.approx(orig)
    assert a.counterfactual.estimate == pytest.approx(cf)
    assert a.drop.estimate == pytest.approx(orig - cf)
    assert a.drop.low < a.drop.estimate < a.drop.high
    assert a.drop.low > 0  # children are never more correct than their parents here
    assert a.counterfactual_mean >= a.counterfactual.estimate
    with pytest.raises(KeyError, match="parent_correct lacks parent 'zz'"):
        cs.accuracy_drop(pc, ["zz"], [True])


def test_score_shift_is_signed_and_averages_children_first() -> None:
    ps = {"a": 0.5, "b": 0.2}
    shift = cs.score_shift(ps, ["a", "a", "a", "b"], [0.4, 0.4, 0.1, 0.3])
    # a: mean(-0.1, -0.1, -0.4) = -0.2; b: +0.1 -> mean over parents -0.05
    assert shift.estimate == pytest.approx(-0.05)
    assert shift.n == 2


def _gap_fixture(n: int, shift: float, seed: int) -> tuple[dict[str, float], list[str],
                                                           list[float], list[str]]:
    rng = np.random.default_rng(seed)
    ps: dict[str, float] = {}
    parents: list[str] = []
    scores: list[float] = []
    dirs: list[str] = []
    for i in range(n):
        for d, sgn in (("A->B", -1), ("B->A", 1)):
            k = f"{d}{i}"
            ps[k] = float(rng.uniform(0.2, 0.8))
            parents.append(k)
            scores.append(ps[k] + sgn * shift + float(rng.normal(0, 0.02)))
            dirs.append(d)
    return ps, parents, scores, dirs


def test_group_gap_per_direction_with_sign_and_verdicts() -> None:
    ps, parents, scores, dirs = _gap_fixture(60, 0.1, seed=1)
    gaps = cs.group_gap(ps, parents, scores, dirs)
    assert set(gaps) == {"A->B", "B->A"}
    assert gaps["A->B"].verdict == "gap" and gaps["A->B"].gap.high < -0.02
    assert gaps["B->A"].verdict == "gap" and gaps["B->A"].gap.low > 0.02
    assert gaps["A->B"].pairs == 60
    few = cs.group_gap(ps, parents, scores, dirs, min_pairs=61)
    assert {g.verdict for g in few.values()} == {"not enough evidence"}
    none = cs.group_gap(*_gap_fixture(60, 0.0, seed=2))
    assert {g.verdict for g in none.values()} <= {"no gap", "inconclusive"}
    assert none["A->B"].verdict == "no gap"  # noise 0.02 over 60 pairs: tight interval
    wide = cs.group_gap(*_gap_fixture(60, 0.0, seed=2), delta=0.0)
    assert {g.verdict for g in wide.values()} <= {"inconclusive", "gap"}
    with pytest.raises(ValueError, match="delta must be >= 0"):
        cs.group_gap(ps, parents, scores, dirs, delta=-1)


def test_identical_shifts_give_a_point_interval_without_warnings() -> None:
    ps = {f"p{i}": 0.5 for i in range(40)}
    gaps = cs.group_gap(ps, list(ps), [0.5] * 40, ["A->B"] * 40)
    g = gaps["A->B"]
    assert (g.gap.low, g.gap.high) == (0.0, 0.0) and g.verdict == "no gap"


def test_group_metrics_equal_fairlearns_metricframe() -> None:
    fairlearn_metrics = pytest.importorskip("fairlearn.metrics")
    from sklearn.metrics import accuracy_score, recall_score

    rng = np.random.default_rng(0)
    n = 500
    groups = rng.choice(["f", "m", "x"], size=n, p=[0.45, 0.45, 0.1])
    y_true = rng.integers(0, 2, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
    ours = cs.group_metrics(list(y_true), list(y_pred), list(groups))
    mf = fairlearn_metrics.MetricFrame(
        metrics={"selection_rate": fairlearn_metrics.selection_rate,
                 "accuracy": accuracy_score,
                 "tpr": lambda t, p: recall_score(t, p, zero_division=0),
                 "fpr": fairlearn_metrics.false_positive_rate},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    diff = mf.difference(method="between_groups")
    for m in cs.GROUP_METRICS:
        for g in ("f", "m", "x"):
            assert ours.by_group[m][g] == pytest.approx(mf.by_group[m][g]), (m, g)
        assert ours.overall[m] == pytest.approx(mf.overall[m]), m
        assert ours.difference[m] == pytest.approx(diff[m]), m
        iv = ours.intervals[m]["x"]
        assert iv.low <= ours.by_group[m]["x"] <= iv.high
    assert sum(ours.counts.values()) == n


def test_group_metrics_with_string_labels_and_a_group_without_positives() -> None:
    gm = cs.group_metrics(["pos", "neg", "neg", "pos"], ["pos", "pos", "neg", "neg"],
                          ["a", "a", "b", "b"], positive="pos")
    assert gm.by_group["tpr"] == {"a": 1.0, "b": 0.0}
    assert gm.by_group["fpr"] == {"a": 1.0, "b": 0.0}
    only_neg = cs.group_metrics([0, 0, 1], [0, 1, 1], ["a", "a", "b"])
    assert math.isnan(only_neg.by_group["tpr"]["a"])
    assert only_neg.difference["tpr"] == 0.0  # NaN groups are skipped


def test_summarise_reports_raw_and_valid_views() -> None:
    parents = {"a": {"score": 0.9, "correct": True}, "b": {"score": 0.2, "correct": False}}
    children = [
        {"parent": "a", "flipped": True, "score": 0.3, "correct": False, "valid": False},
        {"parent": "a", "flipped": False, "score": 0.8, "correct": True, "valid": True},
        {"parent": "b", "flipped": False, "score": 0.1, "correct": False, "valid": None},
    ]
    out = cs.summarise(parents, children)
    assert out["parents"] == 2 and out["invalid"] == 1 and out["unchecked"] == 1
    assert out["raw"]["flip_rate"]["flipped_parents"] == 1
    assert out["valid"]["flip_rate"]["flipped_parents"] == 0
    assert out["raw"]["accuracy"]["counterfactual"]["estimate"] == 0.0
    assert out["valid"]["accuracy"]["counterfactual"]["estimate"] == 0.5
    assert out["raw"]["score_shift"]["estimate"] == pytest.approx(((-0.6 - 0.1) / 2 - 0.1) / 2)
    assert "group_gap" not in out["raw"]
    with pytest.raises(KeyError, match="names parent 'zz'"):
        cs.summarise(parents, [{"parent": "zz", "flipped": False}])


def test_group_gap_bootstrap_method_on_request() -> None:
    ps, parents, scores, dirs = _gap_fixture(60, 0.1, seed=1)
    t = cs.group_gap(ps, parents, scores, dirs)["A->B"]
    b = cs.group_gap(ps, parents, scores, dirs, method="bootstrap", seed=3)["A->B"]
    assert (t.gap.method, b.gap.method) == ("t", "bootstrap")
    assert b.gap.estimate == pytest.approx(t.gap.estimate)
    assert b.verdict == t.verdict == "gap"
    with pytest.raises(ValueError, match="method must be one of"):
        cs.group_gap(ps, parents, scores, dirs, method="z")


def test_run_statistics_of_an_engine_run_match_the_record_functions() -> None:
    from lumos.engine.generate import generate
    from lumos.testing.fakes import FakeClassifier

    rows = [{"id": f"r{i}", "text": t, "label": lab} for i, (t, lab) in enumerate(
        [("a good day", "positive"), ("good and great", "positive"),
         ("a bad day", "negative"), ("not good", "negative")])]
    model = FakeClassifier()
    run = generate(None, model, rows, "word_replace", {"rules": "good -> bad | fine"},
                   validity=False)
    st = cs.run_statistics(run, model)
    assert st["reference_class"] == "positive" and st["generator"] == "word_replace"
    # r0: good->bad flips, good->fine flips (tie goes to negative); r1: bad leaves
    # great vs bad (tie: flips), fine leaves great (no flip); r3: 'not good' is
    # positive to the keyword model (wrong), bad flips it to negative (right)
    fr = st["raw"]["flip_rate"]
    assert (fr["parents"], fr["flipped_parents"]) == (3, 3)
    acc = st["raw"]["accuracy"]
    assert acc["original"]["estimate"] == pytest.approx(2 / 3)
    assert acc["counterfactual"]["estimate"] == pytest.approx(1 / 3)
    assert st["raw"]["score_shift"]["estimate"] < 0
    assert "attack_summary" not in st
    attack = generate(None, model, rows, "greedy_attack",
                      {"lexicon": "good -> fine; bad -> poor"}, validity=False)
    st2 = cs.run_statistics(attack, model)
    assert st2["attack_summary"]["total"] == 4
    with pytest.raises(ValueError, match="reference: 'joy' is not a class"):
        cs.run_statistics(run, model, reference="joy")
