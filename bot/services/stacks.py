"""A KPI's chart as stacked bars by network (issue 13): what /history and the digest draw for a
count or money KPI of a project with numbers typed per network. Rates stay a line."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date

from bot.i18n import Translator
from charts import Panel
from kpi import breakdown
from kpi.breakdown import REST
from storage.base import Storage

NetworkWeeks = dict[str, dict[date, float]]  # network → week → value, of one metric


def stackable(key: str, unit: str, formulas: Collection[str] = ()) -> bool:
    """Whether a KPI's networks add up to its total: counts and money, never a rate (percent,
    a derived KPI such as CTR or CPL, a formula KPI)."""
    return unit in ("count", "money") and key not in formulas and breakdown.summable(key)


def network_legend(network: str, t: Translator) -> str:
    """A network's name in a chart's legend (plain text, not HTML): built-in networks in the
    reader's language, the user's own as typed."""
    if network in breakdown.NETWORKS:
        return t(f"breakdown-network-{network}")
    return network


async def network_weeks(storage: Storage, project_id: int, keys: Iterable[str], *,
                        since: date | None = None, until: date | None = None
                        ) -> dict[str, NetworkWeeks]:
    """Each of `keys`' values per network and week (metric → network → week → value)."""
    wanted = set(keys)
    found: dict[str, NetworkWeeks] = {}
    if not wanted:
        return found
    for value in await storage.get_values(project_id, since=since, until=until,
                                          metrics=sorted(wanted), breakdown=True):
        if value.network and not value.campaign and value.metric in wanted:
            found.setdefault(value.metric, {}).setdefault(value.network, {})[
                value.week_start] = value.value
    return found


def with_network_stack(panel: Panel, key: str, networks: NetworkWeeks | None, t: Translator,
                       formulas: Collection[str] = ()) -> Panel:
    """`panel` with its total split by network (at most `breakdown.MAX_STACK` segments, the
    unattributed rest as "Other"), or unchanged for a rate or without any network's number."""
    if not networks or not stackable(key, panel.unit, formulas):
        return panel
    stack = breakdown.network_stack(
        panel.values, {name: [weeks.get(week) for week in panel.weeks]
                       for name, weeks in networks.items()})
    if not stack:
        return panel
    return replace(panel, stacks=tuple((network_legend(name, t), values)
                                       for name, values in stack),
                   stack_rest=stack[-1][0] == REST)
