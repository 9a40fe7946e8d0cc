"""Audit checks: a value with its interval judged against a threshold.

A check (one entry of an audit suite, as a plain mapping) is evaluated by the module of
its kind (``check_quality``, ``check_counterfactual``, ``check_attention``,
``check_faithfulness``) into one :class:`CheckResult` per slice it covers (the whole
data, each slice, each facet value or bin, each swap direction, ...). This module holds
what they share: the verdict rule and the result record.

The verdict (:func:`decide`):

- ``pass_on: interval`` (the default): ``at_most`` passes only when the interval's upper
  bound is at most the threshold, ``at_least`` only when its lower bound is at least it:
  a check passes when the evidence says it is within bounds (a flip rate of 4 % whose
  interval reaches 12 % fails ``at_most: 0.1``). A value with no interval (a macro F1)
  is judged on its point value, and the result says so.
- ``pass_on: point``: the point value against the thresholds.
- Too little evidence (fewer rows than ``min_count``, an undefined value, a gap whose
  verdict is "not enough evidence") gives ``on_insufficient``'s verdict: ``fail`` (the
  default), ``skip`` or ``pass``; the reason is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lumos.api.types import SpecError

VERDICTS = ("pass", "fail", "skip", "error")


class CheckSpecError(SpecError):
    """A check's definition cannot be run as written (an unknown metric, a field the
    dataset lacks): ``key`` names the check's key at fault (``metric``, ``by``, ...)."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


@dataclass
class CheckResult:
    """One check on one slice of the data, for one model."""

    check: str
    kind: str
    model: str
    dataset: str
    slice: str
    statistic: str
    value: float | None
    low: float | None
    high: float | None
    count: int
    at_least: float | None
    at_most: float | None
    pass_on: str
    verdict: str
    reason: str
    insufficient: bool = False
    judged_on: str = "interval"
    examples: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.check if self.slice == "overall" else f"{self.check}[{self.slice}]"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else f


def decide(value: float | None, low: float | None, high: float | None, *,
           at_least: float | None = None, at_most: float | None = None,
           pass_on: str = "interval",
           insufficient: str | None = None, on_insufficient: str = "fail"
           ) -> tuple[str, str, str]:
    """``(verdict, reason, judged_on)`` for a value and its interval (see the module
    docstring). ``insufficient``: why the evidence is too thin, or None."""
    value, low, high = _finite(value), _finite(low), _finite(high)
    if insufficient is None and value is None:
        insufficient = "the value is undefined here"
    if insufficient is not None:
        verdict = {"fail": "fail", "skip": "skip", "pass": "pass"}[on_insufficient]
        return verdict, f"not enough evidence: {insufficient} (on_insufficient: " \
            f"{on_insufficient})", "none"
    assert value is not None
    use_interval = pass_on == "interval" and low is not None and high is not None
    judged = "interval" if use_interval else "point"
    lo_v = low if use_interval and low is not None else value
    hi_v = high if use_interval and high is not None else value
    problems = []
    what = "interval's lower bound" if use_interval else "value"
    if at_least is not None and lo_v < at_least:
        problems.append(f"{what} {_fmt(lo_v)} < at_least {_fmt(at_least)}")
    what = "interval's upper bound" if use_interval else "value"
    if at_most is not None and hi_v > at_most:
        problems.append(f"{what} {_fmt(hi_v)} > at_most {_fmt(at_most)}")
    note = "" if use_interval or pass_on == "point" else " (no interval: judged on the value)"
    if problems:
        return "fail", "; ".join(problems) + note, judged
    bounds = " and ".join(b for b in (
        f">= {_fmt(at_least)}" if at_least is not None else "",
        f"<= {_fmt(at_most)}" if at_most is not None else "") if b)
    shown = f"[{_fmt(low)}, {_fmt(high)}]" if use_interval else _fmt(value)
    return "pass", f"{judged} {shown} {bounds}{note}", judged


