"""One plain sentence per alert, with the numbers that triggered it (bot/locales/*/alerts.ftl).

Russian verbs agree with the metric's gender and number ("Охват упал", "Выручка упала",
"Лиды упали"), so the catalogue's names get a grammatical gender here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kpi import catalogue
from kpi.formatting import format_change_pct, format_number, format_pct_magnitude
from kpi.text import Html, Translate

if TYPE_CHECKING:
    from kpi.analysis import Alert, Cause, MetricSeries

_FEMININE = {"revenue", "virality", "cr_click_lead", "cr_lead_sale"}
_PLURAL = {"impressions", "views", "followers", "new_followers", "unfollows", "likes", "comments",
           "shares", "saves", "posts", "clicks", "leads", "orders", "mentions", "messages"}
_SPECIFIC_CAUSES = {("posts", "down"), ("posts", "up"), ("spend", "down"), ("spend", "up"),
                    ("reach", "up")}
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _gender(key: str) -> str:
    if key in _FEMININE:
        return "f"
    return "pl" if key in _PLURAL else "m"


def _describe(metric: MetricSeries | str, lang: str) -> tuple[str, str, str, str]:
    """(key, display name, ru gender, unit)."""
    if isinstance(metric, str):
        known = catalogue.get(metric)
        if known is None:
            return metric, metric, "m", "count"
        return metric, known.name(lang), _gender(metric), known.unit.value
    return metric.key, metric.name(lang), _gender(metric.key), str(metric.unit)


def _subject(key: str, name: str, lang: str) -> str:
    """The metric as the subject of a sentence; a custom metric is "Показатель «…»" in Russian
    so that the verb agrees with a known word."""
    if lang == "ru" and catalogue.is_custom(key):
        return f"Показатель «{name}»"
    return name


def _lower_first(name: str) -> str:
    """"Клики" → "клики" mid-sentence, but "CTR", "ER по охвату" stay as they are."""
    if len(name) > 1 and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _week(iso: str, lang: str) -> str:
    week = date.fromisoformat(iso)
    return week.strftime("%d.%m.%Y") if lang == "ru" else (
        f"{_EN_MONTHS[week.month - 1]} {week.day}, {week.year}")


def week_label(iso: str) -> str:
    """"W46": the ISO week number people see in the chart and in exports."""
    return f"W{date.fromisoformat(iso).isocalendar().week}"


# What to look at next, by the metric's family (the cause, when known, comes first).
_FAMILIES = {
    "reach": ("reach", "impressions", "views"),
    "engagement": ("likes", "comments", "shares", "saves", "er_reach", "er_followers", "er_views",
                   "virality", "mentions", "messages"),
    "audience": ("followers", "new_followers", "follower_growth", "unfollows", "churn",
                 "reach_rate"),
    "traffic": ("clicks", "ctr", "cpc", "cpm"),
    "sales": ("leads", "orders", "revenue", "cr_click_lead", "cr_lead_sale", "cpl", "cpa", "romi",
              "drr"),
}
_CAUSE_NEXT = {"posts", "spend", "reach"}


def next_step(alert: Alert, key: str, t: Translate) -> str:
    """A short "look at …" for the alert: the cause's lever if there is one, else the family's."""
    for cause in alert.causes:
        if cause.metric in _CAUSE_NEXT:
            return t(f"alert-next-cause-{cause.metric}")
    family = next((name for name, keys in _FAMILIES.items() if key in keys), "other")
    return t(f"alert-next-{family}")


def usual_range(low: int, high: int, t: Translate) -> str:
    return t("alert-usual-range", low=low, high=high)


def _p_value(p: float, lang: str) -> str:
    text = "≤ 0.001" if p < 0.001 else f"= {p:.3f}"
    return text.replace(".", ",") if lang == "ru" else text


def cause_phrase(cause: Cause, t: Translate) -> str:
    lang = t.lang
    key, name, gender, unit = _describe(cause.metric, lang)
    last = format_number(cause.last, lang, unit)
    previous = format_number(cause.previous, lang, unit)
    if (key, cause.relation) in _SPECIFIC_CAUSES:
        return t(f"alert-cause-{key}-{cause.relation}", value=last, previous=previous)
    verb = t(f"alert-verb-{cause.relation}", gender=gender)
    return t("alert-cause-generic", metric=Html(_lower_first(_subject(key, name, lang))),
             verb=Html(verb), value=last, previous=previous)


def _join(parts: list[str], t: Translate) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " " + t("alert-and") + " " + parts[-1]


def alert_message(alert: Alert, metric: MetricSeries | str, t: Translate, *,
                  with_next: bool = False) -> str:
    """The alert as one sentence in `t`'s language, safe for Telegram HTML; `with_next` adds
    what to look at next (the digest's one sentence per KPI)."""
    lang = t.lang
    key, name, gender, unit = _describe(metric, lang)
    p = alert.params

    def number(value: float | None) -> str:
        return format_number(value, lang, unit)

    def move_of(pct: float | None) -> str:
        return "up" if (pct or 0) > 0 else "down"

    common = {"metric": _subject(key, name, lang), "gender": gender}
    kind = alert.kind
    if kind in ("wow_drop", "below_baseline"):
        move = move_of(p["wow_pct"] if kind == "wow_drop" else p["vs_baseline_pct"])
        text = t(f"alert-{kind}", **common, move=move,
                 verb=Html(t(f"alert-verb-{move}", gender=gender)),
                 change=format_pct_magnitude(p["wow_pct"] or 0, lang),
                 value=number(p["value"]), previous=number(p["previous"]),
                 baseline=number(p["baseline"]),
                 baseline_change=format_pct_magnitude(p["vs_baseline_pct"] or 0, lang))
    elif kind == "level_shift":
        text = t("alert-level_shift", **common, since=week_label(p["since"]),
                 change=format_pct_magnitude(p["change_pct"] or 0, lang),
                 value=number(p["value"]), before=number(p["before"]), count=p["weeks"])
    elif kind == "count_drop":
        text = t("alert-count_drop", **common, value=number(p["value"]), low=p["low"],
                 high=p["high"], side="below" if p.get("higher", True) else "above",
                 chance="1000" if p["p_value"] < 0.001 else "100")
    elif kind == "streak":
        move = move_of(p["change_pct"])
        text = t("alert-streak", **common, move=move, count=p["steps"],
                 verb=Html(t(f"alert-verb-{move}-steadily", gender=gender)),
                 start=number(p["start"]), value=number(p["value"]),
                 change=format_change_pct(p["change_pct"], lang))
    elif kind == "outlier":
        text = t("alert-outlier", **common, value=number(p["value"]),
                 median=number(p["median"]), change=format_change_pct(p["vs_median_pct"], lang))
    elif kind == "trend":
        move = move_of(p["slope_pct"])
        text = t("alert-trend", **common, move=move, count=p["weeks"],
                 verb=Html(t(f"alert-verb-{move}-steadily", gender=gender)),
                 slope=format_change_pct(p["slope_pct"], lang), p=_p_value(p["p_value"], lang))
    elif kind == "below_target":
        progress = format_pct_magnitude(p["value"] / p["target"] * 100, lang) if p["target"] else ""
        text = t("alert-below_target", **common, ceiling="yes" if p.get("ceiling") else "no",
                 value=number(p["value"]), target=number(p["target"]), progress=progress)
    elif kind == "missing":
        text = t("alert-missing", metric=name, week=_week(p["week"], lang),
                 entered="yes" if p.get("entered", True) else "no")
    elif kind == "rate_denominator":
        from kpi.analysis import Cause

        cause = Cause(p["denominator"], "down", p["denominator_last"],
                      p["denominator_previous"], p["denominator_pct"])
        move = move_of(p["wow_pct"])
        text = t("alert-rate_denominator", **common,
                 verb=Html(t(f"alert-verb-{move}", gender=gender)),
                 value=number(p["value"]), previous=number(p["previous"]),
                 cause=Html(cause_phrase(cause, t)))
    else:
        text = t("alert-generic", **common, kind=kind)
    if p.get("missing"):
        text += t("alert-gap", weeks=", ".join(week_label(w) for w in p["missing"]),
                  count=len(p["missing"]))
    if alert.causes:
        text += t("alert-because", causes=Html(_join([cause_phrase(c, t)
                                                        for c in alert.causes], t)))
    text += "."
    if with_next and kind != "missing":  # "send the numbers" is already the next step
        text += " " + t("alert-next", step=Html(next_step(alert, key, t)))
    return text
