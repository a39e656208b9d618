"""2. Message handling: the text entry "охват 12 500, лиды 17" from many distinct users through
the real Dispatcher (all routers and middlewares, SQLite storage and FSM) and a real Bot, vs a
bare aiogram echo bot, both polling the loopback fake in a separate process.

Throughput: a burst of updates queued before polling starts, first handler entry → last exit.
Latency: an outermost update middleware times every update; the target is checked at a paced
load (the burst p99 is only queueing behind the burst, reported for information).
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiogram.types import Message, TelegramObject

from benchmarks.common import Result, bulk_load, migrated_db, percentile, utc_now
from benchmarks.procs import FakeServer
from tests.botapi.fake import DEFAULT_TOKEN

USER_BASE = 1_000_000


class Timing:
    """Outermost update middleware: per-update latency, and an event after `expected`."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.latencies: list[float] = []
        self.first: float | None = None
        self.last = 0.0
        self.done = asyncio.Event()
        self.errors = 0

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        start = time.perf_counter()
        if self.first is None:
            self.first = start
        try:
            return await handler(event, data)
        except Exception:
            self.errors += 1
            raise
        finally:
            self.last = time.perf_counter()
            self.latencies.append(self.last - start)
            if len(self.latencies) >= self.expected:
                self.done.set()


def echo_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return dispatcher


async def bot_dispatcher(fake_url: str, db_path: Path) -> tuple[Dispatcher, Any]:
    from bot.config import Settings
    from bot.delivery import RateLimiter
    from bot.digest_job import DigestDelivery
    from bot.factory import create_bot, create_dispatcher
    from bot.rendering import Renderer
    from storage.fsm import SqliteFsmStorage
    from storage.sqlite import SqliteStorage

    settings = Settings(bot_token=DEFAULT_TOKEN, telegram_api_url=fake_url,
                        database_url=f"sqlite:///{db_path}", default_language="ru")
    storage = SqliteStorage(db_path)
    await storage.connect()
    renderer = Renderer(executor=ThreadPoolExecutor(max_workers=1))
    # throttle 0: every update is handled in full (the 10 s production cooldown would drop
    # repeated messages of one user and flatter the numbers)
    dispatcher = create_dispatcher(settings, storage, SqliteFsmStorage(storage),
                                   throttle_seconds=0, renderer=renderer)
    bot = create_bot(DEFAULT_TOKEN, fake_url)
    dispatcher.workflow_data["delivery"] = DigestDelivery(bot, storage, renderer, RateLimiter())

    async def cleanup() -> None:
        renderer.close()
        await storage.close()

    return dispatcher, cleanup


async def drive(kind: str, *, users: int, per_user: int, push_rate: float, db_path: Path,
                profile: cProfile.Profile | None = None) -> Timing:
    from bot.factory import create_bot

    fake = await FakeServer.start(users=users, messages_per_user=per_user, push_rate=push_rate,
                                  user_base=USER_BASE)
    cleanup = None
    try:
        if kind == "bot":
            dispatcher, cleanup = await bot_dispatcher(fake.url, db_path)
        else:
            dispatcher = echo_dispatcher()
        timing = Timing(users * per_user)
        dispatcher.update.outer_middleware._middlewares.insert(0, timing)  # outermost
        bot = create_bot(DEFAULT_TOKEN, fake.url)
        if profile:
            profile.enable()
        task = asyncio.create_task(dispatcher.start_polling(
            bot, handle_signals=False, polling_timeout=1, close_bot_session=True))
        try:
            await asyncio.wait_for(timing.done.wait(), 600)
        finally:
            if profile:
                profile.disable()
            await dispatcher.stop_polling()
            await asyncio.wait_for(task, 10)
        answered = await fake.count("sendmessage")
        if answered < users * per_user:
            raise RuntimeError(f"{kind}: only {answered}/{users * per_user} replies")
        return timing
    finally:
        if cleanup:
            await cleanup()
        await fake.stop()


async def run(quick: bool, profile: bool = False) -> list[Result]:
    users, per_user = (300, 4) if quick else (1000, 5)
    paced_rate, paced_per_user = 100.0, 2 if quick else 5
    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "handling.db"
        await migrated_db(db)
        bulk_load(db, users, 13, now=utc_now(), user_base=USER_BASE)
        prof = cProfile.Profile() if profile else None
        cpu = time.process_time()
        bot = await drive("bot", users=users, per_user=per_user, push_rate=0, db_path=db,
                          profile=prof)
        bot_cpu_ms = (time.process_time() - cpu) / (users * per_user) * 1000
        if prof:
            print("\n--- cProfile: real bot, burst (top 30 by own time) ---", file=sys.stderr)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(30)
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        cpu = time.process_time()
        # the echo burst is short and noisy: best of three
        echoes = [await drive("echo", users=users, per_user=per_user, push_rate=0, db_path=db)
                  for _ in range(3)]
        echo_cpu_ms = (time.process_time() - cpu) / (3 * users * per_user) * 1000
        paced = await drive("bot", users=users, per_user=paced_per_user, push_rate=paced_rate,
                            db_path=db)
        echo_paced = await drive("echo", users=users, per_user=paced_per_user,
                                 push_rate=paced_rate, db_path=db)

    def rate(t: Timing) -> float:
        return len(t.latencies) / (t.last - (t.first or t.last))

    echo = max(echoes, key=rate)

    n = users * per_user
    results.append(Result("handling: throughput (burst)", rate(bot), "upd/s",
                          baseline=rate(echo),
                          note=f"{n} updates from {users} users; CPU per update: bot "
                               f"{bot_cpu_ms:.2f} ms, echo {echo_cpu_ms:.2f} ms"))
    results.append(Result("handling: throughput ratio bot/echo", rate(bot) / rate(echo), "×",
                          target=0.5))
    results.append(Result(f"handling: p99 latency @ {paced_rate:.0f} upd/s",
                          percentile(paced.latencies, 99) * 1000, "ms", target=20,
                          higher_is_better=False,
                          baseline=percentile(echo_paced.latencies, 99) * 1000,
                          note=f"{len(paced.latencies)} updates, p50 "
                               f"{percentile(paced.latencies, 50) * 1000:.1f} ms (echo p50 "
                               f"{percentile(echo_paced.latencies, 50) * 1000:.1f} ms)"))
    results.append(Result("handling: p99 latency in burst", percentile(bot.latencies, 99) * 1000,
                          "ms", baseline=percentile(echo.latencies, 99) * 1000,
                          note="queueing behind the burst; informational"))
    return results
