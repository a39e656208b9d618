"""Did an experiment move its metric? An honest verdict for short, noisy, trending weekly series.

Method (interrupted time series / segmented regression): over the weeks before the start (up
to `MAX_BEFORE`) and the experiment's weeks (start … end, or up to now), fit

    log(value) = a + b·week + d·[week ≥ start] + noise

by least squares. `d` is the level shift beyond the trend the metric already had; the change is
exp(d) − 1. Its standard error comes from the residuals, inflated for positive lag-1
autocorrelation (factor √((1+r)/(1−r)), r clamped to [0, 0.5]), and the 95 % interval uses
Student's t with N − 3 degrees of freedom. The verdict: "worked" when the whole interval lies
on the wanted side of 0, "made it worse" when it lies on the other side, else "no clear
effect". A series with a zero or negative value is modelled on the raw scale instead and the
change is taken against the fitted level at the start.

Limits: a linear trend is assumed (a curve bending on its own near the start looks like an
effect); anything else that changed in the same weeks (season, budget) is attributed to the
experiment; with fewer than ~12 weeks of history or noise above ~10 % a real +20 % change is
often reported as "no clear effect" — that is the price of not calling noise a win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise

MIN_BEFORE = 6  # weeks of history before the start needed for any verdict
MAX_BEFORE = 26  # history used: the last half year before the start
MIN_AFTER = 4  # experiment weeks needed before a verdict
MAX_AUTOCORRELATION = 0.5

# Two-sided 95 % critical values of Student's t by degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_critical(df: int) -> float:
    """Two-sided 95 % critical value of Student's t (table up to 30, then an approximation)."""
    if df < 1:
        return math.inf
    if df <= len(_T975):
        return _T975[df - 1]
    return 1.960 + 2.4 / df


class Status(StrEnum):
    WAITING = "waiting"  # fewer than MIN_AFTER experiment weeks with a value
    NO_HISTORY = "no_history"  # fewer than MIN_BEFORE weeks with a value before the start
    WORKED = "worked"
    NO_EFFECT = "no_effect"
    WORSE = "worse"


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    weeks_after: int  # experiment weeks with a value so far
    weeks_before: int  # weeks of history used
    before: float | None = None  # mean value over the history used
    after: float | None = None  # mean value over the experiment weeks
    change_pct: float | None = None  # level shift beyond the trend, %
    low_pct: float | None = None  # its 95 % interval
    high_pct: float | None = None

    @property
    def decided(self) -> bool:
        return self.status in (Status.WORKED, Status.NO_EFFECT, Status.WORSE)


@dataclass(frozen=True, slots=True)
class _Fit:
    shift: float
    se: float
    df: int
    level_at_start: float


def _solve3(m: list[list[float]], v: list[float]) -> list[float] | None:
    """Solve a 3×3 system by Gaussian elimination with partial pivoting; None when singular."""
    a = [[*row, v[i]] for i, row in enumerate(m)]
    for col in range(3):
        pivot = max(range(col, 3), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(3):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][3] / a[i][i] for i in range(3)]


def _fit(ts: list[float], ys: list[float], after: list[bool], start_t: float) -> _Fit | None:
    rows = [(1.0, t, 1.0 if flag else 0.0) for t, flag in zip(ts, after, strict=True)]
    xtx = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    xty = [sum(r[i] * y for r, y in zip(rows, ys, strict=True)) for i in range(3)]
    beta = _solve3(xtx, xty)
    inverse_last = _solve3(xtx, [0.0, 0.0, 1.0])  # last column of (XᵀX)⁻¹
    if beta is None or inverse_last is None:
        return None
    residuals = [y - (beta[0] + beta[1] * r[1] + beta[2] * r[2]) for r, y in zip(rows, ys,
                                                                                 strict=True)]
    df = len(ys) - 3
    ss = sum(e * e for e in residuals)
    r1 = sum(a * b for a, b in pairwise(residuals)) / ss if ss > 0 else 0
    r1 = min(max(r1, 0.0), MAX_AUTOCORRELATION)
    se = math.sqrt(max(ss / df * inverse_last[2], 0.0)) * math.sqrt((1 + r1) / (1 - r1))
    return _Fit(beta[2], se, df, beta[0] + beta[1] * start_t)


def verdict(series: Mapping[date, float], start: date, end: date | None = None, *,
            want_up: bool = True) -> Verdict:
    """The experiment's effect on a weekly series (week_start → value).

    `start` is the first experiment week, `end` the last (None: still running); weeks after
    `end` are ignored. `want_up`: the direction the experiment should move the metric.
    """
    weeks = sorted(w for w, v in series.items() if math.isfinite(v))
    before_weeks = [w for w in weeks if w < start][-MAX_BEFORE:]
    after_weeks = [w for w in weeks if w >= start and (end is None or w <= end)]
    counts = {"weeks_after": len(after_weeks), "weeks_before": len(before_weeks)}
    if len(after_weeks) < MIN_AFTER:
        return Verdict(Status.WAITING, **counts)
    if len(before_weeks) < MIN_BEFORE:
        return Verdict(Status.NO_HISTORY, **counts)
    before = sum(series[w] for w in before_weeks) / len(before_weeks)
    after = sum(series[w] for w in after_weeks) / len(after_weeks)
    used = before_weeks + after_weeks
    raw = [float(series[w]) for w in used]
    logged = all(v > 0 for v in raw)
    ys = [math.log(v) for v in raw] if logged else raw
    ts = [(w - start).days / 7 for w in used]
    fit = _fit(ts, ys, [w >= start for w in used], 0.0)
    if fit is None:
        return Verdict(Status.NO_EFFECT, **counts, before=before, after=after)
    half = t_critical(fit.df) * fit.se
    low, high = fit.shift - half, fit.shift + half
    if logged:
        change, low_pct, high_pct = ((math.exp(x) - 1) * 100 for x in (fit.shift, low, high))
    elif fit.level_at_start > 0:
        change, low_pct, high_pct = (x / fit.level_at_start * 100 for x in (fit.shift, low, high))
    else:
        change = low_pct = high_pct = None  # no meaningful base for a percentage
    if low > 0:
        status = Status.WORKED if want_up else Status.WORSE
    elif high < 0:
        status = Status.WORSE if want_up else Status.WORKED
    else:
        status = Status.NO_EFFECT
    return Verdict(status, **counts, before=before, after=after, change_pct=change,
                   low_pct=low_pct, high_pct=high_pct)
