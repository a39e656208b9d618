"""A project's weekly table: stored values plus the derived and formula KPIs they allow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from bot.services.formulas import compiled, formula_values
from kpi.formulas import derived_series
from storage.base import Storage


@dataclass(frozen=True, slots=True)
class WeekRow:
    week_start: date
    values: dict[str, float]
    computed: frozenset[str]  # which of `values` were computed, not entered


async def weekly_table(storage: Storage, project_id: int, *, since: date | None = None,
                       until: date | None = None,
                       segment: tuple[str, str] | None = None) -> list[WeekRow]:
    """The project's totals by week, or with `segment` (network, campaign) that network's or
    campaign's own values, derived KPIs computed from its own counts."""
    if segment is None:
        rows = await storage.get_values(project_id, since=since, until=until)
    else:
        rows = [v for v in await storage.get_values(project_id, since=since, until=until,
                                                    breakdown=True)
                if (v.network, v.campaign) == segment]
    weeks: dict[date, dict[str, float]] = defaultdict(dict)
    for row in rows:
        weeks[row.week_start][row.metric] = row.value
    derived = derived_series(weeks)
    custom = [k.metric for k in await storage.get_kpis(project_id) if k.custom]
    formulas = compiled(await storage.get_formula_kpis(project_id), custom)
    table = []
    for week in sorted(weeks):
        extra = {key: d.value for key, d in derived.get(week, {}).items()}
        extra.update(formula_values(formulas, {**extra, **weeks[week]}))
        table.append(WeekRow(week, {**extra, **weeks[week]}, frozenset(extra) - set(weeks[week])))
    return table
