"""The experiment verdict's error rates on generated series, by history length and noise.

Two rows per case: how often an unchanged series is judged "no clear effect" (target ≥ 90 %)
and how often a real +20 % shift is found after 6 experiment weeks (no target where the noise
makes it impossible to promise; ≥ 50 % where the issue's "most of the time" is claimed).
"""

from __future__ import annotations

from benchmarks.common import QUALITY, Result
from kpi.synthetic import rates

HISTORY = (8, 12, 26)
NOISE = (0.05, 0.10, 0.20)
# Where the README promises that a +20 % shift is found most of the time.
POWER_CLAIMED = {(12, 0.05), (26, 0.05), (26, 0.10)}


async def run(quick: bool) -> list[Result]:
    seeds = range(300 if quick else 2000)
    results: list[Result] = []
    for before in HISTORY:
        for noise in NOISE:
            found = rates(seeds, before=before, after=6, noise=noise)
            case = f"{before} wk history, noise {noise:.0%}"
            results.append(Result(f"experiment: no change → no clear effect ({case})",
                                  found.no_effect_when_none * 100, "%", target=90,
                                  kind=QUALITY))
            results.append(Result(f"experiment: +20 % found in 6 wk ({case})",
                                  found.found_when_shifted * 100, "%",
                                  target=50 if (before, noise) in POWER_CLAIMED else None,
                                  kind=QUALITY))
    return results
