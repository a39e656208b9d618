"""Bounded retries for the Bot API calls handlers make (replies, edits, files).

A session middleware: a 429 is retried after its `retry_after` (when that is at most
MAX_RETRY_AFTER seconds; a longer ban is not waited out inside a handler), a 5xx or a dropped
connection after a short backoff, at most ATTEMPTS times in all. Anything else (400, 403) is
final. getUpdates is left to the poller's own backoff, and calls made inside
`bot.delivery.send_with_retry` (digests, reminders) to that function, which retries on its own
terms and notes each attempt.

A retried reply may, rarely, arrive twice (Telegram had processed the first attempt before the
connection dropped); a reply that never arrives is worse.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response

log = logging.getLogger(__name__)

ATTEMPTS = 4
BASE_DELAY = 0.5  # seconds before the 2nd attempt after a 5xx or network error; doubles
MAX_RETRY_AFTER = 10.0
# Set by callers that retry on their own (bot.delivery.send_with_retry).
CALLER_RETRIES: ContextVar[bool] = ContextVar("caller_retries", default=False)


class RetryRequests(BaseRequestMiddleware):
    def __init__(self, attempts: int = ATTEMPTS, base_delay: float = BASE_DELAY,
                 max_retry_after: float = MAX_RETRY_AFTER) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_retry_after = max_retry_after

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:
        if isinstance(method, GetUpdates) or CALLER_RETRIES.get():
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_retry_after:
                    raise
                delay = float(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError):
                if attempt == self.attempts:
                    raise
                delay = self.base_delay * 2 ** (attempt - 1)
            log.warning("%s failed (attempt %d of %d); retrying in %.1f s",
                        method.__api_method__, attempt, self.attempts, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
