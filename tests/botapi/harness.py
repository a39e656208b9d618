"""Run a real aiogram Dispatcher + Bot (AiohttpSession) against ``TelegramFake``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import TelegramObject, Update

from tests.botapi.fake import TelegramFake


def make_bot(fake: TelegramFake, token: str | None = None, **default: Any) -> Bot:
    """A real Bot whose AiohttpSession talks to the fake (HTML parse mode by default)."""
    props = {"parse_mode": ParseMode.HTML, **default}
    return Bot(
        token or fake.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)),
        default=DefaultBotProperties(**props),
    )


class _UpdateTracker:
    """Outermost update middleware telling the fake when an update is fully handled."""

    def __init__(self, fake: TelegramFake) -> None:
        self.fake = fake

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        update_id = event.update_id if isinstance(event, Update) else None
        if update_id is None:
            return await handler(event, data)
        self.fake.mark_processing(update_id)
        try:
            result = await handler(event, data)
        except BaseException as e:
            self.fake.mark_handled(update_id, e)
            raise
        self.fake.mark_handled(update_id)
        return result


@contextlib.asynccontextmanager
async def run_bot(
    fake: TelegramFake,
    dispatcher: Dispatcher,
    *,
    bot: Bot | None = None,
    polling_timeout: int = 1,
    startup_timeout: float = 5.0,
    raise_handler_errors: bool = True,
    **workflow_data: Any,
) -> AsyncIterator[Bot]:
    """Start ``dispatcher.start_polling`` against the fake; yield the Bot.

    On exit waits (bounded) for in-flight handlers, stops polling, closes the
    session and, if ``raise_handler_errors``, fails with any exception a handler
    leaked (errors handled by ``@dp.errors()`` handlers do not count).
    """
    bot = bot or make_bot(fake)
    tracker = _UpdateTracker(fake)
    # Outermost: insert before ErrorsMiddleware so errors handled there don't count.
    middlewares = dispatcher.update.outer_middleware
    inner = getattr(middlewares, "_middlewares", None)
    if isinstance(inner, list):
        inner.insert(0, tracker)
    else:  # pragma: no cover - aiogram internals changed
        middlewares.register(tracker)
    fake.attach_tracker()
    errors_before = len(fake.handler_errors)
    fake.polling_started.clear()
    polls_before = len(fake.get_updates_calls)

    task = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_signals=False,
            polling_timeout=polling_timeout,
            close_bot_session=False,
            **workflow_data,
        ),
        name="aiogram-polling",
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while len(fake.get_updates_calls) <= polls_before:
            if task.done():
                task.result()  # re-raise startup failure
                raise AssertionError("polling finished before the first getUpdates")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"polling did not start within {startup_timeout}s "
                    f"(bot calls: {[c.method for c in fake.calls]})"
                )
            await asyncio.sleep(0.01)
        yield bot
    finally:
        # let handlers that are still running finish (bounded)
        deadline = time.monotonic() + 2.0
        while fake._processing and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if not task.done():
            with contextlib.suppress(RuntimeError):
                await asyncio.wait_for(dispatcher.stop_polling(), 5.0)
        try:
            await asyncio.wait_for(task, 5.0)
        except (asyncio.CancelledError, TimeoutError):
            task.cancel()
        finally:
            fake.detach_tracker()
            with contextlib.suppress(ValueError):
                middlewares.unregister(tracker)
            await bot.session.close()
    leaked = fake.handler_errors[errors_before:]
    if raise_handler_errors and leaked:
        details = "; ".join(f"update {uid}: {type(e).__name__}: {e}" for uid, e in leaked)
        first_error = leaked[0][1]
        raise AssertionError(
            f"bot handlers raised unhandled exceptions: {details}"
        ) from first_error


__all__ = ["make_bot", "run_bot"]
