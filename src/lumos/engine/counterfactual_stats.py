"""Statistics over counterfactuals, with their uncertainty (issue 13, part 3).

Pure functions over arrays and records, so the workbench page, ``lumos generate`` and
Python report the same numbers. The unit is the **original example** (the parent):

- a parent's outcome is the *worst case* over its children (it flipped if any child
  flipped; it is correct under counterfactuals only if every child is correct: the
  TextAttack and CheckList convention), and the *mean over its children* is reported too;
- flip rates carry a Wilson 95 % interval over parents
  (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``);
- accuracy drops, score shifts and group gaps carry a seeded bootstrap interval that
  resamples parents (``scipy.stats.bootstrap``, BCa);
- every rate is reported twice: ``raw`` (all children) and ``valid`` (children whose
  validity flag is not ``False``: rows no check failed; rows whose flag is ``None``, "not
  checked", are kept there and counted as ``unchecked``).

TextAttack's attack summary (:func:`attack_summary`) keeps its definitions: original
accuracy = (N − skipped) / N, accuracy under attack = failed / N, success rate =
succeeded / (succeeded + failed), perturbed-word share averaged over successful attacks,
queries averaged over attacks that were not skipped.

Denominators (each number's ``n`` says which):

- **flip rate** (:func:`flip_rate`): n = the originals with at least one child *in the
  view* (raw: any child; valid: a child no check failed). Originals the generator gave
  no child (nothing to edit, no candidate, no flip found by a search that only emits
  flips), and in the valid view those whose every child failed a check, are **not** in
  n; originals the model gets wrong **are** (a flip is a change of prediction, not an
  error): CheckList's failure rate of an invariance test over its test cases, and not
  TextAttack's success rate, which leaves out skipped (already misclassified) originals
  and counts an attacked original without a successful perturbation as failed.
  :func:`summarise` reports both counts: ``parents`` (n) and ``originals`` (every
  original given). For searches whose every child is a flip (ablation flips, the greedy
  attack, HotFlip) the flip rate is 100 % up to re-prediction; read their
  ``flipped_parents`` against ``originals``, or TextAttack's summary;
- **accuracy drop** (:func:`accuracy_drop`): n = the same originals as the flip rate;
- **score shift** and **group gap**: n = the originals with a child in the view (for a
  gap, a child in that direction);
- **attack summary**: N = every attacked original (skipped included) for original
  accuracy and accuracy under attack; succeeded + failed for the success rate and its
  Wilson interval; successful attacks for the perturbed-word share; succeeded + failed
  for the queries.

Group swaps (:func:`group_gap`): for each direction (``"A->B"``, ``"B->A"``) the gap is
the mean over parents of *score after the swap minus score before* (each parent's
children averaged first), with a paired Student-t interval over parents (a bootstrap on
request; see :func:`group_gap` for why). Its verdict is ``"not enough evidence"``
below ``min_pairs`` parent-level pairs (default 30), ``"gap"`` when the interval lies
entirely outside ``±delta`` (default 0.02, in the score's units: probability), ``"no gap"``
when it lies entirely inside, ``"inconclusive"`` otherwise. :func:`group_metrics` gives fairlearn's
``MetricFrame`` numbers by slice (selection rate, accuracy, TPR, FPR, and
``difference(method="between_groups")``) without depending on fairlearn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

CONFIDENCE = 0.95
#: below this many parent-level pairs a group gap's verdict is "not enough evidence"
MIN_PAIRS = 30
#: a gap whose interval lies entirely outside ±DELTA (probability) is flagged
DELTA = 0.02
N_RESAMPLES = 2000

Verdict = Literal["not enough evidence", "gap", "no gap", "inconclusive"]
VIEWS = ("raw", "valid")


@dataclass(frozen=True, kw_only=True)
class Interval:
    """An estimate with its interval; ``low``/``high`` are NaN when ``n`` is too small."""

    estimate: float
    low: float
    high: float
    n: int
    method: str
    confidence: float = CONFIDENCE

    def excludes(self, lo: float, hi: float) -> bool:
        """Whether the whole interval lies outside ``[lo, hi]``."""
        return bool(self.low > hi or self.high < lo)

    def within(self, lo: float, hi: float) -> bool:
        return bool(self.low >= lo and self.high <= hi)

    def to_json(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


_NAN = float("nan")


def _scipy_stats() -> Any:
    try:
        from scipy import stats
    except ImportError:  # pragma: no cover - scipy comes with the metrics extra
        raise ImportError("counterfactual statistics need scipy: "
                          "pip install 'lumos[metrics]'") from None
    return stats


def wilson_interval(k: int, n: int, *, confidence: float = CONFIDENCE) -> Interval:
    """``k`` successes out of ``n`` with a Wilson score interval (scipy)."""
    if n <= 0:
        return Interval(estimate=_NAN, low=_NAN, high=_NAN, n=0, method="wilson",
                        confidence=confidence)
    ci = _scipy_stats().binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence,
                                                       method="wilson")
    return Interval(estimate=k / n, low=float(ci.low), high=float(ci.high), n=int(n),
                    method="wilson", confidence=confidence)


def _mean_stat(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(x, axis=axis))


def bootstrap_mean(values: Sequence[float] | np.ndarray, *, seed: int = 0,
                   confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES
                   ) -> Interval:
    """The mean of ``values`` (one per parent) with a seeded BCa bootstrap interval."""
    x = np.asarray(values, dtype=float)
    n = int(x.size)
    if n == 0:
        return Interval(estimate=_NAN, low=_NAN, high=_NAN, n=0, method="bootstrap",
                        confidence=confidence)
    est = float(x.mean())
    if n < 2 or float(np.ptp(x)) == 0.0:
        # every resample has the same mean: the interval is the point (n >= 2), or
        # unknown (n == 1)
        lo, hi = (est, est) if n >= 2 else (_NAN, _NAN)
        return Interval(estimate=est, low=lo, high=hi, n=n, method="bootstrap",
                        confidence=confidence)
    res = _scipy_stats().bootstrap((x,), _mean_stat, n_resamples=n_resamples, vectorized=True,
                          confidence_level=confidence, method="BCa",
                          rng=np.random.default_rng(seed))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if math.isnan(lo) or math.isnan(hi):  # BCa can fail on near-degenerate data
        res = _scipy_stats().bootstrap((x,), _mean_stat, n_resamples=n_resamples, vectorized=True,
                              confidence_level=confidence, method="percentile",
                              rng=np.random.default_rng(seed))
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Interval(estimate=est, low=lo, high=hi, n=n, method="bootstrap",
                    confidence=confidence)


def t_mean(values: Sequence[float] | np.ndarray, *, confidence: float = CONFIDENCE
           ) -> Interval:
    """The mean of ``values`` (one per parent) with a Student-t interval (scipy's
    ``ttest_1samp(...).confidence_interval``): the paired-difference interval."""
    x = np.asarray(values, dtype=float)
    n = int(x.size)
    if n == 0:
        return Interval(estimate=_NAN, low=_NAN, high=_NAN, n=0, method="t",
                        confidence=confidence)
    est = float(x.mean())
    if n < 2 or float(np.ptp(x)) == 0.0:
        lo, hi = (est, est) if n >= 2 else (_NAN, _NAN)
        return Interval(estimate=est, low=lo, high=hi, n=n, method="t",
                        confidence=confidence)
    ci = _scipy_stats().ttest_1samp(x, 0.0).confidence_interval(confidence_level=confidence)
    return Interval(estimate=est, low=float(ci.low), high=float(ci.high), n=n, method="t",
                    confidence=confidence)


# ------------------------------------------------------------------ grouping by parent
def keep_mask(valid: Sequence[bool | None] | None, n: int, view: str) -> np.ndarray:
    """Which of ``n`` children a view keeps: all for ``raw``; for ``valid``, those whose
    flag is not ``False``."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    if view == "raw" or valid is None:
        return np.ones(n, dtype=bool)
    if len(valid) != n:
        raise ValueError(f"valid has {len(valid)} flags for {n} children")
    return np.array([v is not False for v in valid], dtype=bool)


