"""The weekly digest: storage → analysis → chart → text. The scheduler, /report and the demo
CLI all go through here.

`load_digest_input` does the I/O; `build_digest` is pure CPU work on picklable data, so it can
run in a worker process and never blocks the event loop.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.i18n import get_translator
from bot.services.alerts import alert_message
from bot.services.breakdown import BreakdownSummary, load_breakdown
from bot.services.experiments import experiment_lines
from bot.services.formulas import alert_metrics
from bot.services.history import weekly_table
from bot.services.posts import digest_post_lines
from bot.services.stacks import NetworkWeeks, network_weeks, stackable, with_network_stack
from charts import DigestChart, Panel
from kpi.alerts_text import usual_range
from kpi.analysis import Alert, Analysis, MetricSeries, Thresholds, analyze, series_for
from kpi.catalogue import Direction
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import current_week, format_week
from storage.base import Storage
from storage.models import Project

HISTORY_WEEKS = 12
MAX_PANELS = 6
CAPTION_LIMIT = 1024
STATUS_ICON = {"ok": "✅", "warning": "⚠️", "critical": "🔴", "no_data": "▫️"}
# Which alert speaks for a KPI in the digest when it has several (the rest: /report details).
KIND_STRENGTH = ("wow_drop", "count_drop", "level_shift", "outlier", "rate_denominator",
                 "trend", "streak", "below_baseline", "below_target", "missing")
SEVERITY = {"critical": 2, "warning": 1}


@dataclass(frozen=True, slots=True)
class DigestInput:
    project_name: str
    lang: str
    this_week: date  # the current ISO week; the digest reports on the one before
    series: dict[str, MetricSeries]
    thresholds: dict[str, Thresholds]
    kpi_count: int  # the first `kpi_count` series are the project's KPIs; the rest is context
    acks: dict[str, date] | None = None  # acknowledged level shifts (metric → start week)
    experiments: tuple[str, ...] = ()  # one line per experiment with its verdict (HTML)
    notes: tuple[tuple[date, str], ...] = ()  # (week, text) of the weeks shown: chart markers
    posts: tuple[str, ...] = ()  # the report week's best and worst post (HTML), if ranked
    # Which network or campaign moved each KPI in the report week (issue 13).
    breakdown: BreakdownSummary = field(default_factory=BreakdownSummary)
    # The shown count and money KPIs' values by network (metric → network → week → value):
    # their panels stack the total by network. Rates are never here.
    networks: dict[str, NetworkWeeks] = field(default_factory=dict)
    formulas: tuple[str, ...] = ()  # the names of the project's formula KPIs among the series


@dataclass(frozen=True, slots=True)
class Digest:
    png: bytes
    caption: str  # fits a photo caption
    details: str | None  # the rest, when the full text does not fit the caption
    analysis: Analysis

    @property
    def text(self) -> str:
        return self.caption + ("\n\n" + self.details if self.details else "")


async def load_digest_input(storage: Storage, project: Project, *, lang: str | None = None,
                            now: datetime | None = None, weeks: int = HISTORY_WEEKS) -> DigestInput:
    """Everything the digest shows: the analysis input plus notes, the breakdown, experiments
    and posts for its text."""
    data, table = await _load_series(storage, project, lang=lang, now=now, weeks=weeks)
    this_week, first = data.this_week, data.this_week - timedelta(weeks=weeks)
    notes = await storage.get_notes(project.id, since=first, until=this_week)
    translator = get_translator(data.lang)
    shown = list(data.series)[: data.kpi_count]
    summary = await load_breakdown(storage, project.id, shown, table,
                                   this_week - timedelta(weeks=1), translator)
    networks = await network_weeks(
        storage, project.id,
        [k for k in shown if stackable(k, data.series[k].unit, data.formulas)],
        since=first, until=this_week - timedelta(weeks=1))
    return replace(data,
                   networks=networks,
                   experiments=tuple(await experiment_lines(storage, project.id, translator)),
                   notes=tuple((n.week_start, n.text) for n in notes),
                   posts=await digest_post_lines(storage, project,
                                                 this_week - timedelta(weeks=1), translator),
                   breakdown=summary)


async def load_analysis_input(storage: Storage, project: Project, *, lang: str | None = None,
                              now: datetime | None = None) -> DigestInput:
    """Only what `digest_analysis` reads (series, thresholds, acknowledgements): for callers
    that judge a week without showing a digest, e.g. the dashboard's alert weeks."""
    data, _table = await _load_series(storage, project, lang=lang, now=now)
    return data


