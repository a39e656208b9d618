"""Networks and campaigns as users read them (issue 13); the rules are in kpi.breakdown."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.i18n import Html, Translator
from kpi import breakdown, catalogue
from kpi.breakdown import Part
from kpi.catalogue import Direction
from kpi.formatting import format_change_pct, format_number
from storage.base import Storage


def segment_label(network: str, campaign: str, t: Translator) -> Html:
    """`VK`, the user's own network as typed, or `campaign “Black Friday”`, as escaped HTML."""
    if campaign:
        return Html(t("breakdown-campaign", name=campaign))
    if network in breakdown.NETWORKS:
        return Html(t(f"breakdown-network-{network}"))
    return Html(html.escape(network, quote=False))


def metric_name(key: str, lang: str) -> str:
    metric = catalogue.get(key)
    return metric.name(lang) if metric else key


def _unit(key: str) -> str:
    metric = catalogue.get(key)
    return metric.unit.value if metric else "count"


@dataclass(frozen=True, slots=True)
class BreakdownSummary:
    """The digest's view of the report week's networks and campaigns (HTML lines)."""

    lines: tuple[str, ...] = ()  # "Reach −26 %: VK −41 %, Instagram +3 %", campaign ranking
    causes: dict[str, str] = field(default_factory=dict)  # metric → "mostly VK (−41 %)"


async def load_breakdown(storage: Storage, project_id: int, keys: list[str],
                         totals: dict[date, dict[str, float]], report_week: date,
                         t: Translator) -> BreakdownSummary:
    previous = report_week - timedelta(weeks=1)
    stored = await storage.get_values(project_id, since=previous, until=report_week,
                                      breakdown=True)
    parts = [Part(v.week_start, v.metric, v.value, v.network, v.campaign, v.approximate)
             for v in stored if v.network or v.campaign]
    if not parts:
        return BreakdownSummary()
    return summarize(breakdown.segment_weeks(parts), keys, totals, report_week, t)


def summarize(segments: dict, keys: list[str], totals: dict[date, dict[str, float]],
              report_week: date, t: Translator) -> BreakdownSummary:
    """Which network or campaign moved each KPI's total, and the campaigns ranked by cost."""
    lang, previous = t.lang, report_week - timedelta(weeks=1)
    lines, causes = [], {}
    for key in keys:
        changes = breakdown.segment_changes(segments, key, report_week, previous)
        if not changes:
            continue
        parts = [t("breakdown-digest-part", segment=segment_label(c.network, c.campaign, t),
                   change=_change(c, key, lang)) for c in changes[:MAX_PARTS]]
        last, before = totals.get(report_week, {}).get(key), totals.get(previous, {}).get(key)
        total = (format_change_pct((last - before) / abs(before) * 100, lang)
                 if last is not None and before else "—")
        lines.append(t("breakdown-digest-line", metric=metric_name(key, lang), change=total,
                       parts=Html(", ".join(parts))))
        worst = _worst(changes, key)
        if worst is not None:
            causes[key] = t("breakdown-cause", segment=segment_label(
                worst.network, worst.campaign, t), change=_change(worst, key, lang))
    ranking = breakdown.rank_campaigns(segments, report_week)
    if ranking is not None:
        metric, ranked = ranking
        lines.append(t("breakdown-digest-campaigns", metric=metric_name(metric, lang),
                       campaigns=Html(", ".join(
                           t("breakdown-digest-part", segment=segment_label("", name, t),
                             change=format_number(value, lang, _unit(metric)))
                           for name, value in ranked[:MAX_PARTS]))))
    return BreakdownSummary(tuple(lines), causes)


MAX_PARTS = 4  # networks or campaigns named in one line


def _change(change: breakdown.SegmentChange, key: str, lang: str) -> str:
    if change.change_pct is not None:
        return format_change_pct(change.change_pct, lang)
    if change.last is None:
        return "—"
    return format_number(change.last, lang, _unit(key))


def _worst(changes: list[breakdown.SegmentChange], key: str) -> breakdown.SegmentChange | None:
    """The segment whose change hurt the metric most, if any did."""
    metric = catalogue.get(key)
    sign = -1 if metric is not None and metric.direction is Direction.LOWER else 1
    hurt = [c for c in changes if c.change_pct is not None and sign * c.delta < 0]
    return min(hurt, key=lambda c: sign * c.delta) if hurt else None
