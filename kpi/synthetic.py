"""Generated weekly series for checking the experiment verdict (tests and benchmarks share them).

A series is level · exp(slope·week + noise) · (1 + shift after the start), the noise an AR(1)
process with the given standard deviation (on the log scale, so 0.1 ≈ ±10 % week to week) and
lag-1 correlation `rho`; the slope is drawn from ±`max_slope` per week.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from kpi.experiments import Status, verdict

START = date(2026, 6, 1)  # a Monday: the first experiment week


def weekly_series(rng: random.Random, *, before: int, after: int, noise: float, shift: float,
                  max_slope: float = 0.02, rho: float = 0.2, level: float = 1000.0
                  ) -> dict[date, float]:
    slope = rng.uniform(-max_slope, max_slope)
    series: dict[date, float] = {}
    previous = rng.gauss(0, noise)
    for index in range(-before, after):
        if index > -before:
            previous = rho * previous + math.sqrt(1 - rho * rho) * rng.gauss(0, noise)
        value = level * math.exp(slope * index + previous) * (1 + shift if index >= 0 else 1)
        series[START + timedelta(weeks=index)] = value
    return series


@dataclass(frozen=True, slots=True)
class Rates:
    no_effect_when_none: float  # share of unchanged series judged "no clear effect"
    found_when_shifted: float  # share of series shifted by `shift` judged "worked"


def rates(seeds: range, *, before: int, after: int, noise: float, shift: float = 0.2,
          rho: float = 0.2) -> Rates:
    """Both rates over one series per seed and case (deterministic for a seed range)."""
    quiet = found = 0
    for seed in seeds:
        rng = random.Random(seed)
        null = weekly_series(rng, before=before, after=after, noise=noise, shift=0.0, rho=rho)
        moved = weekly_series(rng, before=before, after=after, noise=noise, shift=shift, rho=rho)
        quiet += verdict(null, START).status is Status.NO_EFFECT
        found += verdict(moved, START).status is Status.WORKED
    return Rates(quiet / len(seeds), found / len(seeds))
