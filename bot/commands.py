"""The command menu, registered with setMyCommands in Russian and English."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import SUPPORTED_LANGUAGES, get_translator

COMMANDS = ("start", "add", "history", "report", "kpis", "projects", "new", "undo", "export",
            "template", "note", "experiment", "formula", "campaigns", "channel", "schedule",
            "timezone", "alerts", "members", "language", "help", "cancel", "delete", "forget")


def bot_commands(lang: str) -> list[BotCommand]:
    t = get_translator(lang)
    return [BotCommand(command=name, description=t(f"cmd-{name}")) for name in COMMANDS]


async def register_commands(bot: Bot, default_language: str) -> None:
    scope = BotCommandScopeAllPrivateChats()
    for lang in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(bot_commands(lang), scope=scope, language_code=lang)
    await bot.set_my_commands(bot_commands(default_language), scope=scope)
