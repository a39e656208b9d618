"""Evidence that a weekly series really got worse, scaled to the series itself.

- `noise_spread`: the robust spread of week-over-week relative changes (1.4826 · MAD), so a
  ±15 % metric needs a bigger fall than a ±2 % one before any rule calls it a decline;
- `level_shift`: the best single change point in the recent weeks — a fall that stays is judged
  against the level before it, not against a 4-week median that has already caught up;
- `count_evidence`: small counts (a few leads or orders a week) judged with a count model
  (Poisson, or negative binomial when the weeks vary more than Poisson allows) against the
  recent rate, with the usual range in plain numbers.

Values passed in are "oriented": higher is better (the caller negates nothing; it passes
`worse` to say which way is bad).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import mean, median

MAD_TO_SIGMA = 1.4826
SHIFT_MIN_BEFORE = 3
SHIFT_MIN_AFTER = 2
SHIFT_MIN_SCORE = 4.0  # difference of segment medians in pooled robust spreads, size-weighted
COUNT_MAX_RATE = 30.0  # at or below this weekly rate a metric is judged as a count
COUNT_HISTORY = 8
COUNT_P = 0.01  # one-sided chance of a fall this large under the recent rate
USUAL_QUANTILES = (0.05, 0.95)


def _mad(values: Sequence[float]) -> float:
    center = median(values)
    return median(abs(v - center) for v in values)


def noise_spread(values: Sequence[float]) -> float | None:
    """Robust σ of relative week-over-week changes (0.12 = ±12 %), None with under 3 changes."""
    changes = [(b - a) / abs(a) for a, b in itertools.pairwise(values) if a]
    if len(changes) < 3:
        return None
    return MAD_TO_SIGMA * _mad(changes)


def level_noise(values: Sequence[float]) -> float | None:
    """Robust σ of a week's level around the usual one, relative (0.09 = ±9 %): the mean of two
    estimates, the spread of weekly changes / √2 (not inflated by a slow trend) and the MAD of
    the levels (not inflated by one wild change), which steadies either on 4–12 points."""
    changes = noise_spread(values)
    if changes is None:
        return None
    center = median(values)
    levels = MAD_TO_SIGMA * _mad(values) / abs(center) if center else changes
    return (changes / math.sqrt(2) + levels) / 2


@dataclass(frozen=True, slots=True)
class Shift:
    start: int  # index of the first value after the change
    before: float  # median level before the change
    after: float  # median level since
    score: float


def level_shift(values: Sequence[float], worse: Callable[[float, float], bool]) -> Shift | None:
    """The strongest change point where every value since is worse than halfway between the
    level before and the level after."""
    n = len(values)
    best: Shift | None = None
    for k in range(SHIFT_MIN_BEFORE, n - SHIFT_MIN_AFTER + 1):
        before, after = values[:k], values[k:]
        level_b, level_a = median(before), median(after)
        middle = (level_a + level_b) / 2  # every week since is nearer the new level
        if not worse(level_a, level_b) or not all(worse(v, middle) for v in after):
            continue
        residuals = [v - level_b for v in before] + [v - level_a for v in after]
        spread = MAD_TO_SIGMA * median(abs(r) for r in residuals)
        spread = max(spread, 0.01 * abs(level_b), 1e-9)
        weight = math.sqrt(len(before) * len(after) / n)
        score = abs(level_a - level_b) / spread * weight
        if best is None or score > best.score:
            best = Shift(k, level_b, level_a, score)
    if best is None or best.score < SHIFT_MIN_SCORE:
        return None
    return best


# --- counts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountModel:
    rate: float
    size: float | None  # negative-binomial size r; None = Poisson

    def pmf(self, k: int) -> float:
        mu = self.rate
        if mu <= 0:
            return 1.0 if k == 0 else 0.0
        if self.size is None:
            return math.exp(k * math.log(mu) - mu - math.lgamma(k + 1))
        r = self.size
        p = r / (r + mu)
        return math.exp(math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
                        + r * math.log(p) + k * math.log1p(-p))

    def cdf(self, k: int) -> float:
        return min(1.0, sum(self.pmf(i) for i in range(max(0, k) + 1))) if k >= 0 else 0.0

    def quantile(self, q: float) -> int:
        total, k = 0.0, 0
        while True:
            total += self.pmf(k)
            if total >= q or k > 10 * self.rate + 50:
                return k
            k += 1


def count_model(history: Sequence[float]) -> CountModel | None:
    """The recent weekly rate of a small count, or None when the metric is not one."""
    recent = list(history[-COUNT_HISTORY:])
    if len(recent) < 2 or any(v < 0 or not float(v).is_integer() for v in recent):
        return None
    rate = mean(recent)
    if rate > COUNT_MAX_RATE:
        return None
    variance = sum((v - rate) ** 2 for v in recent) / (len(recent) - 1)
    size = rate * rate / (variance - rate) if variance > rate * 1.2 and rate > 0 else None
    return CountModel(max(rate, 0.5), size)


@dataclass(frozen=True, slots=True)
class CountEvidence:
    rate: float
    low: int  # the usual range, 5th–95th percentile of a week
    high: int
    p_value: float  # chance of a value this bad (or worse) under the recent rate


def count_evidence(history: Sequence[float], last: float, higher_is_better: bool
                   ) -> CountEvidence | None:
    model = count_model(history)
    if model is None or not float(last).is_integer():
        return None
    k = int(last)
    p = model.cdf(k) if higher_is_better else 1.0 - model.cdf(k - 1)
    return CountEvidence(model.rate, model.quantile(USUAL_QUANTILES[0]),
                         model.quantile(USUAL_QUANTILES[1]), p)
