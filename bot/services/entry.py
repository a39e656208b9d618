"""Recording weekly numbers: parse a message, validate, save as one batch, describe the result.

No aiogram here: handlers turn an `EntryOutcome` into a reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.services.formulas import compiled
from kpi import catalogue, expressions
from kpi.formulas import Derived, compute_derived
from kpi.parser import ParsedEntry, UnknownName, parse_entry
from kpi.weeks import current_week, parse_timezone
from storage.base import Storage
from storage.models import BatchSource, FormulaKpi, NewValue, Project, ProjectKpi


@dataclass(frozen=True, slots=True)
class SavedValue:
    metric: str
    value: float
    previous_week: float | None  # the same metric (and segment) a week earlier, for the change
    replaced: float | None  # the value this one replaced for the same week
    network: str = ""
    campaign: str = ""


@dataclass(frozen=True, slots=True)
class WeekTotal:
    """The project total of a metric an entry gave per network or campaign (kpi.breakdown)."""

    metric: str
    total: float | None  # None: a rate, recomputed from counts rather than added up
    parts: float  # the sum of the week's network (or, without them, campaign) values
    project_wide: bool  # the total is a project-wide value typed for the week, not the sum


@dataclass(slots=True)
class EntryOutcome:
    parsed: ParsedEntry
    week_start: date
    saved: list[SavedValue] = field(default_factory=list)
    derived: dict[str, Derived] = field(default_factory=dict)
    # The project's formula KPIs this entry made computable: (kpi, value).
    formulas: list[tuple[FormulaKpi, float]] = field(default_factory=list)
    totals: list[WeekTotal] = field(default_factory=list)  # for metrics given per segment
    batch_id: int | None = None
    duplicate: bool = False
    refused: str | None = None  # a problem code that stopped saving (e.g. future_week)

    @property
    def unknown(self) -> list[UnknownName]:
        return self.parsed.unknown


def project_today(project: Project, now: datetime | None = None) -> date:
    tz = parse_timezone(project.timezone) or UTC
    moment = now.astimezone(tz) if now else datetime.now(tz)
    return moment.date()


def custom_names(kpis: list[ProjectKpi]) -> list[str]:
    return [k.metric for k in kpis if k.custom]


async def record_entry(
    storage: Storage, project: Project, user_id: int, text: str, *,
    source: BatchSource = BatchSource.MESSAGE, update_id: int | None = None,
    now: datetime | None = None,
) -> EntryOutcome:
    kpis = await storage.get_kpis(project.id)
    today = project_today(project, now)
    parsed = parse_entry(text, today=today, custom=custom_names(kpis),
                         networks=await storage.get_networks(project.id))
    outcome = EntryOutcome(parsed=parsed, week_start=parsed.week_start)
    if not parsed.values:
        return outcome
    blocking = [p for p in parsed.problems if p.code in BLOCKING_PROBLEMS]
    if blocking:
        outcome.refused = blocking[0].code
        return outcome
    if parsed.week_start > current_week(project.timezone, now):
        outcome.refused = "future_week"
        return outcome
    new_values = [NewValue(parsed.week_start, v.metric, v.value, network=v.network,
                           campaign=v.campaign) for v in parsed.values]
    await save_values(storage, project, user_id, new_values, outcome, source, update_id)
    return outcome


BLOCKING_PROBLEMS = frozenset({"future_week", "bad_period", "percent_for_count", "negative"})


async def save_values(
    storage: Storage, project: Project, user_id: int, values: list[NewValue],
    outcome: EntryOutcome, source: BatchSource, update_id: int | None,
) -> None:
    week = outcome.week_start
    before = week - timedelta(days=7)
    result = await storage.save_batch(project.id, user_id, source, values, update_id=update_id,
                                      read_weeks=(before, week))
    outcome.batch_id = result.batch_id
    outcome.duplicate = result.duplicate
    previous, current = result.weeks[before], result.weeks[week]
    segments: dict[tuple[date, str, str, str], float] = {}
    if any(v.network or v.campaign for v in values):
        stored = await storage.get_values(project.id, since=before, until=week, breakdown=True)
        segments = {(v.week_start, v.metric, v.network, v.campaign): v.value for v in stored}
        outcome.totals = week_totals(values, segments, current, week)
    for value in values:
        if value.network or value.campaign:
            last = segments.get((before, value.metric, value.network, value.campaign))
        else:
            last = previous.get(value.metric)
        outcome.saved.append(SavedValue(
            metric=value.metric, value=value.value, previous_week=last,
            replaced=result.replaced.get(value.key),
            network=value.network, campaign=value.campaign,
        ))
    typed = set(current)
    saved = {v.metric for v in values}
    derived = compute_derived(current, previous or None)
    outcome.derived = {
        key: item for key, item in derived.items()
        if key not in typed and set(item.inputs) & saved
    }
    formulas = await storage.get_formula_kpis(project.id)
    if formulas:
        week_values = {**{k: d.value for k, d in derived.items()}, **current}
        for kpi, tree in compiled(formulas, custom_names(await storage.get_kpis(project.id))):
            value = expressions.evaluate(tree, week_values)
            if value is not None and set(expressions.dependencies(tree)) & saved:
                outcome.formulas.append((kpi, value))


def week_totals(values: list[NewValue], stored: dict[tuple[date, str, str, str], float],
                totals: dict[str, float], week: date) -> list[WeekTotal]:
    """For each metric saved per network or campaign: the project total it now has."""
    result = []
    for metric in dict.fromkeys(v.metric for v in values if v.network or v.campaign):
        here = {(n, c): value for (w, m, n, c), value in stored.items()
                if w == week and m == metric}
        networks = [value for (n, _c), value in here.items() if n]
        campaigns = [value for (n, c), value in here.items() if c]
        result.append(WeekTotal(
            metric=metric, total=totals.get(metric),
            parts=sum(networks) if networks else sum(campaigns),
            project_wide=("", "") in here))
    return result


async def guided_metrics(storage: Storage, project_id: int) -> list[str]:
    """The metrics /add asks for: base metrics behind the project's KPIs, then custom ones.

    A derived KPI is asked for through its inputs (CPL → spend and leads) because ratios are
    computed, not typed, whenever the counts are known.
    """
    kpis = await storage.get_kpis(project_id)
    wanted: list[str] = []
    for kpi in kpis:
        metric = catalogue.get(kpi.metric)
        keys = DERIVED_INPUTS.get(kpi.metric, ()) if metric and metric.derived else (kpi.metric,)
        for key in keys:
            if key not in wanted:
                wanted.append(key)
    return wanted


DERIVED_INPUTS: dict[str, tuple[str, ...]] = {
    "er_reach": ("reach", "likes", "comments", "shares", "saves"),
    "er_followers": ("followers", "likes", "comments", "shares", "saves"),
    "er_views": ("views", "likes", "comments", "shares", "saves"),
    "reach_rate": ("reach", "followers"),
    "follower_growth": ("followers",),
    "virality": ("shares", "reach"),
    "ctr": ("clicks", "impressions"),
    "cpc": ("spend", "clicks"),
    "cpm": ("spend", "impressions"),
    "cpl": ("spend", "leads"),
    "cpa": ("spend", "orders"),
    "cr_click_lead": ("leads", "clicks"),
    "cr_lead_sale": ("orders", "leads"),
    "romi": ("revenue", "spend"),
    "drr": ("spend", "revenue"),
    "churn": ("unfollows", "followers"),
}
