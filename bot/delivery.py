"""Sending within Telegram's limits: ~30 messages/s overall, ~1/s per chat, 20/min per group or
channel. 429 is retried after `retry_after`; 5xx and network errors with bounded backoff; 403
is not retried (the caller pauses the project and tells the owner)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

log = logging.getLogger(__name__)
T = TypeVar("T")

GLOBAL_PER_SECOND = 28  # a little under Telegram's ~30/s: its window is strict, a 429 costs 1 s
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.0  # 20 per minute
MAX_ATTEMPTS = 5
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 120.0


class RateLimiter:
    """A token bucket for the whole bot and a minimum interval per chat."""

    def __init__(self, per_second: float = GLOBAL_PER_SECOND, *,
                 private_interval: float = PRIVATE_INTERVAL,
                 group_interval: float = GROUP_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / per_second
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._clock = clock
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = self._clock()
            per_chat = self._group_interval if chat_id < 0 else self._private_interval
            start = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
            self._next_global = start + self._interval
            self._next_chat[chat_id] = start + per_chat
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)

    def forget(self, chat_id: int) -> None:
        self._next_chat.pop(chat_id, None)


async def send_with_retry(chat_id: int, call: Callable[[], Awaitable[T]], *,
                          limiter: RateLimiter | None = None,
                          attempts: int = MAX_ATTEMPTS, base_delay: float = 1.0) -> T:
    """Run one Bot API call with rate limiting and bounded retries."""
    for attempt in range(1, attempts + 1):
        if limiter is not None:
            await limiter.wait(chat_id)
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if attempt == attempts:
                raise
            delay = min(float(exc.retry_after), MAX_RETRY_AFTER)
            log.warning("429 for chat %s: waiting %.0f s (attempt %d)", chat_id, delay, attempt)
        except (TelegramServerError, TelegramNetworkError) as exc:
            if attempt == attempts:
                raise
            delay = min(base_delay * 2 ** (attempt - 1), MAX_BACKOFF)
            log.warning("%s for chat %s: retry in %.1f s (attempt %d)",
                        type(exc).__name__, chat_id, delay, attempt)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")
