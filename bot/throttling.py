"""Per-user throttling of costly actions (uploads, exports, reports) by a budget.

Handlers opt in with a flag naming the action, e.g. `@router.message(Command("report"),
flags={"expensive": "report"})`; the action's cost is taken from the user's budget
(`bot.throttle_budget`: a token bucket, a cooldown only for chart renders), in this process or,
with REDIS_URL, shared by every instance. A refused action is dropped with one message that
says when to try again; refusals that follow it within that wait are dropped silently (a
button press still gets its one answer). Cheap actions (entering numbers) are never throttled.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, TelegramObject

from bot.callback_answers import refuse
from bot.throttle_budget import Decision, UserBudget

REFUSAL_KEYS = {"cooldown": "throttled", "budget": "throttled-budget"}


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, budget: UserBudget) -> None:
        self.budget = budget

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        action = get_flag(data, "expensive")
        user = data.get("event_from_user")
        if action is None or user is None:
            return await handler(event, data)
        decision = await self.budget.take(user.id, action)
        if decision.allowed:
            return await handler(event, data)
        # A press must be answered anyway; a message in a flood is dropped without a word.
        if decision.notify or isinstance(event, CallbackQuery):
            await refuse(event, refusal_text(data["t"], decision))
        return None


def refusal_text(t: Callable[..., str], decision: Decision) -> str:
    return t(REFUSAL_KEYS.get(decision.reason, "throttled-budget"),
             seconds=max(1, math.ceil(decision.wait)))
