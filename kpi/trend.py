"""Mann–Kendall trend test and the Theil–Sen slope for short weekly series (pure Python).

Small series use the exact permutation distribution of S (no ties, n ≤ EXACT_MAX_N); longer or
tied series use the normal approximation with the tie-corrected variance and a continuity
correction. Exact two-sided p for a perfectly monotone series: n=4 → 0.083, n=5 → 0.017.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import cache
from statistics import median

EXACT_MAX_N = 10


def kendall_s(values: Sequence[float]) -> int:
    """Concordant minus discordant pairs in time order."""
    s = 0
    for i, earlier in enumerate(values):
        for later in values[i + 1:]:
            s += (later > earlier) - (later < earlier)
    return s


@cache
def _inversion_counts(n: int) -> tuple[int, ...]:
    """How many permutations of n items have k inversions (Mahonian numbers), k = 0..n(n−1)/2."""
    counts = [1]
    for size in range(2, n + 1):
        new = [0] * (len(counts) + size - 1)
        for k, count in enumerate(counts):
            for extra in range(size):
                new[k + extra] += count
        counts = new
    return tuple(counts)


def _exact_p(n: int, s: int) -> float:
    pairs = n * (n - 1) // 2
    counts = _inversion_counts(n)
    extreme = sum(c for k, c in enumerate(counts) if abs(pairs - 2 * k) >= abs(s))
    return min(1.0, extreme / math.factorial(n))


def _normal_p(values: Sequence[float], s: int) -> float:
    n = len(values)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(values).values() if t > 1)
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18
    if s == 0 or variance <= 0:
        return 1.0
    z = (s - math.copysign(1, s)) / math.sqrt(variance)
    return min(1.0, math.erfc(abs(z) / math.sqrt(2)))


def mann_kendall(values: Sequence[float]) -> tuple[int, float]:
    """(S, two-sided p) for the hypothesis of no monotone trend."""
    n = len(values)
    if n < 2:
        return 0, 1.0
    s = kendall_s(values)
    if n <= EXACT_MAX_N and len(set(values)) == n:
        return s, _exact_p(n, s)
    return s, _normal_p(values, s)


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Median of the pairwise slopes (robust to a spike week)."""
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i])
              for i in range(len(xs)) for j in range(i + 1, len(xs)) if xs[j] != xs[i]]
    return median(slopes) if slopes else 0.0