def by_parent(parents: Sequence[Hashable], values: Sequence[float] | np.ndarray,
              reduce: Callable[[np.ndarray], float], mask: np.ndarray | None = None
              ) -> dict[Hashable, float]:
    """``reduce`` over each parent's children (in first-seen parent order); children
    outside ``mask`` are dropped, and a parent left with none is absent."""
    v = np.asarray(values, dtype=float)
    if len(parents) != v.size:
        raise ValueError(f"{len(parents)} parent keys for {v.size} values")
    groups: dict[Hashable, list[int]] = {}
    for i, p in enumerate(parents):
        if mask is None or mask[i]:
            groups.setdefault(p, []).append(i)
    return {p: float(reduce(v[idx])) for p, idx in groups.items()}


def _check_len(name: str, seq: Sequence[Any] | np.ndarray, n: int) -> None:
    if len(seq) != n:
        raise ValueError(f"{name} has {len(seq)} values for {n} children")


def _unchecked(valid: Sequence[bool | None] | None) -> int:
    return 0 if valid is None else sum(v is None for v in valid)


# ------------------------------------------------------------------------- flip rate
@dataclass(frozen=True, kw_only=True)
class FlipRate:
    """Flips over parents: worst case (a parent flipped if any child did; Wilson) and the
    mean over each parent's children (bootstrap over parents).

    ``parents`` is the denominator of both: the parents with at least one child in the
    view (see the module on denominators); ``children`` the children in the view."""

    #: what ``parents`` counts, written into the JSON beside it
    DENOMINATOR: ClassVar[str] = "parents with at least one child in this view"

    parents: int
    children: int
    flipped_parents: int
    worst_case: Interval
    mean_over_children: Interval
    unchecked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"parents": self.parents, "denominator": self.DENOMINATOR,
                "children": self.children,
                "flipped_parents": self.flipped_parents, "unchecked": self.unchecked,
                "worst_case": self.worst_case.to_json(),
                "mean_over_children": self.mean_over_children.to_json()}


