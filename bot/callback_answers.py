"""The one place that answers callback queries: exactly one answerCallbackQuery per query.

`CallbackAnswers` is an outer middleware on callback queries, so it sees every press — one a
handler takes, one that a refusal stops (access, throttling), one no handler matches (a stale
or forged button) and one whose handler fails. Nobody else calls `CallbackQuery.answer`:
handlers and refusals only say *what* the answer shows, with `alert(query, text)`; the
middleware sends it once, when the handling is over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.telegram_errors import is_harmless

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass
class PendingAnswer:
    query_id: str
    text: str | None = None
    show_alert: bool = False


_pending: ContextVar[PendingAnswer | None] = ContextVar("pending_callback_answer", default=None)


def alert(query: CallbackQuery, text: str, *, show_alert: bool = True) -> None:
    """Show `text` (an alert by default) in this query's one answer, sent when its handling
    ends. The last call wins."""
    pending = _pending.get()
    if pending is None or pending.query_id != query.id:
        raise RuntimeError("alert() outside the CallbackAnswers middleware")
    pending.text = text
    pending.show_alert = show_alert


async def refuse(event: TelegramObject, text: str) -> None:
    """Tell the user why the action was refused: an alert on a button press, a reply to a
    message."""
    if isinstance(event, CallbackQuery):
        alert(event, text)
    elif isinstance(event, Message):
        await event.answer(text)


class CallbackAnswers(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        pending = PendingAnswer(event.id)
        token = _pending.set(pending)
        t = data.get("t")
        try:
            result = await handler(event, data)
        except Exception as error:
            if t is not None and not is_harmless(error):
                pending.text, pending.show_alert = t("error-generic"), True
            await self._answer(event, pending)
            raise  # the error router logs it
        finally:
            _pending.reset(token)
        if result is UNHANDLED and pending.text is None and t is not None:
            pending.text, pending.show_alert = t("stale-button"), True
        await self._answer(event, pending)
        return result

    @staticmethod
    async def _answer(query: CallbackQuery, pending: PendingAnswer) -> None:
        try:
            await query.answer(pending.text, show_alert=pending.show_alert or None)
        except TelegramAPIError as error:  # expired (the handler took too long), network
            log.info("could not answer callback query of user %s: %s", query.from_user.id,
                     error)
