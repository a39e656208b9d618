"""/alerts: per-KPI decline thresholds (warning and critical drop in %) and acknowledging a fall
that stays ("still 28 % below the level before W46"), so the digest stops repeating it."""

from __future__ import annotations

import html
from datetime import date

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Translator
from bot.services.digest import standing_shifts
from bot.services.formulas import alert_metrics, resolve_alert_metric
from handlers.callbacks import AlertAckCb
from handlers.filters import PRIVATE
from handlers.kpi_picker import metric_label
from kpi.numbers import parse_number
from storage.base import Storage
from storage.models import AlertThreshold, Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)

DEFAULT_WARNING = 20.0
DEFAULT_CRITICAL = 35.0
RESET_WORDS = {"reset", "сброс", "default", "по умолчанию"}


@router.message(Command("alerts"), flags={"needs": "member"})
async def alerts(message: Message, command: CommandObject, t: Translator, storage: Storage,
                 membership: Membership) -> None:
    project = membership.project
    if command.args:
        if not membership.role.can_edit:
            await message.answer(t("access-denied-edit"))
            return
        await change(message, command.args, t, storage, project.id)
        return
    custom = {th.metric: th for th in await storage.get_thresholds(project.id)}
    lines = []
    for key in await alert_metrics(storage, project.id):
        threshold = custom.get(key)
        lines.append(t("alerts-line", metric=metric_label(key, t.lang),
                       warning=fmt(threshold.warning_pct if threshold else DEFAULT_WARNING),
                       critical=fmt(threshold.critical_pct if threshold else DEFAULT_CRITICAL)))
    shifts = await standing_shifts(storage, project)
    text = t("alerts-title", name=project.name) + "\n" + "\n".join(lines)
    if shifts:
        text += "\n\n" + t("alerts-shifts-title") + "\n" + "\n".join(
            t("alerts-shift-line", metric=metric_label(key, t.lang), week=week_label(since))
            for _, key, since in shifts)
    await message.answer(text + "\n\n" + t("alerts-usage"),
                         reply_markup=ack_keyboard(project.id, shifts, t)
                         if shifts and membership.role.can_edit else None)


def week_label(week: date) -> str:
    return f"W{week.isocalendar().week}"


def ack_keyboard(project_id: int, shifts: list[tuple[int, str, date]],
                 t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, key, since in shifts:
        # A button label is plain text: the translator's escaping of the name must not show.
        builder.button(text=html.unescape(t("alerts-ack-button", metric=metric_label(key, t.lang),
                                            week=week_label(since))),
                       callback_data=AlertAckCb(project_id=project_id, index=index,
                                                since=since.isoformat()))
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(AlertAckCb.filter())
async def acknowledge(query: CallbackQuery, callback_data: AlertAckCb, t: Translator,
                      storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id, callback_data.project_id,
                           "editor"):
        return
    kpis = await alert_metrics(storage, callback_data.project_id)
    try:
        since = date.fromisoformat(callback_data.since)
    except ValueError:
        since = None
    if not 0 <= callback_data.index < len(kpis) or since is None:
        alert(query, t("stale-button"))
        return
    key = kpis[callback_data.index]
    await storage.set_alert_ack(callback_data.project_id, key, since, query.from_user.id)
    alert(query, t("alerts-acked", metric=metric_label(key, t.lang), week=week_label(since)))


def fmt(value: float) -> str:
    return f"{value:g}"


def split_reset(words: list[str]) -> list[str] | None:
    """The metric's words of a reset request (`/alerts охват сброс`), or None."""
    for size in (2, 1):  # "по умолчанию" is two words
        if len(words) > size and " ".join(words[-size:]).casefold() in RESET_WORDS:
            return words[:-size]
    return None


async def change(message: Message, args: str, t: Translator, storage: Storage,
                 project_id: int) -> None:
    kpis = await alert_metrics(storage, project_id)
    words = args.split()
    reset = split_reset(words)
    if reset is None and len(words) < 3:
        await message.answer(t("alerts-usage"))
        return
    name = " ".join(reset if reset is not None else words[:-2])
    key = resolve_alert_metric(name, kpis)
    if key is None:
        await message.answer(t("alerts-unknown", name=name) + "\n" + t("alerts-usage"))
        return
    if reset is not None:
        await storage.set_threshold(project_id, None, key)
        await message.answer(t("alerts-reset", metric=metric_label(key, t.lang)))
        return
    warning, critical = parse_number(words[-2]), parse_number(words[-1])
    if warning is None or critical is None or not 0 < warning.value < critical.value <= 100:
        await message.answer(t("alerts-bad-numbers") + "\n" + t("alerts-usage"))
        return
    await storage.set_threshold(project_id, AlertThreshold(key, warning.value, critical.value),
                                key)
    await message.answer(t("alerts-set", metric=metric_label(key, t.lang),
                           warning=fmt(warning.value), critical=fmt(critical.value)))
