"""6. Alert quality: precision and recall per kind of the labelled generator (kpi/alert_cases.py),
the analysis beside the naive "WoW worse than 10 %" rule (the baseline column)."""

from __future__ import annotations

import time

from benchmarks.common import QUALITY, Result
from kpi.alert_cases import detector_alerts, generate, naive_alerts, score

OVERALL_TARGET = 0.95
KIND_TARGET = 0.85


async def run(quick: bool) -> list[Result]:
    seeds = (16,) if quick else (16, 17, 18, 19, 20)
    cases = [case for seed in seeds for case in generate(40 if quick else 100, seed)]
    started = time.perf_counter()
    ours = score(cases, detector_alerts)
    elapsed = time.perf_counter() - started
    naive = score(cases, naive_alerts)
    results = []
    for kind in sorted(ours, key=lambda k: (k == "overall", k)):
        target = OVERALL_TARGET if kind == "overall" else KIND_TARGET
        for measure in ("precision", "recall"):
            results.append(Result(
                f"alerts {kind}: {measure}", getattr(ours[kind], measure), "", target,
                baseline=getattr(naive[kind], measure), kind=QUALITY,
                note="" if results else "baseline column: the naive rule, WoW worse than 10 %"))
    results.append(Result("alerts: analysis time per series", elapsed / len(cases) * 1000, "ms",
                          note=f"{len(cases)} series"))
    return results
