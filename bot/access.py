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

from bot.callback_answers import refuse
from bot.i18n import Translator
from storage.base import Storage
from storage.models import Membership, Role


def refusal_for_role(needs: str, role: Role) -> str | None:
    """The i18n key refusing `role` an action that `needs` member, editor or owner rights."""
    if needs == "editor" and not role.can_edit:
        return "access-denied-edit"
    if needs == "owner" and not role.is_owner:
        return "access-denied-owner"
    return None


def refusal(needs: str, membership: Membership | None) -> str | None:
    """The i18n key of the refusal, or None when the action is allowed."""
    if membership is None:
        return "no-project"
    return refusal_for_role(needs, membership.role)


async def permitted(event: Message | CallbackQuery, storage: Storage, t: Translator,
                    user_id: int, project_id: int, needs: str) -> bool:
    """Re-check on the server that the user may act on this project (ids in callback data and
    dialog state are never trusted); refuse with the reason otherwise."""
    role = await storage.get_membership(user_id, project_id)
    key = "access-denied" if role is None else refusal_for_role(needs, role)
    if key is None:
        return True
    await refuse(event, t(key))
    return False


class ProjectAccessMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        needs = get_flag(data, "needs")
        if needs is None:
            return await handler(event, data)
        key = refusal(needs, data.get("membership"))
        if key is None:
            return await handler(event, data)
        await refuse(event, data["t"](key))
        return None