def flip_rate(parents: Sequence[Hashable], flipped: Sequence[bool], *,
              valid: Sequence[bool | None] | None = None, view: str = "raw",
              confidence: float = CONFIDENCE, seed: int = 0) -> FlipRate:
    """The flip rate over the parents of ``parents[i]`` (one entry per child): n is
    the parents left with at least one child in the view, whatever their original's
    correctness; a parent with no child cannot be seen here and is not counted."""
    n = len(parents)
    _check_len("flipped", flipped, n)
    mask = keep_mask(valid, n, view)
    f = np.asarray(flipped, dtype=float)
    worst = by_parent(parents, f, np.max, mask)
    mean = by_parent(parents, f, np.mean, mask)
    k = int(sum(1 for v in worst.values() if v > 0))
    return FlipRate(parents=len(worst), children=int(mask.sum()), flipped_parents=k,
                    worst_case=wilson_interval(k, len(worst), confidence=confidence),
                    mean_over_children=bootstrap_mean(list(mean.values()), seed=seed,
                                                      confidence=confidence),
                    unchecked=_unchecked(valid) if view == "valid" else 0)


# --------------------------------------------------------------------- accuracy drop
@dataclass(frozen=True, kw_only=True)
class AccuracyDrop:
    """Accuracy on the originals and under counterfactuals, over the parents that have
    at least one child in the view. ``drop`` = original − counterfactual (worst case),
    with a paired bootstrap over parents."""

    parents: int
    original: Interval
    counterfactual: Interval
    counterfactual_mean: float
    drop: Interval
    drop_mean: float

    def to_json(self) -> dict[str, Any]:
        return {"parents": self.parents, "original": self.original.to_json(),
                "counterfactual": self.counterfactual.to_json(),
                "counterfactual_mean": _nan_none(self.counterfactual_mean),
                "drop": self.drop.to_json(), "drop_mean": _nan_none(self.drop_mean)}


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def accuracy_drop(parent_correct: Mapping[Hashable, bool], parents: Sequence[Hashable],
                  child_correct: Sequence[bool], *,
                  valid: Sequence[bool | None] | None = None, view: str = "raw",
                  confidence: float = CONFIDENCE, seed: int = 0) -> AccuracyDrop:
    """``parent_correct[p]``: whether the model is right on original ``p``;
    ``child_correct[i]``: on the child of ``parents[i]``."""
    n = len(parents)
    _check_len("child_correct", child_correct, n)
    missing = [p for p in dict.fromkeys(parents) if p not in parent_correct]
    if missing:
        raise KeyError(f"parent_correct lacks parent {missing[0]!r} "
                       "(give the original's correctness for every child's parent)")
    mask = keep_mask(valid, n, view)
    c = np.asarray(child_correct, dtype=float)
    worst = by_parent(parents, c, np.min, mask)
    mean = by_parent(parents, c, np.mean, mask)
    keys = list(worst)
    orig = np.array([float(bool(parent_correct[p])) for p in keys])
    cf = np.array([worst[p] for p in keys])
    cf_mean = np.array([mean[p] for p in keys])
    m = len(keys)
    drop = bootstrap_mean(orig - cf, seed=seed, confidence=confidence)
    return AccuracyDrop(
        parents=m,
        original=wilson_interval(int(orig.sum()), m, confidence=confidence),
        counterfactual=wilson_interval(int(cf.sum()), m, confidence=confidence),
        counterfactual_mean=float(cf_mean.mean()) if m else _NAN,
        drop=drop, drop_mean=float((orig - cf_mean).mean()) if m else _NAN)


