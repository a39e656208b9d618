"""Telling a real decline from noise in short weekly series (shared/docs/alerting.md).

Pure domain code: series in, per-metric statistics and alerts out. Layers, each direction-aware
("worse" is a fall for higher-is-better KPIs and a rise for lower-is-better ones; neutral metrics
never raise decline alerts):

1. guards — no decline alerts before MIN_POINTS weeks of data, nor on a base below the metric's
   `min_base`, nor on a rate whose denominator is below its own `min_base`;
2. `wow_drop` — week-over-week change confirmed by the median of the previous 4 weeks (a spike
   week cannot make the following normal week look like a drop); `below_baseline` when the
   level stays well below that median without a fresh weekly drop;
3. `streak` — 3+ worsening steps in a row;
4. `outlier` — modified z-score against the history, MAD = 0 handled explicitly;
5. `trend` — Mann–Kendall on 6+ points, Theil–Sen slope as % of the median level per week;
6. `below_target`, `missing` (no value for the week that just ended) and `rate_denominator`
   (a rate that "improved" only because its denominator collapsed).

Every rule is scaled to the series' own variability (`kpi/evidence.py`): a fall must also be
NOISE_Z robust level spreads large. A fall at least two weeks old that stays is a `level_shift`
against the level before the change point (quiet once acknowledged); a small count is judged
by a Poisson / negative-binomial `count_drop` test against its recent rate; a missing week is
bridged (never a drop, never the end of a streak) and named in the sentence. docs/alerting.md
has the method, the measured quality and the limits.

Alerts about last week's move carry `causes`: another metric of the project that moved the same
week in a way that explains it (fewer posts → less reach, bigger reach → diluted ER…).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from kpi import catalogue
from kpi.alerts_text import alert_message
from kpi.catalogue import Direction
from kpi.evidence import COUNT_P, CountEvidence, count_evidence, level_noise, level_shift
from kpi.text import Translate
from kpi.trend import mann_kendall, theil_sen

__all__ = [
    "Alert", "Analysis", "Cause", "MetricAnalysis", "MetricSeries", "Thresholds", "Trend",
    "alert_message", "analyze", "series_for", "to_json",
]

MIN_POINTS = 3  # no decline alerts before 3 weeks of data
BASELINE_WEEKS = 4
STREAK_STEPS = 3  # 3 declines in a row = 4 worsening values; p ≈ 1/24 under noise
STREAK_MIN_TOTAL_PCT = 3.0  # a streak of 0.1 % wobbles is not worth a sentence
TREND_MIN_POINTS = 6
TREND_P = 0.05
TREND_MIN_SLOPE_PCT = 0.5  # % of the median level per week
TREND_WINDOW = 12
TREND_MIN_STILL_PCT = 5.0  # the last week below the window's median by at least this
OUTLIER_Z = 3.5  # Iglewicz–Hoaglin
OUTLIER_CRITICAL_Z = 7.0
OUTLIER_MIN_HISTORY = 4
OUTLIER_MIN_SHARE = 0.5  # of the warning level
MEANAD_FACTOR = 1.253314  # MeanAD → σ for a normal sample, the usual fallback when MAD = 0
CAUSE_MIN_PCT = 15.0  # a driver must have moved at least this much the same week

NOISE_Z = 3.0  # a fall must be this many of the metric's own level spreads (robust σ)
SHIFT_STEP_SLOPE_PCT = 2.0  # segments flatter than this (% a week) make a step, not a slide
ACK_TOLERANCE = timedelta(weeks=2)  # an acknowledged shift stays so if its start moves a little
COUNT_CRITICAL_P = 0.001

SEVERITY_RANK = {"warning": 1, "critical": 2}
DECLINE_KINDS = frozenset({"wow_drop", "below_baseline", "streak", "outlier", "trend",
                           "level_shift", "count_drop"})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-metric alert levels, in % of worsening. `baseline_pct` is how far below the 4-week
    median the latest value must also be; None means "the same as the level being checked"."""

    warning_pct: float = 20.0
    critical_pct: float = 35.0
    baseline_pct: float | None = None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    key: str
    name_ru: str
    name_en: str
    direction: Direction
    weeks: list[date]
    values: list[float | None]
    target: float | None = None
    min_base: float = 0.0
    unit: str = "count"
    entered: bool = True  # False: computed from other metrics (a gap means missing components)

    def name(self, lang: str) -> str:
        return self.name_ru if lang == "ru" else self.name_en


