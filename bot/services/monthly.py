"""The monthly view: the last 4 full weeks against the 4 before, per KPI.

Counts are summed over the 4 weeks, stocks (followers) take the last known value, and rates are
recomputed from the summed counts — never averaged from weekly percentages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.formulas import compiled, formula_values
from kpi import catalogue
from kpi.catalogue import Kind
from kpi.formulas import compute_derived
from storage.base import Storage

PERIOD_WEEKS = 4


@dataclass(frozen=True, slots=True)
class PeriodChange:
    metric: str
    current: float | None
    previous: float | None

    @property
    def change_pct(self) -> float | None:
        if self.current is None or not self.previous:
            return None
        return (self.current - self.previous) / abs(self.previous) * 100


def aggregate(weeks: list[dict[str, float]]) -> dict[str, float]:
    """One period's totals from its weekly values (oldest first)."""
    totals: dict[str, float] = {}
    for values in weeks:
        for key, value in values.items():
            metric = catalogue.get(key)
            if metric is not None and metric.derived:
                continue  # recomputed below from the period's counts
            if metric is not None and metric.kind is Kind.STOCK:
                totals[key] = value
            else:
                totals[key] = totals.get(key, 0.0) + value
    return totals


def period_totals(weeks: list[dict[str, float]],
                  before: list[dict[str, float]]) -> dict[str, float]:
    totals = aggregate(weeks)
    derived = compute_derived(totals, aggregate(before) or None)
    return {**totals, **{key: item.value for key, item in derived.items()}}


async def monthly_changes(storage: Storage, project_id: int, this_week: date,
                          metrics: list[str]) -> tuple[date, date, list[PeriodChange]]:
    """(first week, last week, changes) for the last 4 full weeks vs the 4 before them."""
    last = this_week - timedelta(weeks=1)
    first = last - timedelta(weeks=PERIOD_WEEKS - 1)
    earliest = first - timedelta(weeks=2 * PERIOD_WEEKS)
    by_week: dict[date, dict[str, float]] = {}
    for row in await storage.get_values(project_id, since=earliest, until=last):
        by_week.setdefault(row.week_start, {})[row.metric] = row.value

    def window(end: date) -> list[dict[str, float]]:
        return [by_week.get(end - timedelta(weeks=i), {}) for i in range(PERIOD_WEEKS - 1, -1, -1)]

    previous_end = last - timedelta(weeks=PERIOD_WEEKS)
    current = period_totals(window(last), window(previous_end))
    previous = period_totals(window(previous_end),
                             window(previous_end - timedelta(weeks=PERIOD_WEEKS)))
    # Formula KPIs, like the built-in rates, from the period's totals (not averaged weeks).
    custom = [k.metric for k in await storage.get_kpis(project_id) if k.custom]
    formulas = compiled(await storage.get_formula_kpis(project_id), custom)
    current.update(formula_values(formulas, current))
    previous.update(formula_values(formulas, previous))
    return first, last, [PeriodChange(m, current.get(m), previous.get(m)) for m in metrics]
