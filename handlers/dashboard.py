"""/dashboard: the button that opens the Mini App (and the chat's menu button with it).
The buttons under /report and the digest come from bot.menu as well."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.i18n import Translator
from bot.menu import dashboard_button, set_menu_button
from handlers.filters import PRIVATE

router = Router(name=__name__)


@router.message(Command("dashboard"), PRIVATE)
async def dashboard(message: Message, t: Translator, settings: Settings) -> None:
    button = dashboard_button(settings.webapp_url, t)
    if button is None:
        await message.answer(t("dashboard-off"))
        return
    await set_menu_button(message.bot, message.chat.id, settings.webapp_url, t)
    await message.answer(t("dashboard-open"),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))