# ----------------------------------------------------------------------- score shift
def parent_shifts(parent_scores: Mapping[Hashable, float], parents: Sequence[Hashable],
                  child_scores: Sequence[float], mask: np.ndarray | None = None
                  ) -> dict[Hashable, float]:
    """Each parent's mean over its children of (child score − parent score)."""
    _check_len("child_scores", child_scores, len(parents))
    missing = [p for p in dict.fromkeys(parents) if p not in parent_scores]
    if missing:
        raise KeyError(f"parent_scores lacks parent {missing[0]!r} "
                       "(give the original's score for every child's parent)")
    diff = np.array([float(s) - float(parent_scores[p])
                     for p, s in zip(parents, child_scores, strict=True)])
    return by_parent(parents, diff, np.mean, mask)


def score_shift(parent_scores: Mapping[Hashable, float], parents: Sequence[Hashable],
                child_scores: Sequence[float], *,
                valid: Sequence[bool | None] | None = None, view: str = "raw",
                confidence: float = CONFIDENCE, seed: int = 0) -> Interval:
    """The signed mean shift of the reference class's score (child − parent), averaged
    over each parent's children, then over parents; bootstrap over parents."""
    mask = keep_mask(valid, len(parents), view)
    shifts = parent_shifts(parent_scores, parents, child_scores, mask)
    return bootstrap_mean(list(shifts.values()), seed=seed, confidence=confidence)


# ------------------------------------------------------------------------ group gaps
@dataclass(frozen=True, kw_only=True)
class GroupGap:
    """One direction of a group swap: the mean score shift over parent-level pairs."""

    direction: str
    pairs: int
    gap: Interval
    verdict: Verdict
    delta: float
    min_pairs: int

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction, "pairs": self.pairs,
                "gap": self.gap.to_json(), "verdict": self.verdict, "delta": self.delta,
                "min_pairs": self.min_pairs}


def gap_verdict(gap: Interval, pairs: int, *, delta: float = DELTA,
                min_pairs: int = MIN_PAIRS) -> Verdict:
    if pairs < min_pairs or math.isnan(gap.low) or math.isnan(gap.high):
        return "not enough evidence"
    if gap.excludes(-delta, delta):
        return "gap"
    if gap.within(-delta, delta):
        return "no gap"
    return "inconclusive"


GAP_METHODS = ("t", "bootstrap")


