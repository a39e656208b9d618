"""Router- and handler-level access rules, declared as flags instead of repeated checks.

`flags={"needs": "member" | "editor" | "owner"}` on a handler: the active project must exist and
the user's role (re-read from storage for this very update) must allow the action; otherwise the
user gets the matching refusal and the handler does not run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

from storage.models import Membership

REFUSALS = {"member": None, "editor": "access-denied-edit", "owner": "access-denied-owner"}


def refusal(needs: str, membership: Membership | None) -> str | None:
    """The i18n key of the refusal, or None when the action is allowed."""
    if membership is None:
        return "no-project"
    if needs == "editor" and not membership.role.can_edit:
        return REFUSALS["editor"]
    if needs == "owner" and not membership.role.is_owner:
        return REFUSALS["owner"]
    return None


class ProjectAccessMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        needs = get_flag(data, "needs")
        if needs is None:
            return await handler(event, data)
        key = refusal(needs, data.get("membership"))
        if key is None:
            return await handler(event, data)
        text = data["t"](key)
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
        return None
