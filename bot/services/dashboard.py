"""What the Mini App dashboard shows: the same storage, analysis and digest text as the chat.

Nothing here computes a KPI on its own: the weekly table is `weekly_table` (stored, derived and
formula values), the comparison for a week is the digest's own analysis (`load_analysis_input` at
that week + `digest_analysis`), the alert sentences are the digest's (`strongest`,
`alert_message`), the monthly view is `monthly_changes`, numbers are `kpi.formatting`.
No aiohttp here: webapp/ turns these dicts into JSON responses.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.services.alerts import alert_message
from bot.services.digest import HISTORY_WEEKS, digest_analysis, load_analysis_input, strongest
from bot.services.entry import EntryOutcome, custom_names, project_today, record_entry
from bot.services.history import WeekRow, weekly_table
from bot.services.monthly import monthly_changes
from kpi import catalogue
from kpi.analysis import Analysis, MetricSeries, series_for
from kpi.formatting import format_change_pct, format_number
from kpi.parser import parse_entry
from kpi.weeks import current_week, format_week, iso_week_label, parse_timezone
from storage.base import Storage
from storage.models import Membership, Project, Role

ALERT_WEEKS = 26  # the newest weeks whose digest analysis marks alert weeks on the charts
# "Below target" holds week after week and the target line shows it: not a week's event.
NOT_MARKED = frozenset({"below_target"})
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A digest sentence (Telegram HTML) as plain text; the page shows it with textContent."""
    return html.unescape(_TAG.sub("", text))


async def user_projects(storage: Storage, user_id: int) -> list[Membership]:
    """The user's projects with their role, the active one first."""
    user = await storage.get_user(user_id)
    memberships = await storage.list_memberships(user_id)
    active = user.active_project_id if user else None
    return sorted(memberships, key=lambda m: m.project.id != active)


def moment_in_week(project: Project, week: date) -> datetime:
    """A moment in `week` (midday Wednesday, project time) for `load_analysis_input(now=...)`."""
    zone = parse_timezone(project.timezone) or UTC
    return datetime.combine(week + timedelta(days=2), time(12), tzinfo=zone)


def metric_name(key: str, lang: str) -> str:
    metric = catalogue.get(key)
    return metric.name(lang) if metric else key


async def project_series(storage: Storage, project: Project, role: Role, lang: str,
                         week: date | None = None) -> dict:
    """Everything the dashboard draws for one project (see docs/interface.md, Mini App API).
    `week` is the reported (full) week; the newest full week when None or out of range."""
    table = await weekly_table(storage, project.id)
    this_week = current_week(project.timezone)
    last_full = this_week - timedelta(weeks=1)
    kpis = await storage.get_kpis(project.id)
    formulas = await storage.get_formula_kpis(project.id)
    if table:
        first = min(table[0].week_start, last_full)
        # The current week shows once something is entered for it; the digest skips it.
        last = this_week if table[-1].week_start >= this_week else last_full
        weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    else:
        weeks = []
    if week is None or not weeks or not weeks[0] <= week <= weeks[-1]:
        week = last_full
    by_week = {row.week_start: row for row in table}
    keys = ordered_keys(table, [k.metric for k in kpis] + [f.name for f in formulas])
    data = await load_analysis_input(storage, project, lang=lang,
                                     now=moment_in_week(project, week + timedelta(weeks=1)))
    digest = digest_analysis(data)
    shown = list(data.series)[: data.kpi_count]
    sentences = [plain(alert_message(alert, data.series[k], lang, with_next=True))
                 for k in shown if (alert := strongest(digest.metrics[k].alerts))]
    full = digest_analysis(replace(data, series=with_all_metrics(data.series, table, keys,
                                                                 kpis, week)))
    alert_weeks = await alert_weeks_of(storage, project, lang, weeks[-ALERT_WEEKS:])
    targets = {k.metric: k.target for k in kpis}
    kpi_keys = {k.metric for k in kpis} | {f.name for f in formulas}
    metrics = [metric_doc(key, lang, weeks, by_week, full, targets.get(key), key in kpi_keys,
                          alert_weeks.get(key, []), formulas) for key in keys]
    # Notes (/note) as markers on every chart, as on the digest's and /history's.
    notes = (await storage.get_notes(project.id, since=weeks[0], until=weeks[-1])
             if weeks else [])
    first_m, last_m, changes = await monthly_changes(storage, project.id, week + timedelta(weeks=1),
                                                     [k.metric for k in kpis])
    return {
        "project": {"id": project.id, "name": project.name, "role": role.value,
                    "can_edit": role.can_edit},
        "lang": lang,
        "week": week.isoformat(),
        "week_label": format_week(week, lang),
        "weeks": [w.isoformat() for w in weeks],
        "week_labels": [format_week(w, lang) for w in weeks],
        "iso_weeks": [iso_week_label(w) for w in weeks],
        "metrics": metrics,
        "alerts": sentences,
        "notes": [{"week": n.week_start.isoformat(), "text": n.text} for n in notes],
        "monthly": {
            "first": format_week(first_m, lang), "last": format_week(last_m, lang),
            "rows": [{"key": c.metric, "name": metric_name(c.metric, lang),
                      "current": fmt(c.current, c.metric, lang),
                      "previous": fmt(c.previous, c.metric, lang),
                      "change": None if c.change_pct is None
                      else format_change_pct(c.change_pct, lang)} for c in changes]},
    }


