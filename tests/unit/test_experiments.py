"""The experiment verdict: statuses, directions, limits, and its error rates on generated series."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from kpi.experiments import MIN_AFTER, Status, t_critical, verdict
from kpi.synthetic import START, rates, weekly_series


def series(values: list[float], before: int) -> dict[date, float]:
    return {START + timedelta(weeks=i - before): v for i, v in enumerate(values)}


def wobble(n: int, amount: float = 0.03, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [1 + rng.uniform(-amount, amount) for _ in range(n)]


def test_waiting_until_enough_weeks() -> None:
    data = series([100.0] * 10 + [130.0, 131.0], before=10)
    result = verdict(data, START)
    assert result.status is Status.WAITING
    assert (result.weeks_after, MIN_AFTER) == (2, 4)
    assert not result.decided


def test_no_history_before_the_start() -> None:
    result = verdict(series([100.0] * 3 + [150.0] * 6, before=3), START)
    assert result.status is Status.NO_HISTORY


def test_a_clear_jump_worked_with_interval_around_it() -> None:
    noise = wobble(18)
    data = series([100 * f for f in noise[:12]] + [130 * f for f in noise[12:]], before=12)
    result = verdict(data, START)
    assert result.status is Status.WORKED
    assert result.low_pct < 30 < result.high_pct
    assert result.change_pct == pytest.approx(30, abs=5)
    assert result.before == pytest.approx(100, abs=3)
    assert result.after == pytest.approx(130, abs=4)


def test_direction_decides_worked_or_worse() -> None:
    noise = wobble(18)
    drop = series([100 * f for f in noise[:12]] + [70 * f for f in noise[12:]], before=12)
    assert verdict(drop, START).status is Status.WORSE
    assert verdict(drop, START, want_up=False).status is Status.WORKED


def test_a_trend_that_was_already_there_is_not_a_win() -> None:
    noise = wobble(18)
    rising = series([100 * 1.04 ** i * f for i, f in enumerate(noise)], before=12)
    result = verdict(rising, START)
    assert result.status is Status.NO_EFFECT
    assert result.after > result.before * 1.3  # a naive before/after would call it +30 %


def test_weeks_after_the_end_are_ignored() -> None:
    noise = wobble(22)
    data = series([100 * f for f in noise[:12]] + [130 * f for f in noise[12:18]]
                  + [100 * f for f in noise[18:]], before=12)
    end = START + timedelta(weeks=5)
    assert verdict(data, START, end).status is Status.WORKED
    assert verdict(data, START, end).weeks_after == 6


def test_zero_values_use_the_raw_scale() -> None:
    noise = wobble(16)
    data = series([0.0] + [10 * f for f in noise[1:10]] + [20 * f for f in noise[10:]], before=10)
    result = verdict(data, START)
    assert result.status is Status.WORKED
    assert result.change_pct is not None and result.change_pct > 50


def test_constant_series_is_no_effect_and_gaps_are_fine() -> None:
    data = series([50.0] * 16, before=10)
    del data[START - timedelta(weeks=3)]
    result = verdict(data, START)
    assert result.status is Status.NO_EFFECT
    assert result.change_pct == pytest.approx(0, abs=1e-6)
    assert not any(math.isnan(x) for x in (result.low_pct, result.high_pct))


def test_t_critical() -> None:
    assert t_critical(10) == 2.228
    assert t_critical(200) == pytest.approx(1.972, abs=0.005)
    assert t_critical(0) == math.inf


def test_generator_shape() -> None:
    data = weekly_series(random.Random(1), before=12, after=6, noise=0.1, shift=0.2)
    assert len(data) == 18 and min(data) == START - timedelta(weeks=12)


SEEDS = range(400)


@pytest.mark.parametrize("before", [8, 12, 26])
@pytest.mark.parametrize("noise", [0.05, 0.10, 0.20])
def test_noise_is_not_called_a_win(before: int, noise: float) -> None:
    """No change (random trend up to ±2 %/week, AR(1) noise, ρ = 0.2): ≥ 90 % 'no clear effect'."""
    assert rates(SEEDS, before=before, after=6, noise=noise).no_effect_when_none >= 0.90


@pytest.mark.parametrize(("before", "noise", "at_least"), [
    (12, 0.05, 0.90), (26, 0.05, 0.95), (26, 0.10, 0.65),
])
def test_a_real_20_percent_shift_is_found_within_6_weeks(before: int, noise: float,
                                                         at_least: float) -> None:
    assert rates(SEEDS, before=before, after=6, noise=noise).found_when_shifted >= at_least
