"""The KPI choice shared by onboarding and /kpis: options, toggles, targets — as FSM data."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from handlers.callbacks import KpiCb, TargetCb
from kpi import catalogue
from kpi.catalogue import Goal

# Offered after the goal's own suggestions, so a user can add the usual suspects in one tap.
POPULAR = ("reach", "followers", "er_reach", "impressions", "views", "new_followers", "likes",
           "comments", "shares", "clicks", "leads", "orders", "revenue", "spend", "cpl", "ctr")
MAX_OPTIONS = 20
MAX_CUSTOM_NAME = 40


def initial_choice(goal: str, current: list[str] | None = None) -> dict[str, Any]:
    suggested = list(catalogue.GOAL_KPIS[Goal(goal)])
    selected = list(current) if current is not None else suggested
    options: list[str] = []
    for key in [*selected, *suggested, *POPULAR]:
        if key not in options:
            options.append(key)
    return {"options": options[:MAX_OPTIONS], "selected": selected}


def metric_label(key: str, lang: str) -> str:
    metric = catalogue.get(key)
    return metric.name(lang) if metric else key


def picker_keyboard(data: dict[str, Any], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, key in enumerate(data["options"]):
        mark = "✅" if key in data["selected"] else "▫️"
        builder.button(text=f"{mark} {metric_label(key, t.lang)}",
                       callback_data=KpiCb(action="toggle", index=index))
    builder.adjust(2)
    builder.row(*InlineKeyboardBuilder()
                .button(text=t("kpis-custom-button"), callback_data=KpiCb(action="custom"))
                .button(text=t("kpis-done-button"), callback_data=KpiCb(action="done"))
                .buttons)
    if data.get("mode") == "edit":  # /kpis on an existing project: its own KPIs by formula
        builder.row(InlineKeyboardButton(text=t("formula-button"),
                                         callback_data=KpiCb(action="formula").pack()),
                    InlineKeyboardButton(text=t("formulas-list-button"),
                                         callback_data=KpiCb(action="formulas").pack()))
    return builder.as_markup()


def toggle(data: dict[str, Any], index: int) -> bool:
    """Toggle the option at `index`; False when the index is not one we offered."""
    options: list[str] = data["options"]
    if not 0 <= index < len(options):
        return False
    key = options[index]
    selected: list[str] = data["selected"]
    if key in selected:
        selected.remove(key)
    else:
        selected.append(key)
    return True


def add_custom(data: dict[str, Any], name: str) -> str | None:
    """Add a custom metric by name; returns an error code or None."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_CUSTOM_NAME:
        return "kpis-custom-bad-length"
    if not any(ch.isalpha() for ch in name):
        return "kpis-custom-no-letters"
    known = catalogue.resolve(name)
    key = known or name
    if key not in data["options"]:
        if len(data["options"]) >= MAX_OPTIONS + 10:
            return "kpis-too-many"
        data["options"].append(key)
    if key not in data["selected"]:
        data["selected"].append(key)
    return None


def selection_summary(data: dict[str, Any], t: Translator) -> str:
    names = [metric_label(key, t.lang) for key in data["selected"]]
    return ", ".join(names) if names else "—"


def target_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("targets-skip-button"), callback_data=TargetCb(action="skip"))
    builder.button(text=t("targets-skip-all-button"), callback_data=TargetCb(action="skip_all"))
    return builder.as_markup()