async def _load_series(storage: Storage, project: Project, *, lang: str | None,
                       now: datetime | None, weeks: int = HISTORY_WEEKS
                       ) -> tuple[DigestInput, dict[date, dict[str, float]]]:
    this_week = current_week(project.timezone, now)
    first = this_week - timedelta(weeks=weeks)
    kpis = await storage.get_kpis(project.id)
    table = {row.week_start: row.values for row in
             await weekly_table(storage, project.id, since=first - timedelta(weeks=1),
                                until=this_week)}
    # The current week is still being filled in: the digest covers full weeks only.
    week_list = [first + timedelta(weeks=i) for i in range(weeks)]
    # Related base metrics ride along so the analysis can name a cause (fewer posts, less spend).
    context = [k for k in ("posts", "spend", "reach", "followers", "impressions")
               if any(k in v for v in table.values())]
    series: dict[str, MetricSeries] = {}
    directions = {f.name: f.direction for f in await storage.get_formula_kpis(project.id)}
    formulas = list(directions)
    for key in [k.metric for k in kpis] + formulas + context:
        if key in series:
            continue
        kpi = next((k for k in kpis if k.metric == key), None)
        series[key] = series_for(key, week_list, [table.get(w, {}).get(key) for w in week_list],
                                 target=kpi.target if kpi else None)
        if key in directions and not kpi:  # a formula KPI: judged the way its owner chose
            series[key] = replace(series[key], direction=Direction(directions[key]))
    thresholds = {t.metric: Thresholds(t.warning_pct, t.critical_pct)
                  for t in await storage.get_thresholds(project.id)}
    data = DigestInput(project.name, lang or project.language, this_week, series, thresholds,
                       kpi_count=min(len(kpis) + len(formulas), MAX_PANELS),
                       formulas=tuple(formulas),
                       acks=await storage.get_alert_acks(project.id))
    return data, table


def render_chart(chart: DigestChart) -> bytes:
    """The digest chart as PNG. matplotlib is imported here, in the render workers: the bot's
    main process only describes charts (charts/__init__)."""
    from charts.digest import render_digest

    return render_digest(chart)


def build_digest(data: DigestInput) -> Digest:
    t = get_translator(data.lang)
    analysis = digest_analysis(data)
    shown = list(data.series)[: data.kpi_count]
    report_week = data.this_week - timedelta(weeks=1)
    png = render_chart(digest_chart(data, analysis))
    header = t("digest-header", name=data.project_name, week=format_week(report_week, data.lang))
    lines = [status_line(data.series[k], analysis, data.lang) for k in shown]
    # One sentence per KPI: the strongest evidence, its cause and what to look at next.
    causes = data.breakdown.causes  # the breakdown first: which network or campaign fell
    alerts = [f"• {alert_message(alert, data.series[k], data.lang, with_next=True)}"
              + (f" — {causes[k]}" if k in causes else "")
              for k in shown if (alert := strongest(analysis.metrics[k].alerts))]
    if sum(len(analysis.metrics[k].alerts) for k in shown) > len(alerts):
        alerts.append(t("digest-more-details"))
    summary = header + "\n\n" + "\n".join(lines)
    tail = (t("digest-alerts-header") + "\n" + "\n".join(alerts)) if alerts else t(
        "digest-all-good")
    if data.breakdown.lines:
        tail += "\n\n" + t("breakdown-digest-header") + "\n" + "\n".join(data.breakdown.lines)
    if data.experiments:
        tail += "\n\n" + t("digest-experiments-header") + "\n" + "\n".join(data.experiments)
    if data.posts:
        tail += "\n\n" + t("digest-posts-header") + "\n" + "\n".join(data.posts)
    full = summary + "\n\n" + tail
    if len(full) <= CAPTION_LIMIT:
        return Digest(png, full, None, analysis)
    if len(summary) <= CAPTION_LIMIT:
        return Digest(png, summary, fit_message(tail), analysis)
    return Digest(png, header, fit_message(full), analysis)