def group_gap(parent_scores: Mapping[Hashable, float], parents: Sequence[Hashable],
              child_scores: Sequence[float], directions: Sequence[str], *,
              valid: Sequence[bool | None] | None = None, view: str = "raw",
              delta: float = DELTA, min_pairs: int = MIN_PAIRS,
              confidence: float = CONFIDENCE, seed: int = 0, method: str = "t"
              ) -> dict[str, GroupGap]:
    """The gap per direction (``directions[i]`` names child ``i``'s swap, e.g.
    ``"female->male"``): score after the swap minus before, each parent's children
    averaged, then the mean over parents with its interval. A parent with children in
    two directions counts once in each.

    ``method="t"`` (default) is the paired Student-t interval over parents;
    ``"bootstrap"`` the seeded BCa bootstrap over parents. The t interval is the default
    because its coverage under the null held at 95 % in the simulation of
    tests/engine/test_counterfactual_detection.py, where the bootstrap's fell to about
    93 % (percentile-type bootstrap intervals of a mean are too narrow for samples of
    tens to a hundred parents)."""
    if delta < 0 or min_pairs < 1:
        raise ValueError(f"delta must be >= 0 and min_pairs >= 1 (got delta={delta}, "
                         f"min_pairs={min_pairs})")
    if method not in GAP_METHODS:
        raise ValueError(f"method must be one of {GAP_METHODS}, not {method!r}")
    n = len(parents)
    _check_len("directions", directions, n)
    mask = keep_mask(valid, n, view)
    out: dict[str, GroupGap] = {}
    for d in dict.fromkeys(directions):
        dm = mask & np.array([x == d for x in directions], dtype=bool)
        shifts = parent_shifts(parent_scores, parents, child_scores, dm)
        vals = list(shifts.values())
        gap = (t_mean(vals, confidence=confidence) if method == "t"
               else bootstrap_mean(vals, seed=seed, confidence=confidence))
        out[d] = GroupGap(direction=d, pairs=len(shifts), gap=gap,
                          verdict=gap_verdict(gap, len(shifts), delta=delta,
                                              min_pairs=min_pairs),
                          delta=delta, min_pairs=min_pairs)
    return out


# ----------------------------------------------------------------- group metrics
GROUP_METRICS = ("selection_rate", "accuracy", "tpr", "fpr")


@dataclass(frozen=True, kw_only=True)
class GroupMetrics:
    """fairlearn ``MetricFrame`` numbers by slice: ``by_group[metric][group]`` (with its
    Wilson interval in ``intervals``), ``overall[metric]`` and
    ``difference[metric]`` = max − min over groups (``method="between_groups"``)."""

    by_group: dict[str, dict[Hashable, float]]
    intervals: dict[str, dict[Hashable, Interval]]
    overall: dict[str, float]
    difference: dict[str, float]
    counts: dict[Hashable, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"by_group": {m: {str(g): _nan_none(v) for g, v in d.items()}
                             for m, d in self.by_group.items()},
                "intervals": {m: {str(g): i.to_json() for g, i in d.items()}
                              for m, d in self.intervals.items()},
                "overall": {m: _nan_none(v) for m, v in self.overall.items()},
                "difference": {m: _nan_none(v) for m, v in self.difference.items()},
                "counts": {str(g): c for g, c in self.counts.items()}}


def _rates(t: np.ndarray, p: np.ndarray) -> dict[str, tuple[int, int]]:
    """(successes, trials) of each metric for binary truths ``t`` and predictions ``p``."""
    pos, neg = t == 1, t == 0
    return {"selection_rate": (int((p == 1).sum()), int(p.size)),
            "accuracy": (int((p == t).sum()), int(p.size)),
            "tpr": (int((p[pos] == 1).sum()), int(pos.sum())),
            "fpr": (int((p[neg] == 1).sum()), int(neg.sum()))}


