"""Reminders before the digest: editors of a project with no numbers for the week the digest
will cover get one message with a one-tap way to enter them (once per person and week)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.delivery import SendLimiter, send_with_retry
from bot.i18n import Translator, get_translator
from handlers.callbacks import StartAddCb
from kpi.weeks import format_week
from storage.base import Storage

log = logging.getLogger(__name__)


class ReminderJob:
    def __init__(self, bot: Bot, storage: Storage, limiter: SendLimiter,
                 default_language: str) -> None:
        self.bot = bot
        self.storage = storage
        self.limiter = limiter
        self.default_language = default_language

    async def remind_due(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        sent = 0
        for project, week in await self.storage.reminder_projects(now):
            report_week = week - timedelta(weeks=1)
            if await self.storage.get_values(project.id, since=report_week, until=report_week):
                continue
            for user_id, role in await self.storage.list_members(project.id):
                if not role.can_edit:
                    continue
                if not await self.storage.claim_reminder(project.id, week, user_id):
                    continue
                user = await self.storage.get_user(user_id)
                t = get_translator((user.language if user else None) or self.default_language)
                text = t("reminder", name=project.name, week=format_week(report_week, t.lang))
                try:
                    await self.send(user_id, text, enter_keyboard(project.id, report_week, t))
                    sent += 1
                except (TelegramForbiddenError, TelegramBadRequest):
                    log.info("reminder for project %s: user %s unreachable", project.id, user_id)
        return sent

    async def send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup) -> None:
        await send_with_retry(chat_id, lambda: self.bot.send_message(
            chat_id, text, reply_markup=markup), limiter=self.limiter)


def enter_keyboard(project_id: int, week: date, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("reminder-button"),
                   callback_data=StartAddCb(project_id=project_id, week=week.isoformat()))
    return builder.as_markup()
