"""The ways into the Mini App dashboard (README "Dashboard (Mini App)"): a web_app button
(private chats only: Telegram refuses it elsewhere) and the chat's menu button."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardButton, MenuButtonWebApp, WebAppInfo

from bot.i18n import Translator

log = logging.getLogger(__name__)


def dashboard_button(webapp_url: str | None, t: Translator) -> InlineKeyboardButton | None:
    """The "📊 Dashboard" button; None when WEBAPP_URL is not set."""
    if not webapp_url:
        return None
    return InlineKeyboardButton(text=t("dashboard-button"), web_app=WebAppInfo(url=webapp_url))


async def set_menu_button(bot: Bot, chat_id: int, webapp_url: str | None,
                          t: Translator) -> None:
    """The private chat's menu button opens the dashboard (in the user's language). Best
    effort: a failure here must not cost the user the reply they asked for."""
    if not webapp_url:
        return
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonWebApp(
            text=t("dashboard-button"), web_app=WebAppInfo(url=webapp_url)))
    except TelegramAPIError as exc:
        log.warning("chat %s: menu button not set (%s)", chat_id, type(exc).__name__)