def result(check: Mapping[str, Any], *, model: str, dataset: str, slice: str,
           statistic: str, value: float | None, low: float | None = None,
           high: float | None = None, count: int = 0, insufficient: str | None = None,
           examples: list[dict[str, Any]] | None = None,
           details: dict[str, Any] | None = None, at_least: float | None = None,
           at_most: float | None = None) -> CheckResult:
    """A judged :class:`CheckResult` for ``check`` (a suite entry with its defaults):
    ``min_count`` turns a small ``count`` into too little evidence. ``at_least`` and
    ``at_most`` override the check's own (a gap judged within ±threshold)."""
    lo_t = at_least if at_least is not None else check.get("at_least")
    hi_t = at_most if at_most is not None else check.get("at_most")
    min_count = int(check.get("min_count", 30))
    if insufficient is None and count < min_count:
        insufficient = f"{count} rows, fewer than min_count {min_count}"
    verdict, reason, judged = decide(value, low, high, at_least=lo_t, at_most=hi_t,
                                     pass_on=str(check.get("pass_on", "interval")),
                                     insufficient=insufficient,
                                     on_insufficient=str(check.get("on_insufficient",
                                                                   "fail")))
    return CheckResult(check=str(check["id"]), kind=str(check["kind"]), model=model,
                       dataset=dataset, slice=slice, statistic=statistic,
                       value=_finite(value), low=_finite(low), high=_finite(high),
                       count=int(count), at_least=lo_t, at_most=hi_t,
                       pass_on=str(check.get("pass_on", "interval")), verdict=verdict,
                       reason=reason, insufficient=insufficient is not None,
                       judged_on=judged, examples=list(examples or []),
                       details=dict(details or {}))


def error_result(check: Mapping[str, Any], *, model: str, dataset: str, message: str
                 ) -> CheckResult:
    """A check that could not run (its model did not load, its run raised)."""
    return CheckResult(check=str(check["id"]), kind=str(check["kind"]), model=model,
                       dataset=dataset, slice="overall",
                       statistic=str(check.get("statistic") or check.get("metric") or ""),
                       value=None, low=None, high=None, count=0,
                       at_least=check.get("at_least"), at_most=check.get("at_most"),
                       pass_on=str(check.get("pass_on", "interval")), verdict="error",
                       reason=message, judged_on="none")


def worsening(r: CheckResult, baseline: float) -> float | None:
    """How much worse ``r.value`` is than ``baseline``: lower for an ``at_least``
    check, higher for an ``at_most`` one, further from zero for a ±bound (a gap)."""
    if r.value is None:
        return None
    if r.at_least is not None and r.at_most is not None:
        if r.at_least <= 0 <= r.at_most:
            return abs(r.value) - abs(baseline)
        return max(baseline - r.value, r.value - baseline)
    if r.at_least is not None:
        return baseline - r.value
    return r.value - baseline


def regression_result(r: CheckResult, baseline: Mapping[str, Any], tolerance: float
                      ) -> CheckResult:
    """The regression check of ``r`` against the same check in a baseline report
    (``baseline``: its JSON entry): fails when the value got worse by more than
    ``tolerance``; a value missing on either side is too little evidence (fail)."""
    base = _finite(baseline.get("value"))
    worse = worsening(r, base) if base is not None else None
    if worse is None:
        verdict, reason = "fail", ("not enough evidence: no value here" if r.value is None
                                   else "not enough evidence: no value in the baseline")
    elif worse > tolerance:
        verdict, reason = "fail", (f"worse than the baseline by {_fmt(worse)} "
                                   f"({_fmt(base)} -> {_fmt(r.value)}; tolerance "
                                   f"{_fmt(tolerance)})")
    else:
        verdict, reason = "pass", (f"{_fmt(base)} -> {_fmt(r.value)}: within tolerance "
                                   f"{_fmt(tolerance)} of the baseline")
    return CheckResult(check=f"{r.check}.regression", kind="regression", model=r.model,
                       dataset=r.dataset, slice=r.slice, statistic=r.statistic,
                       value=worse, low=None, high=None, count=r.count, at_least=None,
                       at_most=tolerance, pass_on="point", verdict=verdict, reason=reason,
                       insufficient=worse is None, judged_on="point",
                       examples=r.examples, details={"baseline": base, "current": r.value,
                                                     "baseline_model": baseline.get("model")})


__all__ = ["VERDICTS", "CheckResult", "CheckSpecError", "decide", "error_result",
           "regression_result", "result", "worsening"]
