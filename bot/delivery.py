"""Sending within Telegram's limits: ~30 messages/s overall, ~1/s per chat, 20/min per group or
channel. 429 is retried after `retry_after`; 5xx and network errors with bounded backoff; 403
is not retried (the caller pauses the project and tells the owner)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

from bot.retry import CALLER_RETRIES

log = logging.getLogger(__name__)
T = TypeVar("T")

GLOBAL_PER_SECOND = 29  # under Telegram's ~30/s: its window is strict, and a 429 costs a second
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.0  # 20 per minute
MAX_ATTEMPTS = 5
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 120.0


class SendLimiter(Protocol):
    """What senders need: wait for a send slot for this chat (in-process `RateLimiter`, or
    `bot.redis_limiter.RedisRateLimiter` shared by several instances)."""

    async def wait(self, chat_id: int) -> None: ...


class RateLimiter:
    """The bot's whole send rate cut into slots of 1/`per_second` s, plus a minimum interval
    per chat.

    Each send takes the first free slot at or after the moment its chat may be written to
    again. A send held back by its chat (a second message to the same chat, a retry after a
    429) takes a slot in the future and leaves the slots before it to other chats: one busy
    chat never stalls the whole wave, and no slot carries two sends.
    """

    def __init__(self, per_second: float = GLOBAL_PER_SECOND, *,
                 private_interval: float = PRIVATE_INTERVAL,
                 group_interval: float = GROUP_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / per_second
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._clock = clock
        self._first_free = 0  # no slot before this one is free any more
        self._taken: set[int] = set()  # taken slots from _first_free on
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self._lock:
            now = self._clock()
            per_chat = self._group_interval if chat_id < 0 else self._private_interval
            ready = max(now, self._next_chat.get(chat_id, 0.0))
            start = self._take_slot(ready)
            self._next_chat[chat_id] = start + per_chat
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)

    def _take_slot(self, ready: float) -> float:
        """Take the first free slot that ends after `ready`; when the send may go (slot k
        covers [k, k + 1) intervals: at most one send in each, so never more than
        `per_second` + 1 in any second)."""
        now_slot = math.floor(self._clock() / self._interval)
        if self._first_free < now_slot:  # slots in the past can no longer be used
            self._taken = {s for s in self._taken if s >= now_slot}
            self._first_free = now_slot
        slot = max(self._first_free, math.floor(ready / self._interval))
        while slot in self._taken:
            slot += 1
        self._taken.add(slot)
        while self._first_free in self._taken:
            self._taken.discard(self._first_free)
            self._first_free += 1
        return max(ready, slot * self._interval)

    def forget(self, chat_id: int) -> None:
        self._next_chat.pop(chat_id, None)


async def send_with_retry(chat_id: int, call: Callable[[], Awaitable[T]], *,
                          limiter: SendLimiter | None = None,
                          attempts: int = MAX_ATTEMPTS, base_delay: float = 1.0) -> T:
    """Run one Bot API call with rate limiting and bounded retries (the session's own retry
    middleware, `bot.retry`, stands aside for it)."""
    for attempt in range(1, attempts + 1):
        if limiter is not None:
            await limiter.wait(chat_id)
        token = CALLER_RETRIES.set(True)
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
        finally:
            CALLER_RETRIES.reset(token)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")