def group_metrics(y_true: Sequence[Any], y_pred: Sequence[Any], groups: Sequence[Hashable],
                  *, positive: Any = 1, confidence: float = CONFIDENCE) -> GroupMetrics:
    """Selection rate, accuracy, true- and false-positive rate per group, with
    ``positive`` the positive label. A rate with no trials in a group (no positives for
    TPR) is NaN there; differences skip NaN groups, as fairlearn's do."""
    n = len(y_true)
    _check_len("y_pred", y_pred, n)
    _check_len("groups", groups, n)
    t = np.array([1 if y == positive else 0 for y in y_true])
    p = np.array([1 if y == positive else 0 for y in y_pred])
    g = list(groups)
    order = sorted(dict.fromkeys(g), key=lambda x: (str(type(x)), x))
    by: dict[str, dict[Hashable, float]] = {m: {} for m in GROUP_METRICS}
    iv: dict[str, dict[Hashable, Interval]] = {m: {} for m in GROUP_METRICS}
    counts: dict[Hashable, int] = {}
    garr = np.array([order.index(x) for x in g]) if g else np.zeros(0, dtype=int)
    for j, grp in enumerate(order):
        sel = garr == j
        counts[grp] = int(sel.sum())
        for m, (k, m_n) in _rates(t[sel], p[sel]).items():
            by[m][grp] = k / m_n if m_n else _NAN
            iv[m][grp] = wilson_interval(k, m_n, confidence=confidence)
    overall = {m: (k / m_n if m_n else _NAN) for m, (k, m_n) in _rates(t, p).items()}
    diff = {}
    for m in GROUP_METRICS:
        vals = [v for v in by[m].values() if not math.isnan(v)]
        diff[m] = (max(vals) - min(vals)) if vals else _NAN
    return GroupMetrics(by_group=by, intervals=iv, overall=overall, difference=diff,
                        counts=counts)


# ------------------------------------------------------------------ attack summary
AttackStatus = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True, kw_only=True)
class AttackSummary:
    """TextAttack's attack summary (``AttackLogManager.log_summary``), in percent."""

    total: int
    succeeded: int
    failed: int
    skipped: int
    original_accuracy: float
    accuracy_under_attack: float
    success_rate: float
    perturbed_word_percentage: float
    words_per_input: float
    avg_queries: float
    success_rate_interval: Interval

    def to_json(self) -> dict[str, Any]:
        d = {k: (_nan_none(v) if isinstance(v, float) else v)
             for k, v in asdict(self).items() if k != "success_rate_interval"}
        d["success_rate_interval"] = self.success_rate_interval.to_json()
        return d

    def table(self) -> list[tuple[str, str]]:
        """The rows TextAttack prints, formatted the same way."""
        def pct(x: float) -> str:
            return "n/a" if math.isnan(x) else f"{x:.2f}%"

        return [("Number of successful attacks:", str(self.succeeded)),
                ("Number of failed attacks:", str(self.failed)),
                ("Number of skipped attacks:", str(self.skipped)),
                ("Original accuracy:", pct(self.original_accuracy)),
                ("Accuracy under attack:", pct(self.accuracy_under_attack)),
                ("Attack success rate:", pct(self.success_rate)),
                ("Average perturbed word %:", pct(self.perturbed_word_percentage)),
                ("Average num. words per input:",
                 "n/a" if math.isnan(self.words_per_input) else f"{self.words_per_input:.2f}"),
                ("Avg num queries:",
                 "n/a" if math.isnan(self.avg_queries) else f"{self.avg_queries:.2f}")]


def attack_summary(statuses: Sequence[str], *,
                   words_changed: Sequence[int] | None = None,
                   words_total: Sequence[int] | None = None,
                   queries: Sequence[int] | None = None,
                   confidence: float = CONFIDENCE) -> AttackSummary:
    """TextAttack's summary of one attack per original: ``statuses[i]`` is
    ``"succeeded"``, ``"failed"`` or ``"skipped"`` (the original was already wrong);
    ``words_changed``/``words_total`` give the perturbed-word share of each successful
    attack, ``queries`` the model queries of each attack."""
    n = len(statuses)
    bad = [s for s in statuses if s not in ("succeeded", "failed", "skipped")]
    if bad:
        raise ValueError(f"statuses: unknown attack status {bad[0]!r} "
                         "(use 'succeeded', 'failed' or 'skipped')")
    for name, seq in (("words_changed", words_changed), ("words_total", words_total),
                      ("queries", queries)):
        if seq is not None and len(seq) != n:
            raise ValueError(f"{name} has {len(seq)} values for {n} attacks")
    s = np.array(statuses, dtype=object)
    succ, fail, skip = (int((s == x).sum()) for x in ("succeeded", "failed", "skipped"))

    def pct(a: int, b: int) -> float:
        return 100.0 * a / b if b else _NAN

    perturbed = _NAN
    words_per_input = _NAN
    if words_changed is not None and words_total is not None:
        shares = [100.0 * c / t for st, c, t in zip(statuses, words_changed, words_total,
                                                     strict=True)
                  if st == "succeeded" and t > 0]
        perturbed = float(np.mean(shares)) if shares else _NAN
        words_per_input = float(np.mean(words_total)) if n else _NAN
    avg_q = _NAN
    if queries is not None:
        q = [x for st, x in zip(statuses, queries, strict=True) if st != "skipped"]
        avg_q = float(np.mean(q)) if q else _NAN
    ci = wilson_interval(succ, succ + fail, confidence=confidence)
    return AttackSummary(total=n, succeeded=succ, failed=fail, skipped=skip,
                         original_accuracy=pct(n - skip, n),
                         accuracy_under_attack=pct(fail, n),
                         success_rate=pct(succ, succ + fail),
                         perturbed_word_percentage=perturbed,
                         words_per_input=words_per_input, avg_queries=avg_q,
                         success_rate_interval=ci)