def series_for(key: str, weeks: Sequence[date], values: Sequence[float | None],
               target: float | None = None) -> MetricSeries:
    """A series with names, direction, unit and min_base from the catalogue; a custom metric
    is named by its key and counted as higher-is-better."""
    metric = catalogue.get(key)
    values = [None if v is None else float(v) for v in values]
    if metric is None:
        return MetricSeries(key, key, key, Direction.HIGHER, list(weeks), values, target)
    return MetricSeries(key, metric.name_ru, metric.name_en, metric.direction, list(weeks),
                        values, target, metric.min_base, metric.unit.value)


@dataclass(frozen=True, slots=True)
class Trend:
    slope_pct_per_week: float  # Theil–Sen slope as % of the median level
    p_value: float  # Mann–Kendall, two-sided
    direction: str  # "up" | "down" | "flat" (flat: p ≥ 0.05)
    points: int = 0


@dataclass(frozen=True, slots=True)
class Cause:
    """Another metric that moved the same week: `relation` is "down" or "up" for the driver."""

    metric: str
    relation: str
    last: float
    previous: float
    change_pct: float


@dataclass(slots=True)
class Alert:
    kind: str  # wow_drop | below_baseline | level_shift | count_drop | streak | outlier | trend
    #            | below_target | missing | rate_denominator
    severity: str  # warning | critical
    params: dict = field(default_factory=dict)
    causes: list[Cause] = field(default_factory=list)


@dataclass(slots=True)
class MetricAnalysis:
    key: str
    direction: Direction
    last: float | None = None
    previous: float | None = None
    wow_abs: float | None = None
    wow_pct: float | None = None
    baseline_median: float | None = None
    vs_baseline_pct: float | None = None
    target_progress_pct: float | None = None  # last as % of the target
    streak: int = 0  # consecutive worsening steps ending at the last week
    trend: Trend | None = None
    status: str = "ok"  # ok | warning | critical | no_data
    alerts: list[Alert] = field(default_factory=list)
    points: int = 0  # weeks with a value, up to the last full week
    noise: float | None = None  # robust relative σ of a week's level (kpi/evidence.py)
    usual_range: tuple[int, int] | None = None  # a small count's usual weekly range
    missing_weeks: list[date] = field(default_factory=list)  # gaps in the last 5 weeks
    acknowledged_since: date | None = None  # a level shift the team has acknowledged


@dataclass(slots=True)
class Analysis:
    weeks: list[date]
    metrics: dict[str, MetricAnalysis]
    series: dict[str, MetricSeries] = field(default_factory=dict, repr=False)


# --- helpers -------------------------------------------------------------------------------


def _pct(new: float, old: float) -> float | None:
    return None if old == 0 else (new - old) / abs(old) * 100


def _worsening(pct: float | None, direction: Direction) -> float:
    """How many % worse a change is (negative when it is an improvement)."""
    if pct is None or direction is Direction.NEUTRAL:
        return 0.0
    return -pct if direction is Direction.HIGHER else pct


def _worse(new: float, old: float, direction: Direction) -> bool:
    return new < old if direction is Direction.HIGHER else new > old


def _points(series: MetricSeries, last_week: date) -> list[tuple[date, float]]:
    return sorted((w, v) for w, v in zip(series.weeks, series.values, strict=False)
                  if v is not None and w <= last_week)


