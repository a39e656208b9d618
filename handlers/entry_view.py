"""Turning an entry outcome into the reply a user reads."""

from __future__ import annotations

import functools

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.breakdown import segment_label
from bot.services.entry import EntryOutcome
from handlers.callbacks import UndoCb
from handlers.kpi_picker import metric_label
from kpi import catalogue
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import format_week, iso_week_label


def unit_of(key: str) -> str:
    metric = catalogue.get(key)
    return metric.unit.value if metric else "count"


def value_text(key: str, value: float, lang: str) -> str:
    return format_number(value, lang, unit_of(key))


def outcome_text(outcome: EntryOutcome, t: Translator) -> str:
    lang = t.lang
    lines = [t("entry-saved-header", week=format_week(outcome.week_start, lang),
               iso=iso_week_label(outcome.week_start))]
    segment: tuple[str, str] = ("", "")
    for saved in sorted(outcome.saved, key=lambda v: (v.network, v.campaign) != ("", "")):
        if (saved.network, saved.campaign) != segment:
            segment = (saved.network, saved.campaign)
            lines.append(t("breakdown-entry-segment", segment=segment_label(*segment, t)))
        parts = [t("entry-line", metric=metric_label(saved.metric, lang),
                   value=value_text(saved.metric, saved.value, lang))]
        if saved.previous_week not in (None, 0):
            pct = (saved.value - saved.previous_week) / abs(saved.previous_week) * 100
            parts.append(t("entry-change", change=format_change_pct(pct, lang),
                           previous=value_text(saved.metric, saved.previous_week, lang)))
        if saved.replaced is not None and saved.replaced != saved.value:
            parts.append(t("entry-replaced", old=value_text(saved.metric, saved.replaced, lang)))
        lines.append(" ".join(parts))
    lines += totals_lines(outcome, t)
    if outcome.derived or outcome.formulas:
        lines.append(t("entry-derived-header"))
        for key, derived in outcome.derived.items():
            metric = catalogue.get(key)
            lines.append(t("entry-derived-line", metric=metric_label(key, lang),
                           value=value_text(key, derived.value, lang),
                           formula=metric.formula(lang) if metric else ""))
        for kpi, value in outcome.formulas:
            shown = format_number(value, lang) + (f" {kpi.unit}" if kpi.unit else "")
            lines.append(t("entry-derived-line", metric=kpi.name, value=shown,
                           formula=kpi.formula))
    if outcome.unknown:
        lines.append(unknown_text(outcome, t))
    return "\n".join(lines)


def totals_lines(outcome: EntryOutcome, t: Translator) -> list[str]:
    """What the project total of each metric given per network or campaign now is."""
    lines = []
    for total in outcome.totals:
        name = metric_label(total.metric, t.lang)
        if total.total is None:
            lines.append(t("breakdown-entry-total-rate", metric=name))
        elif total.project_wide:
            lines.append(t("breakdown-entry-total-typed", metric=name,
                           value=value_text(total.metric, total.total, t.lang),
                           parts=value_text(total.metric, total.parts, t.lang)))
        else:
            lines.append(t("breakdown-entry-total", metric=name,
                           value=value_text(total.metric, total.total, t.lang)))
    return lines


def unknown_text(outcome: EntryOutcome, t: Translator) -> str:
    lines = []
    for unknown in outcome.unknown:
        if unknown.suggestions:
            names = ", ".join(metric_label(s, t.lang) for s in unknown.suggestions)
            lines.append(t("entry-unknown-suggest", name=unknown.raw, suggestions=names))
        else:
            lines.append(t("entry-unknown", name=unknown.raw))
    return "\n".join(lines)


def undo_keyboard(project_id: int, batch_id: int, t: Translator) -> InlineKeyboardMarkup:
    """The Undo button under every saved entry: a copy of a validated button with this
    batch's data (validating a button and its keyboard anew took 14 µs of every entry)."""
    data = UndoCb(project_id=project_id, batch_id=batch_id).pack()
    markup = _undo_markup(t("undo-button"))
    button = markup.inline_keyboard[0][0].model_copy(update={"callback_data": data})
    return markup.model_copy(update={"inline_keyboard": [[button]]})


@functools.lru_cache(maxsize=16)
def _undo_markup(text: str) -> InlineKeyboardMarkup:
    data = UndoCb(project_id=0, batch_id=0).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=data)]])