def ordered_keys(table: list[WeekRow], kpi_keys: list[str]) -> list[str]:
    """KPIs first in the user's order, then every other metric with data, by name."""
    with_data = {key for row in table for key in row.values}
    rest = sorted(with_data - set(kpi_keys))
    return [k for k in kpi_keys if k in with_data] + rest


def with_all_metrics(series: dict[str, MetricSeries], table: list[WeekRow], keys: list[str],
                     kpis: list, week: date) -> dict[str, MetricSeries]:
    """The digest's series plus every other metric with data, over the same weeks."""
    window = [week - timedelta(weeks=HISTORY_WEEKS - 1 - i) for i in range(HISTORY_WEEKS)]
    values = {row.week_start: row.values for row in table}
    targets = {k.metric: k.target for k in kpis}
    extended = dict(series)
    for key in keys:
        if key not in extended:
            extended[key] = series_for(key, window, [values.get(w, {}).get(key) for w in window],
                                       target=targets.get(key))
    return extended


async def alert_weeks_of(storage: Storage, project: Project, lang: str,
                         weeks: list[date]) -> dict[str, list[str]]:
    """Metric → the weeks whose digest raised an alert on it (the digest's own analysis)."""
    found: dict[str, list[str]] = {}
    for week in weeks:
        data = await load_analysis_input(storage, project, lang=lang,
                                         now=moment_in_week(project, week + timedelta(weeks=1)))
        analysis: Analysis = digest_analysis(data)
        for key, result in analysis.metrics.items():
            if any(alert.kind not in NOT_MARKED for alert in result.alerts):
                found.setdefault(key, []).append(week.isoformat())
    return found


def fmt(value: float | None, key: str, lang: str) -> str | None:
    if value is None:
        return None
    metric = catalogue.get(key)
    return format_number(value, lang, metric.unit.value if metric else "count")


def metric_doc(key: str, lang: str, weeks: list[date], by_week: dict[date, WeekRow],
               analysis: Analysis, target: float | None, is_kpi: bool, alert_weeks: list[str],
               formulas: list) -> dict:
    values = [by_week[w].values.get(key) if w in by_week else None for w in weeks]
    computed = any(key in by_week[w].computed for w in weeks if w in by_week)
    metric = catalogue.get(key)
    formula = next((f for f in formulas if f.name == key), None)
    previous: list[str | None] = []
    for i, value in enumerate(values):
        before = values[i - 1] if i else None
        previous.append(None if value is None or not before
                        else format_change_pct((value - before) / abs(before) * 100, lang))
    result = analysis.metrics.get(key)
    series = analysis.series.get(key)
    doc = {
        "key": key,
        "name": metric_name(key, lang),
        "unit": (metric.unit.value if metric else "count") if formula is None else formula.unit,
        "kpi": is_kpi,
        # Typed metrics can be corrected; derived and formula KPIs follow their inputs.
        "editable": not computed and formula is None and not (metric and metric.derived),
        "target": target,
        "target_text": fmt(target, key, lang),
        "values": values,
        "texts": [fmt(v, key, lang) for v in values],
        "changes": previous,
        "alert_weeks": alert_weeks,
        "comparison": None,
    }
    if result is not None:
        doc["comparison"] = {
            "status": result.status,
            "last": fmt(result.last, key, lang),
            "previous": fmt(result.previous, key, lang),
            "wow": None if result.wow_pct is None else format_change_pct(result.wow_pct, lang),
            "baseline": fmt(result.baseline_median, key, lang),
            "vs_baseline": None if result.vs_baseline_pct is None
            else format_change_pct(result.vs_baseline_pct, lang),
            "alerts": [plain(alert_message(a, series or key, lang)) for a in result.alerts],
        }
    return doc


MAX_VALUE_TEXT = 40


async def edit_value(storage: Storage, project: Project, user_id: int, week: date, metric: str,
                     raw_value: str) -> EntryOutcome | None:
    """Correct one week's value exactly as the chat message "<week> <metric> <value>" would:
    the same parser, checks, batch (undoable with /undo) and outcome. None when the text is not
    one value for that very metric (so a crafted value cannot smuggle in other metrics)."""
    raw_value = " ".join(raw_value.split())
    if not raw_value or len(raw_value) > MAX_VALUE_TEXT or not metric or len(metric) > 64:
        return None
    text = f"{week.isoformat()} {metric} {raw_value}"
    kpis = await storage.get_kpis(project.id)
    parsed = parse_entry(text, today=project_today(project), custom=custom_names(kpis))
    if parsed.unknown or parsed.week_start != week or [v.metric for v in parsed.values] not in (
            [metric], []):
        return None
    return await record_entry(storage, project, user_id, text)