# Which metric explains a decline of which, and how it must have moved (kpi-reference.md).
CAUSE_DRIVERS: dict[str, tuple[tuple[str, str], ...]] = {
    "reach": (("posts", "down"), ("spend", "down")),
    "impressions": (("posts", "down"), ("spend", "down")),
    "views": (("posts", "down"), ("spend", "down")),
    **{key: (("posts", "down"), ("reach", "down"))
       for key in ("likes", "comments", "shares", "saves", "mentions", "messages")},
    "clicks": (("spend", "down"), ("impressions", "down"), ("reach", "down"), ("posts", "down")),
    "leads": (("spend", "down"), ("clicks", "down"), ("reach", "down")),
    "orders": (("spend", "down"), ("leads", "down"), ("clicks", "down")),
    "revenue": (("orders", "down"), ("spend", "down")),
    "new_followers": (("reach", "down"), ("posts", "down"), ("spend", "down")),
    "followers": (("new_followers", "down"), ("unfollows", "up")),
    "follower_growth": (("new_followers", "down"), ("unfollows", "up")),
    "unfollows": (("posts", "up"),),
    "churn": (("posts", "up"),),
    "er_reach": (("reach", "up"),),
    "virality": (("reach", "up"),),
    "er_views": (("views", "up"),),
    "er_followers": (("posts", "down"), ("followers", "up")),
    "reach_rate": (("posts", "down"), ("followers", "up")),
    "ctr": (("impressions", "up"),),
    "cr_click_lead": (("clicks", "up"),),
    "cr_lead_sale": (("leads", "up"),),
    "cpc": (("clicks", "down"), ("spend", "up")),
    "cpm": (("impressions", "down"), ("spend", "up")),
    "cpl": (("leads", "down"), ("spend", "up")),
    "cpa": (("orders", "down"), ("spend", "up")),
    "romi": (("revenue", "down"), ("spend", "up")),
    "drr": (("revenue", "down"), ("spend", "up")),
}

# A rate is judged together with its denominator.
RATE_DENOMINATORS: dict[str, str] = {
    "er_reach": "reach", "virality": "reach", "er_views": "views", "er_followers": "followers",
    "reach_rate": "followers", "ctr": "impressions", "cr_click_lead": "clicks",
    "cr_lead_sale": "leads",
}


# --- the analysis --------------------------------------------------------------------------


def analyze(series: Mapping[str, MetricSeries], *, current_week: date,
            thresholds: Mapping[str, Thresholds] | None = None,
            acks: Mapping[str, date] | None = None) -> Analysis:
    """Judge the last full week (`current_week` − 7 days) of every series. `acks`: metric →
    start week of a level shift the team has acknowledged (it is not repeated)."""
    last_week = current_week - timedelta(weeks=1)
    thresholds = thresholds or {}
    acks = acks or {}
    weeks = sorted({w for s in series.values() for w in s.weeks if w <= last_week})
    results = {key: _basics(s, last_week) for key, s in series.items()}
    for key, s in series.items():
        _judge(s, results[key], thresholds.get(key, Thresholds()), last_week, series, results,
               acks.get(key))
    for result in results.values():
        if result.last is None:
            result.status = "no_data"
        elif result.alerts:
            worst = max(result.alerts, key=lambda a: SEVERITY_RANK.get(a.severity, 0))
            result.status = worst.severity
    return Analysis(weeks, results, dict(series))


def _basics(series: MetricSeries, last_week: date) -> MetricAnalysis:
    result = MetricAnalysis(series.key, series.direction)
    points = _points(series, last_week)
    result.points = len(points)
    if not points or points[-1][0] != last_week:
        return result
    last = points[-1][1]
    result.last = last
    if series.target:
        result.target_progress_pct = last / series.target * 100
    if len(points) >= 2:
        # A skipped week is bridged: the comparison is with the latest earlier value.
        previous = points[-2][1]
        result.previous = previous
        result.wow_abs = last - previous
        result.wow_pct = _pct(last, previous)
    window_start = last_week - timedelta(weeks=BASELINE_WEEKS)
    entered = {w for w, _ in points}
    result.missing_weeks = [window_start + timedelta(weeks=i) for i in range(BASELINE_WEEKS)
                            if window_start + timedelta(weeks=i) not in entered
                            and window_start + timedelta(weeks=i) > points[0][0]]
    history = [v for w, v in points[:-1] if w >= window_start]
    if len(history) >= 2:
        result.baseline_median = median(history)
        result.vs_baseline_pct = _pct(last, result.baseline_median)
    values = [v for _, v in points]
    if series.direction is not Direction.NEUTRAL:
        streak = 0
        for i in range(len(values) - 1, 0, -1):
            if not _worse(values[i], values[i - 1], series.direction):
                break
            streak += 1
        result.streak = streak
    result.trend = _trend(points[-TREND_WINDOW:])
    return result


def _trend(points: Sequence[tuple[date, float]]) -> Trend | None:
    if len(points) < TREND_MIN_POINTS:
        return None
    first = points[0][0]
    xs = [(w - first).days / 7 for w, _ in points]
    ys = [v for _, v in points]
    _, p_value = mann_kendall(ys)
    level = median(ys)
    slope = theil_sen(xs, ys)
    slope_pct = slope / abs(level) * 100 if level else 0.0
    direction = "flat"
    if p_value < TREND_P and slope:
        direction = "up" if slope > 0 else "down"
    return Trend(slope_pct, p_value, direction, len(points))