# --------------------------------------------------------------- all of it at once
def summarise(parents: Mapping[Hashable, Mapping[str, Any]],
              children: Sequence[Mapping[str, Any]], *, delta: float = DELTA,
              min_pairs: int = MIN_PAIRS, confidence: float = CONFIDENCE, seed: int = 0
              ) -> dict[str, Any]:
    """Every statistic, raw and validity-filtered, as JSON.

    ``parents[key]`` holds the original's ``score`` (the reference class's) and, when
    gold labels are known, ``correct``. Each child record holds ``parent`` (a key of
    ``parents``), ``flipped``, ``score``, optionally ``correct``, ``valid`` (``True``,
    ``False`` or ``None`` for not checked) and ``direction`` (for group swaps).

    ``originals`` counts every original given, ``parents`` those with at least one
    child (the flip rate's and accuracy's n in the raw view; in the valid view, each
    statistic's own ``parents``/``n``)."""
    keys = [c["parent"] for c in children]
    unknown = [k for k in keys if k not in parents]
    if unknown:
        raise KeyError(f"child row names parent {unknown[0]!r}, which is not among the "
                       "originals given")
    valid = [c.get("valid") for c in children]
    flipped = [bool(c["flipped"]) for c in children]
    has_scores = all(c.get("score") is not None for c in children) and all(
        parents[k].get("score") is not None for k in keys)
    has_correct = all(c.get("correct") is not None for c in children) and all(
        parents[k].get("correct") is not None for k in keys)
    directions = [c.get("direction") for c in children]
    out: dict[str, Any] = {"originals": len(parents), "parents": len(dict.fromkeys(keys)),
                           "children": len(children),
                           "unchecked": _unchecked(valid),
                           "invalid": sum(v is False for v in valid),
                           "confidence": confidence, "seed": seed}
    for view in VIEWS:
        v: dict[str, Any] = {"flip_rate": flip_rate(keys, flipped, valid=valid, view=view,
                                                    confidence=confidence,
                                                    seed=seed).to_json()}
        if has_scores:
            pscores = {k: float(parents[k]["score"]) for k in keys}
            cscores = [float(c["score"]) for c in children]
            v["score_shift"] = score_shift(pscores, keys, cscores, valid=valid, view=view,
                                           confidence=confidence, seed=seed).to_json()
            if children and all(d is not None for d in directions):
                gaps = group_gap(pscores, keys, cscores, [str(d) for d in directions],
                                 valid=valid, view=view, delta=delta, min_pairs=min_pairs,
                                 confidence=confidence, seed=seed)
                v["group_gap"] = {d: g.to_json() for d, g in gaps.items()}
        if has_correct:
            pc = {k: bool(parents[k]["correct"]) for k in keys}
            v["accuracy"] = accuracy_drop(pc, keys, [bool(c["correct"]) for c in children],
                                          valid=valid, view=view, confidence=confidence,
                                          seed=seed).to_json()
        out[view] = v
    return out


