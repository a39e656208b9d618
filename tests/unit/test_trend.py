import math
import random

import pytest

from kpi.trend import kendall_s, mann_kendall, theil_sen


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 2, 3, 4], 0.083),  # never below 0.05 on 4 points
    ([4, 3, 2, 1], 0.083),
    ([1, 2, 3, 4, 5], 0.017),
    ([1, 2, 3, 4, 5, 6], 0.003),
    ([1, 3, 2, 4, 5, 6], 0.017),  # one pair out of order
    ([10, 9, 7, 8, 6, 5], 0.017),
])
def test_exact_p_values_from_alerting_md(values, expected):
    _, p = mann_kendall(values)
    assert round(p, 3) == expected


def test_exact_p_is_exact_fractions():
    assert mann_kendall([1, 2, 3, 4])[1] == pytest.approx(2 / 24)
    assert mann_kendall([1, 2, 3, 4, 5])[1] == pytest.approx(2 / 120)
    assert mann_kendall([1, 3, 2, 4, 5, 6])[1] == pytest.approx(12 / 720)


def test_exact_distribution_matches_brute_force_for_n_6():
    from itertools import permutations

    for values in ([3, 1, 2, 6, 5, 4], [1, 2, 3, 4, 6, 5], [6, 5, 4, 1, 2, 3]):
        s = kendall_s(values)
        perms = list(permutations(range(6)))
        extreme = sum(abs(kendall_s(p)) >= abs(s) for p in perms)
        assert mann_kendall(values)[1] == pytest.approx(extreme / len(perms))


def test_no_trend_gives_p_one():
    assert mann_kendall([5, 5, 5, 5, 5, 5]) == (0, 1.0)
    assert mann_kendall([1, 3, 2, 3, 1, 2])[1] > 0.5
    assert mann_kendall([7]) == (0, 1.0)


def test_normal_approximation_above_ten_points_is_close_to_exact():
    values = list(range(12))
    values[3], values[4] = values[4], values[3]
    s, p = mann_kendall(values)
    assert s == 64
    variance = 12 * 11 * 29 / 18
    assert p == pytest.approx(math.erfc((s - 1) / math.sqrt(variance) / math.sqrt(2)))
    assert p < 0.001


def test_ties_use_the_tie_corrected_variance():
    s, p = mann_kendall([1, 1, 2, 2, 3, 3, 4, 4])
    assert s == 24
    assert 0 < p < 0.01


def test_random_noise_rarely_trends():
    rng = random.Random(7)
    hits = sum(mann_kendall([rng.gauss(100, 10) for _ in range(8)])[1] < 0.05
               for _ in range(400))
    assert hits / 400 < 0.09


def test_theil_sen_ignores_a_spike():
    xs = list(range(8))
    ys = [100 - 3 * x for x in xs]
    ys[4] = 500
    assert theil_sen(xs, ys) == pytest.approx(-3)


def test_theil_sen_with_gaps_uses_the_week_index():
    assert theil_sen([0, 1, 4, 5], [10, 12, 18, 20]) == pytest.approx(2)
    assert theil_sen([0], [1]) == 0.0