def digest_chart(data: DigestInput, analysis: Analysis) -> DigestChart:
    """The digest image's input: a panel per shown KPI, count and money KPIs stacked by
    network when the project has numbers per network."""
    t = get_translator(data.lang)
    marks = tuple(week for week, _ in data.notes)
    panels = [with_network_stack(panel_for(data.series[k], analysis, data.lang, marks), k,
                                 data.networks.get(k), t)
              for k in list(data.series)[: data.kpi_count]]
    report_week = data.this_week - timedelta(weeks=1)
    return DigestChart(title=data.project_name,
                       subtitle=t("digest-subtitle", week=format_week(report_week, data.lang)),
                       lang=data.lang, panels=panels)


def digest_analysis(data: DigestInput) -> Analysis:
    return analyze(data.series, current_week=data.this_week, thresholds=data.thresholds,
                   acks=data.acks)


async def standing_shifts(storage: Storage, project: Project) -> list[tuple[int, str, date]]:
    """(KPI index, metric, start week) of every fall that stays the digest is telling now."""
    analysis = digest_analysis(await load_analysis_input(storage, project))
    found = []
    for index, key in enumerate(await alert_metrics(storage, project.id)):
        result = analysis.metrics.get(key)
        for alert in result.alerts if result else ():
            if alert.kind == "level_shift":
                found.append((index, key, date.fromisoformat(alert.params["since"])))
    return found


def strongest(alerts: list[Alert]) -> Alert | None:
    if not alerts:
        return None
    return min(alerts, key=lambda a: (-SEVERITY.get(a.severity, 0),
                                      KIND_STRENGTH.index(a.kind) if a.kind in KIND_STRENGTH
                                      else len(KIND_STRENGTH)))


def alert_details(data: DigestInput) -> str:
    """Every alert of every KPI (`/report details`), strongest first, without the chart."""
    t = get_translator(data.lang)
    analysis = digest_analysis(data)
    lines = [t("digest-details-header", name=data.project_name,
               week=format_week(data.this_week - timedelta(weeks=1), data.lang))]
    for key in list(data.series)[: data.kpi_count]:
        alerts = sorted(analysis.metrics[key].alerts, key=lambda a: a is not strongest(
            analysis.metrics[key].alerts))
        cause = data.breakdown.causes.get(key)
        lines += [f"• {alert_message(a, data.series[key], data.lang)}"
                  + (f" — {cause}" if cause and a is alerts[0] else "") for a in alerts]
    return fit_message("\n".join(lines) if len(lines) > 1 else lines[0] + "\n"
                       + t("digest-all-good"))


def fit_message(text: str, limit: int = 4096) -> str:
    """Cut at a line break so that no HTML tag is split."""
    if len(text) <= limit:
        return text
    return text[: text.rfind("\n", 0, limit - 2)] + "\n…"


def panel_for(series: MetricSeries, analysis: Analysis, lang: str,
              markers: tuple[date, ...] = ()) -> Panel:
    result = analysis.metrics[series.key]
    return Panel(title=series.name_ru if lang == "ru" else series.name_en,
                 weeks=series.weeks, values=series.values, target=series.target,
                 unit=series.unit, status=result.status, change_pct=result.wow_pct,
                 direction=series.direction.value, markers=markers)


def status_line(series: MetricSeries, analysis: Analysis, lang: str) -> str:
    result = analysis.metrics[series.key]
    name = html.escape(series.name_ru if lang == "ru" else series.name_en)
    icon = STATUS_ICON.get(result.status, "")
    if result.last is None:
        return f"{icon} {name}: —"
    value = format_number(result.last, lang, series.unit)
    change = f" ({format_change_pct(result.wow_pct, lang)})" if result.wow_pct is not None else ""
    if result.usual_range and not result.alerts and (result.wow_pct or 0) <= -10:
        # A small count that fell by chance: say so in numbers ("4: within the usual 3–9").
        change += " — " + usual_range(*result.usual_range, get_translator(lang))
    return f"{icon} {name}: <b>{value}</b>{change}"