def attack_summary_of(generated: Sequence[Any], *, confidence: float = CONFIDENCE
                      ) -> AttackSummary:
    """TextAttack's summary of an attack generator's results (one
    :class:`~lumos.api.component.Generated` per original, whose ``notes`` hold
    ``attack``, ``words_changed``, ``words_total`` and ``queries``)."""
    notes = [g.notes for g in generated]
    lacking = [i for i, n in enumerate(notes) if "attack" not in n]
    if lacking:
        raise ValueError(f"result {lacking[0]} has no 'attack' note: give the results of "
                         "an attack generator (greedy_attack)")
    return attack_summary([n["attack"] for n in notes],
                          words_changed=[int(n.get("words_changed", 0)) for n in notes],
                          words_total=[int(n.get("words_total", 0)) for n in notes],
                          queries=[int(n.get("queries", 0)) for n in notes],
                          confidence=confidence)


def run_statistics(run: Any, model: Any, *, reference: str | None = None,
                   delta: float = DELTA, min_pairs: int = MIN_PAIRS,
                   confidence: float = CONFIDENCE, seed: int = 0) -> dict[str, Any]:
    """Every statistic of a generation run (``lumos.engine.generate.GenerationRun``) on a
    classifier, as JSON: what the page, ``lumos generate`` and Python report.

    The model's first class-probability output is read; ``reference`` names the class
    whose score shift and group gaps are reported (default: the last class of the
    vocabulary, e.g. ``positive``). A child flipped when its predicted class differs
    from its parent's; correctness uses the gold label field the output names
    (``MulticlassPreds.parent``). Rows without a parent (templates) are left out; a
    group swap's ``meta["direction"]`` gives the gap per direction; attack runs add
    TextAttack's summary."""
    from lumos.api import types as T

    spec = model.output_spec()
    pf = next((n for n, fs in spec.items() if isinstance(fs, T.MulticlassPreds)), None)
    if pf is None:
        raise ValueError(f"run_statistics reads class probabilities; the model's outputs "
                         f"{sorted(spec)} hold none")
    if run.parent_outputs is None or run.outputs is None:
        raise ValueError("the run has no predictions: run generate(...) with a model and "
                         "predict=True")
    fs = spec[pf]
    vocab = tuple(fs.vocab or ())
    ref_name = reference if reference is not None else (vocab[-1] if vocab else None)
    if ref_name is not None and vocab and ref_name not in vocab:
        raise ValueError(f"reference: {ref_name!r} is not a class of the model "
                         f"(classes: {list(vocab)})")
    ref = vocab.index(ref_name) if vocab and ref_name is not None else -1
    gold_field = getattr(fs, "parent", None)

    def gold(row: Mapping[str, Any]) -> int | None:
        g = row.get(gold_field) if gold_field else None
        return vocab.index(g) if g in vocab else None

    parents: dict[Hashable, dict[str, Any]] = {}
    for p, out in zip(run.parents, run.parent_outputs, strict=True):
        probas = np.asarray(out[pf], dtype=float)
        g = gold(p)
        parents[str(p["id"])] = {"score": float(probas[ref]), "label": int(probas.argmax()),
                                 "correct": None if g is None else g == int(probas.argmax())}
    children = []
    for cf, row, out in zip(run.counterfactuals, run.rows, run.outputs, strict=True):
        if not cf.parent or cf.parent not in parents:
            continue
        probas = np.asarray(out[pf], dtype=float)
        g = gold(row)
        children.append({"parent": cf.parent, "valid": cf.valid,
                         "flipped": int(probas.argmax()) != parents[cf.parent]["label"],
                         "score": float(probas[ref]),
                         "correct": None if g is None else g == int(probas.argmax()),
                         "direction": cf.meta.get("direction")})
    out_json = summarise(parents, children, delta=delta, min_pairs=min_pairs,
                         confidence=confidence, seed=seed)
    out_json["reference_class"] = ref_name
    out_json["generator"] = run.generator
    if run.results and all("attack" in r.notes for r in run.results):
        out_json["attack_summary"] = attack_summary_of(run.results,
                                                       confidence=confidence).to_json()
    return out_json