def _judge(series: MetricSeries, result: MetricAnalysis, limits: Thresholds, last_week: date,
           everything: Mapping[str, MetricSeries], results: Mapping[str, MetricAnalysis],
           ack: date | None = None) -> None:
    alerts = result.alerts
    if result.last is None:
        alerts.append(Alert("missing", "warning",
                            {"week": last_week.isoformat(), "entered": series.entered}))
        return
    direction = series.direction
    if direction is Direction.NEUTRAL:
        return
    _target_alert(series, result, alerts)
    _denominator_note(series, result, limits, results, alerts)
    if result.points < MIN_POINTS:
        return
    points = _points(series, last_week)
    values = [v for _, v in points]
    result.noise = level_noise(values[:-1][-TREND_WINDOW:])
    noise_pct = NOISE_Z * (result.noise or 0.0) * 100
    counts = (count_evidence(values[:-1], result.last, direction is Direction.HIGHER)
              if series.unit == "count" else None)
    if counts is not None:
        result.usual_range = (counts.low, counts.high)
    elif not _base_is_large_enough(series, result, results):
        return
    shift = _shift_alert(series, result, limits, points, noise_pct)
    if shift is not None and ack is not None and abs(
            date.fromisoformat(shift.params["since"]) - ack) <= ACK_TOLERANCE:
        result.acknowledged_since = date.fromisoformat(shift.params["since"])
    if counts is not None:
        weekly = _count_alert(result, limits, counts)
    else:
        weekly = _weekly_alert(result, limits, direction, noise_pct)
        if weekly is None:
            weekly = _outlier_alert(series, result, limits, last_week, noise_pct)
    if shift is not None and (weekly is None or weekly.kind != "wow_drop"):
        # A fall that stays is told against the level before it, until it recovers or is
        # acknowledged.
        weekly = None if result.acknowledged_since else shift
    if weekly is not None:
        weekly.causes = _causes(series.key, results, everything)
        _note_gaps(weekly, result)
        alerts.append(weekly)
    if shift is not None:
        return  # a step is not also a "trend" or a "streak"
    trend = result.trend
    trend_is_decline = (trend is not None and trend.direction != "flat"
                        and _worsening(trend.slope_pct_per_week, direction)
                        >= TREND_MIN_SLOPE_PCT)
    if trend_is_decline and trend is not None:
        # The slide must be large for this metric and still be there: the last week well below
        # the window's usual level (a dip that recovered is not a trend any more).
        window = values[-TREND_WINDOW:]
        still = _worsening(_pct(result.last, median(window)), direction)
        trend_is_decline = ((still >= max(TREND_MIN_STILL_PCT, noise_pct / 2) and counts is None)
                            or (counts is not None and counts.p_value < TREND_P))
    if trend_is_decline:
        alerts.append(Alert("trend", "warning", {
            "slope_pct": trend.slope_pct_per_week, "p_value": trend.p_value,
            "weeks": trend.points}))
    elif result.streak >= STREAK_STEPS:
        start = values[-1 - result.streak]
        total = _worsening(_pct(result.last, start), direction)
        if total >= max(STREAK_MIN_TOTAL_PCT, noise_pct * math.sqrt(2)) and (
                counts is None or counts.p_value < TREND_P):
            severity = "critical" if total >= limits.critical_pct else "warning"
            alerts.append(Alert("streak", severity, {
                "steps": result.streak, "start": start, "value": result.last,
                "change_pct": _pct(result.last, start)}))


def _base_is_large_enough(series: MetricSeries, result: MetricAnalysis,
                          results: Mapping[str, MetricAnalysis]) -> bool:
    """Guards against tiny numbers: the metric's own base, and a rate's denominator."""
    reference = [abs(v) for v in (result.last, result.previous, result.baseline_median)
                 if v is not None]
    if series.min_base and max(reference) < series.min_base:
        return False
    denominator = RATE_DENOMINATORS.get(series.key)
    if denominator in results and results[denominator].last is not None:
        metric = catalogue.get(denominator)
        base = metric.min_base if metric else 0.0
        den = results[denominator]
        if max(abs(v) for v in (den.last, den.previous or 0.0)) < base:
            return False
    return True


