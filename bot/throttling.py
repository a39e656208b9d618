"""Per-user throttling of expensive actions (reports, imports, exports).

Handlers opt in with a flag, e.g. `@router.message(Command("report"), flags={"expensive":
"report"})`; a user may run each such action once per `cooldown` seconds and otherwise hears
"try again in N s". Cheap actions (entering numbers) are never throttled.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import TelegramObject

from bot.callback_answers import refuse

DEFAULT_COOLDOWN = 10.0


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, cooldown: float = DEFAULT_COOLDOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._last: dict[tuple[int, str], float] = {}

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        action = get_flag(data, "expensive")
        user = data.get("event_from_user")
        if action is None or user is None:
            return await handler(event, data)
        now = self._clock()
        key = (user.id, action)
        wait = self._last.get(key, -math.inf) + self.cooldown - now
        if wait > 0:
            text = data["t"]("throttled", seconds=math.ceil(wait))
            await refuse(event, text)
            return None
        self._last[key] = now
        if len(self._last) > 10_000:  # forget old entries so memory stays bounded
            self._last = {k: v for k, v in self._last.items() if now - v < self.cooldown}
        return await handler(event, data)
