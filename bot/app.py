"""Running the bot: storage, dispatcher, command menu, long polling, clean shutdown.

Shutdown (SIGTERM or SIGINT; aiogram's start_polling installs the handlers): polling stops at
once, so no new update is taken. aiogram itself does not wait for the handlers it started as
tasks, and APScheduler's AsyncIOExecutor cancels running jobs on shutdown, so `drain` does it:
the scheduler is paused, then the in-flight update handlers and the running digest/reminder
jobs get up to SHUTDOWN_TIMEOUT seconds to finish (anything still running then is cancelled;
its transaction rolls back and an unconfirmed update is delivered again after the restart).
Only then is the bot session closed, the render pool shut down and the database closed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.commands import register_commands
from bot.config import Settings
from bot.delivery import RateLimiter
from bot.digest_job import DigestDelivery
from bot.factory import create_bot, create_dispatcher
from bot.reminder_job import ReminderJob
from bot.rendering import Renderer
from bot.scheduler import create_scheduler
from storage import open_storage
from storage.fsm import SqliteFsmStorage

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 20.0  # seconds for in-flight work once a stop signal came


async def run(settings: Settings) -> None:
    token = settings.token()
    storage = open_storage(settings.database_url)
    await storage.connect()
    fsm_storage = SqliteFsmStorage(storage)
    bot = create_bot(token, settings.telegram_api_url)
    renderer = Renderer()
    limiter = RateLimiter()
    delivery = DigestDelivery(bot, storage, renderer, limiter)
    reminders = ReminderJob(bot, storage, limiter, settings.default_language)
    scheduler = create_scheduler(delivery, reminders)
    dispatcher = create_dispatcher(settings, storage, fsm_storage, renderer=renderer,
                                   delivery=delivery)
    dispatcher.workflow_data["scheduler"] = scheduler
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    try:
        scheduler.start()
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        # Normally on_shutdown drained everything already; this covers a failed startup.
        await drain(dispatcher, scheduler, timeout=SHUTDOWN_TIMEOUT)
        renderer.close()
        await bot.session.close()
        await storage.close()
        log.info("stopped; database closed")


async def on_startup(bot: Bot, settings: Settings, delivery: DigestDelivery,
                     scheduler: AsyncIOScheduler | None = None) -> None:
    me = await bot.get_me()
    await register_commands(bot, settings.default_language)
    log.info("bot @%s (id %s) started", me.username, me.id)
    # Digests that fell due while the bot was down go out now, once: the scheduler's own job
    # runs at once (not awaited here), so a stop signal during a long catch-up is honoured
    # and the job is drained like any other.
    if scheduler is not None and scheduler.get_job("deliver-due-digests") is not None:
        scheduler.modify_job("deliver-due-digests", next_run_time=datetime.now(UTC))
    else:
        await delivery.deliver_due()


async def on_shutdown(dispatcher: Dispatcher, scheduler: AsyncIOScheduler) -> None:
    # Runs after polling stopped and before aiogram closes the bot session, so handlers that
    # are still finishing can send their replies.
    await drain(dispatcher, scheduler, timeout=SHUTDOWN_TIMEOUT)


async def drain(dispatcher: Dispatcher, scheduler: AsyncIOScheduler, *, timeout: float) -> None:
    """Stop taking scheduled work, let running handlers and jobs finish (at most `timeout`
    seconds), cancel what is left, and shut the scheduler down. Safe to call twice."""
    if scheduler.running:
        scheduler.pause()
    pending = set(_running_handlers(dispatcher)) | set(_running_jobs(scheduler))
    if pending:
        log.info("waiting up to %.0f s for %d running task(s)", timeout, len(pending))
        _done, late = await asyncio.wait(pending, timeout=timeout)
        if late:
            log.warning("%d task(s) did not finish in %.0f s; cancelling", len(late), timeout)
            for task in late:
                task.cancel()
            await asyncio.wait(late, timeout=2.0)
    if scheduler.running:
        scheduler.shutdown(wait=False)


def _running_handlers(dispatcher: Dispatcher) -> list[asyncio.Future[object]]:
    # aiogram keeps the tasks of handle_as_tasks=True here (no public accessor in 3.x).
    tasks = getattr(dispatcher, "_handle_update_tasks", ())
    return [t for t in tasks if not t.done()]


def _running_jobs(scheduler: AsyncIOScheduler) -> list[asyncio.Future[object]]:
    futures: list[asyncio.Future[object]] = []
    for executor in getattr(scheduler, "_executors", {}).values():
        futures.extend(f for f in getattr(executor, "_pending_futures", ()) if not f.done())
    return futures