def _weekly_alert(result: MetricAnalysis, limits: Thresholds, direction: Direction,
                  noise_pct: float = 0.0) -> Alert | None:
    if result.wow_pct is None or result.vs_baseline_pct is None:
        return None
    drop = _worsening(result.wow_pct, direction)
    gap = _worsening(result.vs_baseline_pct, direction)
    if gap < noise_pct:
        return None  # within this metric's own week-to-week swings
    severity = None
    for level, pct in (("critical", limits.critical_pct), ("warning", limits.warning_pct)):
        needed_gap = pct if limits.baseline_pct is None else limits.baseline_pct
        if drop >= pct and gap >= needed_gap:
            severity = level
            break
    params = {"value": result.last, "previous": result.previous, "wow_pct": result.wow_pct,
              "baseline": result.baseline_median, "vs_baseline_pct": result.vs_baseline_pct}
    if severity:
        return Alert("wow_drop", severity, params)
    # The level stays far below the usual one although last week did not drop much (again).
    needed_gap = limits.warning_pct if limits.baseline_pct is None else limits.baseline_pct
    if gap >= needed_gap and drop >= 0:
        return Alert("below_baseline", "warning", params)
    return None


def _outlier_alert(series: MetricSeries, result: MetricAnalysis, limits: Thresholds,
                   last_week: date, noise_pct: float = 0.0) -> Alert | None:
    history = [v for _, v in _points(series, last_week)[:-1]][-2 * BASELINE_WEEKS:]
    if len(history) < OUTLIER_MIN_HISTORY or result.last is None:
        return None
    center = median(history)
    deviation = result.last - center
    mad = median(abs(v - center) for v in history)
    if mad > 0:
        z = 0.6745 * deviation / mad
    else:
        mean_ad = sum(abs(v - center) for v in history) / len(history)
        if mean_ad > 0:
            z = deviation / (MEANAD_FACTOR * mean_ad)
        else:
            # A perfectly flat history: every change is "infinitely" unusual, so only a change
            # that is large in relative terms counts.
            relative = _pct(result.last, center)
            if relative is None or abs(relative) < limits.warning_pct:
                return None
            z = float("inf") if deviation > 0 else float("-inf")
    worse = _worsening(z, series.direction)
    # Unusual by the score and large for this metric (and not a 5 % wobble of a flat series).
    needed = max(noise_pct, limits.warning_pct * OUTLIER_MIN_SHARE)
    if worse <= OUTLIER_Z or _worsening(_pct(result.last, center), series.direction) < needed:
        return None
    severity = "critical" if worse > OUTLIER_CRITICAL_Z and abs(
        _pct(result.last, center) or 0) >= limits.warning_pct else "warning"
    return Alert("outlier", severity, {
        "value": result.last, "median": center, "z": z if abs(z) != float("inf") else None,
        "vs_median_pct": _pct(result.last, center)})


def _count_alert(result: MetricAnalysis, limits: Thresholds,
                 counts: CountEvidence) -> Alert | None:
    """A small count judged by a count model: a fall only when chance hardly explains it."""
    drop = _worsening(_pct(result.last, counts.rate), result.direction)
    if counts.p_value >= COUNT_P or drop < limits.warning_pct:
        return None
    severity = ("critical" if counts.p_value < COUNT_CRITICAL_P and drop >= limits.critical_pct
                else "warning")
    return Alert("count_drop", severity, {
        "value": result.last, "previous": result.previous, "rate": counts.rate,
        "low": counts.low, "high": counts.high, "p_value": counts.p_value,
        "higher": result.direction is Direction.HIGHER})


