"""A labelled generator of weekly series for measuring the alert rules (tests and benchmarks).

Every kind holds cases that must alert (a real decline) and cases that must not (noise, a
spike that returned, a recovery…), so precision and recall are defined per kind. "Alert" means
any decline alert of the analysis (`DECLINE_KINDS`); the naive rule is "last week is more than
10 % worse than the week before it that has a number".
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from kpi.analysis import DECLINE_KINDS, MetricSeries, analyze, series_for

START = date(2026, 1, 5)  # a Monday
NAIVE_WOW_PCT = 10.0


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    decline: bool  # the label: a person wants to hear about it
    metric: str
    values: tuple[float | None, ...]
    acked_since: date | None = None

    @property
    def weeks(self) -> list[date]:
        return [START + timedelta(weeks=i) for i in range(len(self.values))]

    def series(self) -> MetricSeries:
        return series_for(self.metric, self.weeks, list(self.values))


def _noisy(rng: random.Random, level: float, spread: float) -> float:
    return round(level * (1 + rng.uniform(-spread, spread)))


def _poisson(rng: random.Random, rate: float) -> int:
    limit, k, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _fresh_drop(rng: random.Random, decline: bool) -> Case:
    n, level = rng.randint(8, 12), rng.uniform(3000, 20000)
    values = [_noisy(rng, level, 0.05) for _ in range(n)]
    if decline:
        values[-1] = round(level * rng.uniform(0.4, 0.7))
    else:  # a viral spike that returned
        values[-2] = round(level * rng.uniform(2.0, 3.5))
    return Case("fresh_drop", decline, "reach", tuple(values))


def _slow_decline(rng: random.Random, decline: bool) -> Case:
    n, level = rng.randint(10, 12), rng.uniform(3000, 20000)
    if decline:
        rate = rng.uniform(0.04, 0.07)
        values = [_noisy(rng, level * (1 - rate) ** i, 0.03) for i in range(n)]
    else:  # growth with a small dip
        values = [_noisy(rng, level * 1.03 ** i, 0.02) for i in range(n)]
        values[-1] = round(values[-2] * rng.uniform(0.90, 0.95))
    return Case("slow_decline", decline, "impressions", tuple(values))


def _level_shift(rng: random.Random, decline: bool) -> Case:
    n, level = rng.randint(9, 12), rng.uniform(2000, 9000)
    since, fall = rng.randint(2, 4), rng.uniform(0.25, 0.35)
    values = [_noisy(rng, level if i < n - since else level * (1 - fall), 0.03) for i in range(n)]
    if not decline:  # it came back
        values[-1] = _noisy(rng, level, 0.03)
    return Case("level_shift", decline, "saves", tuple(values))


def _small_counts(rng: random.Random, decline: bool) -> Case:
    n = rng.randint(8, 12)
    metric = rng.choice(("leads", "orders", "mentions", "messages"))
    if decline:  # ten a week falling to (almost) nothing
        rate = rng.uniform(9, 14)
        values = [_poisson(rng, rate) for _ in range(n - 1)] + [rng.choice((0, 0, 1))]
    else:  # 4–10 a week; last week happened to be lower than the one before
        rate = rng.uniform(4, 10)
        values = [_poisson(rng, rate) for _ in range(n)]
        values[-2] = max(values[-2], round(rate))
        values[-1] = rng.randint(max(0, round(rate * 0.6)), values[-2] - 1)  # a chance fall
    return Case("small_counts", decline, metric, tuple(values))


def _noisy_metric(rng: random.Random, decline: bool) -> Case:
    n, level = rng.randint(9, 12), rng.uniform(3000, 20000)
    values = [_noisy(rng, level, 0.15) for _ in range(n)]
    if decline:
        values[-1] = round(level * rng.uniform(0.35, 0.55))
    else:  # a week-to-week fall that is only noise
        values[-1] = round(level * rng.uniform(0.85, 0.97))
        values[-2] = max(values[-2], round(values[-1] * 1.03))
    return Case("noisy", decline, rng.choice(("reach", "likes", "clicks")), tuple(values))


def _missing_weeks(rng: random.Random, decline: bool) -> Case:
    n, level = rng.randint(8, 12), rng.uniform(3000, 20000)
    values: list[float | None] = [_noisy(rng, level, 0.04) for _ in range(n)]
    for index in rng.sample(range(2, n - 1), rng.randint(1, 2)):
        values[index] = None
    if decline:
        values[-1] = round(level * rng.uniform(0.45, 0.65))
    else:  # an ordinary week after the gap
        values[-1] = _noisy(rng, level, 0.04)
    return Case("missing_weeks", decline, "reach", tuple(values))


GENERATORS: dict[str, Callable[[random.Random, bool], Case]] = {
    "fresh_drop": _fresh_drop, "slow_decline": _slow_decline, "level_shift": _level_shift,
    "small_counts": _small_counts, "noisy": _noisy_metric, "missing_weeks": _missing_weeks,
}


def generate(per_label: int = 50, seed: int = 16) -> list[Case]:
    """`per_label` alerting and `per_label` quiet cases of every kind, reproducible by seed."""
    rng = random.Random(seed)
    return [GENERATORS[kind](rng, decline) for kind in GENERATORS
            for decline in (True, False) for _ in range(per_label)]


# --- the two detectors ---------------------------------------------------------------------


def detector_alerts(case: Case) -> bool:
    series = case.series()
    acks = {case.metric: case.acked_since} if case.acked_since else None
    result = analyze({case.metric: series}, current_week=case.weeks[-1] + timedelta(weeks=1),
                     acks=acks).metrics[case.metric]
    return any(a.kind in DECLINE_KINDS for a in result.alerts)


def naive_alerts(case: Case) -> bool:
    entered = [v for v in case.values if v is not None]
    if case.values[-1] is None or len(entered) < 2 or not entered[-2]:
        return False
    change = (entered[-1] - entered[-2]) / abs(entered[-2]) * 100
    lower_is_better = case.series().direction.value == "lower_is_better"
    return (change if lower_is_better else -change) > NAIVE_WOW_PCT


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    cases: int


def score(cases: Iterable[Case], detector: Callable[[Case], bool]) -> dict[str, Score]:
    """Precision and recall per kind and "overall"."""
    tallies: dict[str, list[int]] = {}
    for case in cases:
        fired = detector(case)
        for key in (case.kind, "overall"):
            tp, fp, fn, n = tallies.setdefault(key, [0, 0, 0, 0])
            tallies[key] = [tp + (fired and case.decline), fp + (fired and not case.decline),
                            fn + (not fired and case.decline), n + 1]
    return {key: Score(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, n)
            for key, (tp, fp, fn, n) in tallies.items()}
