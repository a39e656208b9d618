"""Per-update context: who is talking, in which language, on which project."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from bot.i18n import get_translator, pick_language
from storage.base import Storage

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContextMiddleware(BaseMiddleware):
    """Injects `t` (translator), `lang`, `user` and `membership` (active project with role).

    Registered as an outer middleware on updates, so filters see the same context. Updates
    from other bots are dropped here, before any handler runs.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        storage: Storage = data["storage"]
        default_language: str = data["settings"].default_language
        if tg_user is None:
            data["t"] = get_translator(default_language)
            data["lang"] = default_language
            return await handler(event, data)
        if tg_user.is_bot:
            return None
        user, membership = await storage.load_context(tg_user.id, display_name(tg_user))
        lang = user.language or pick_language(tg_user.language_code, default_language)
        data["user"] = user
        data["lang"] = lang
        data["t"] = get_translator(lang)
        data["membership"] = membership
        return await handler(event, data)


MAX_DISPLAY_NAME = 64


def display_name(tg_user: TgUser) -> str | None:
    """How /members shows a person: "First Last (@username)", cut to a sane length. Untrusted
    text: whoever shows it escapes it (the translator does)."""
    name = " ".join(tg_user.full_name.split())
    if tg_user.username:
        name = f"{name} (@{tg_user.username})" if name else f"@{tg_user.username}"
    return name[:MAX_DISPLAY_NAME] or None