def _shift_alert(series: MetricSeries, result: MetricAnalysis, limits: Thresholds,
                 points: Sequence[tuple[date, float]], noise_pct: float) -> Alert | None:
    """A fall at least two weeks old that stays: compared with the level before it."""
    window = list(points[-TREND_WINDOW:])
    values = [v for _, v in window]
    shift = level_shift(values, lambda new, old: _worse(new, old, series.direction))
    if shift is None or len(values) - shift.start < 2 or result.last is None:
        return None
    gap = _worsening(_pct(result.last, shift.before), series.direction)
    if gap < max(limits.warning_pct, noise_pct):
        return None
    for segment in (window[:shift.start], window[shift.start:]):
        if len(segment) >= 3:
            xs = [(w - segment[0][0]).days / 7 for w, _ in segment]
            slope = theil_sen(xs, [v for _, v in segment])
            level = median(v for _, v in segment)
            if level and abs(slope / level * 100) >= SHIFT_STEP_SLOPE_PCT:
                return None  # a slide, told by the trend rule
    severity = "critical" if gap >= limits.critical_pct else "warning"
    return Alert("level_shift", severity, {
        "value": result.last, "before": shift.before, "after": shift.after,
        "since": window[shift.start][0].isoformat(), "change_pct": _pct(result.last, shift.before),
        "weeks": len(values) - shift.start})


def _note_gaps(alert: Alert, result: MetricAnalysis) -> None:
    if result.missing_weeks:
        alert.params["missing"] = [w.isoformat() for w in result.missing_weeks]


def _target_alert(series: MetricSeries, result: MetricAnalysis, alerts: list[Alert]) -> None:
    if series.target is None or result.last is None:
        return
    if _worse(result.last, series.target, series.direction):
        alerts.append(Alert("below_target", "warning", {
            "value": result.last, "target": series.target,
            "gap_pct": _pct(result.last, series.target),
            "ceiling": series.direction is Direction.LOWER}))


def _denominator_note(series: MetricSeries, result: MetricAnalysis, limits: Thresholds,
                      results: Mapping[str, MetricAnalysis], alerts: list[Alert]) -> None:
    """ER up because reach collapsed is not good news: say so instead of praising it."""
    denominator = RATE_DENOMINATORS.get(series.key)
    den = results.get(denominator) if denominator else None
    if den is None or den.wow_pct is None or result.wow_pct is None:
        return
    if (_worsening(result.wow_pct, series.direction) <= -limits.warning_pct
            and den.wow_pct <= -limits.warning_pct):
        alerts.append(Alert("rate_denominator", "warning", {
            "value": result.last, "previous": result.previous, "wow_pct": result.wow_pct,
            "denominator": denominator, "denominator_last": den.last,
            "denominator_previous": den.previous, "denominator_pct": den.wow_pct}))


def _causes(key: str, results: Mapping[str, MetricAnalysis],
            series: Mapping[str, MetricSeries]) -> list[Cause]:
    causes = []
    for driver, relation in CAUSE_DRIVERS.get(key, ()):
        found = results.get(driver)
        if found is None or found.wow_pct is None or found.previous is None:
            continue
        moved = found.wow_pct if relation == "up" else -found.wow_pct
        base = series[driver].min_base
        if moved >= CAUSE_MIN_PCT and max(abs(found.last), abs(found.previous)) >= base:
            causes.append(Cause(driver, relation, found.last, found.previous, found.wow_pct))
    return causes


# --- output --------------------------------------------------------------------------------


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def to_json(analysis: Analysis, t: Translate) -> dict:
    """The `analyze --json` document (interface.md); extra fields follow the required ones."""
    metrics = {}
    for key, result in analysis.metrics.items():
        series = analysis.series.get(key)
        metrics[key] = {
            "last": None if result.last is None else float(result.last),
            "previous": None if result.previous is None else float(result.previous),
            "wow_pct": _round(result.wow_pct),
            "direction": result.direction.value,
            "status": result.status,
            "alerts": [{"kind": a.kind, "severity": a.severity,
                        "message": alert_message(a, series or key, t)}
                       for a in result.alerts],
            "baseline_median": _round(result.baseline_median, 4),
            "vs_baseline_pct": _round(result.vs_baseline_pct),
            "target": series.target if series else None,
            "target_progress_pct": _round(result.target_progress_pct),
            "streak": result.streak,
            "trend": None if result.trend is None else {
                "slope_pct_per_week": _round(result.trend.slope_pct_per_week),
                "p_value": _round(result.trend.p_value, 6),
                "direction": result.trend.direction},
            "noise_pct": _round(None if result.noise is None else result.noise * 100),
            "usual_range": list(result.usual_range) if result.usual_range else None,
            "missing_weeks": [w.isoformat() for w in result.missing_weeks],
            "acknowledged_since": (result.acknowledged_since.isoformat()
                                   if result.acknowledged_since else None),
        }
    return {"weeks": [w.isoformat() for w in analysis.weeks], "metrics": metrics}
