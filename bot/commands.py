"""The command menu, registered with setMyCommands in Russian and English."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import SUPPORTED_LANGUAGES, get_translator

COMMANDS = ("start", "add", "history", "report", "posts", "kpis", "projects", "new", "undo",
            "export", "template", "note", "notes", "experiment", "formula", "formulas",
            "campaigns", "channel", "schedule", "timezone", "alerts", "members", "language",
            "help", "cancel", "delete", "forget")


def bot_commands(lang: str, *, dashboard: bool = False) -> list[BotCommand]:
    """The menu; /dashboard (after /report) only when the Mini App is on (WEBAPP_URL)."""
    t = get_translator(lang)
    names = list(COMMANDS)
    if dashboard:
        names.insert(names.index("report") + 1, "dashboard")
    return [BotCommand(command=name, description=t(f"cmd-{name}")) for name in names]


async def register_commands(bot: Bot, default_language: str, *, dashboard: bool = False
                            ) -> None:
    scope = BotCommandScopeAllPrivateChats()
    for lang in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(bot_commands(lang, dashboard=dashboard), scope=scope,
                                  language_code=lang)
    await bot.set_my_commands(bot_commands(default_language, dashboard=dashboard), scope=scope)
