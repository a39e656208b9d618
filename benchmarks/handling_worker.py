"""One side of the message-handling benchmark, alone in a fresh process.

    python -m benchmarks.handling_worker echo|bot URL EXPECTED [DB]

DB is a SQLite file or a postgresql:// URL (the `handling-pg` group).

`echo` is a bare aiogram bot: only aiogram is imported, `Dispatcher.start_polling`, one
handler that echoes the text, on asyncio's own loop. `bot` is smm-kpi-bot as `bot.app.run`
serves it, on uvloop as `smm-kpi-bot run` runs it (bot.eventloop): every router and
middleware, SQLite storage and FSM, our `Poller`, the heap settled before polling. Each
times every update in an outermost update middleware and, after EXPECTED updates, prints one
JSON line: per-update latencies, first entry and last exit (perf_counter) and the process's
CPU seconds between them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message, TelegramObject

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"  # the fake's; not imported: `echo` is bare


class Timing:
    """Outermost update middleware: per-update latency, and an event after `expected`."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.latencies: list[float] = []
        self.first: float | None = None
        self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0  # process CPU (all threads) at first entry, last exit
        self.errors = 0
        self.done = asyncio.Event()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        start = time.perf_counter()
        if self.first is None:
            self.first, self.cpu_first = start, time.process_time()
        try:
            return await handler(event, data)
        except Exception:
            self.errors += 1
            raise
        finally:
            self.last, self.cpu_last = time.perf_counter(), time.process_time()
            self.latencies.append(self.last - start)
            if len(self.latencies) >= self.expected:
                self.done.set()


async def serve_echo(url: str, timing: Timing) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher.update.outer_middleware._middlewares.insert(0, timing)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False,
                                                        polling_timeout=1))
    await timing.done.wait()
    await dispatcher.stop_polling()
    await task


async def serve_bot(url: str, db: str, timing: Timing) -> None:
    from bot.config import Settings
    from bot.factory import create_bot, create_dispatcher
    from bot.heap import settle_heap
    from bot.polling import Poller
    from bot.rendering import Renderer
    from storage import open_storage
    from storage.fsm import open_fsm_storage

    database_url = db if db.startswith("postgresql") else f"sqlite:///{db}"
    settings = Settings(bot_token=TOKEN, telegram_api_url=url, database_url=database_url,
                        default_language="ru")
    storage = open_storage(database_url)
    await storage.connect()
    renderer = Renderer()
    # throttle 0: every update is handled in full (the production cooldown only concerns
    # reports and files, never entries, but keep the measurement free of it)
    dispatcher = create_dispatcher(settings, storage, open_fsm_storage(storage),
                                   throttle=False, renderer=renderer)
    dispatcher.update.outer_middleware._middlewares.insert(0, timing)
    bot = create_bot(TOKEN, url)
    poller = Poller(dispatcher, bot, allowed_updates=dispatcher.resolve_used_update_types(),
                    timeout=1, journal=storage)
    settle_heap()
    task = asyncio.create_task(poller.run())
    try:
        await timing.done.wait()
    finally:
        poller.stop()
        await task
        await asyncio.gather(*poller.running())
        await poller.confirm()
        renderer.close()
        await bot.session.close()
        await storage.close()


async def main() -> None:
    kind, url, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    timing = Timing(expected)
    if kind == "echo":
        await serve_echo(url, timing)
    else:
        await serve_bot(url, sys.argv[4], timing)
    print(json.dumps({"latencies": timing.latencies, "first": timing.first, "last": timing.last,
                      "errors": timing.errors, "cpu": timing.cpu_last - timing.cpu_first}))


if __name__ == "__main__":
    if sys.argv[1] == "bot":  # as `smm-kpi-bot run` runs it
        from bot.eventloop import run_async

        run_async(main())
    else:  # the bare aiogram bot on asyncio's own loop, as aiogram's examples run it
        asyncio.run(main())
