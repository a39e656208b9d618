"""Running the bot: storage, dispatcher, command menu, long polling, clean shutdown.

Updates come through `bot.polling.Poller` or, with WEBHOOK_URL, the webhook server of
`bot.webhook` (several instances, see `bot.scaling` and README "Scaling out"). The poller
confirms an update to Telegram only after its handler finished: a process killed mid-handler
gets the update again after the restart (handlers are idempotent per update_id). A digest
claim left by a process that died is taken over once its lease ran out (`bot.digest_job`,
DIGEST_LEASE_SECONDS), by this or any other instance.

Shutdown (SIGTERM or SIGINT): polling stops at once, so no new update is taken. APScheduler's
AsyncIOExecutor cancels running jobs on shutdown, so `drain` waits for them: the scheduler is
paused, then the in-flight update handlers and the running digest/reminder jobs get up to
SHUTDOWN_TIMEOUT seconds to finish (anything still running then is cancelled; its transaction
rolls back and its update stays unconfirmed, so it is delivered again after the restart). Then
the handled updates are confirmed, and only then are the FSM storage, the bot session, the
render pool and the database closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.commands import register_commands
from bot.config import Settings
from bot.digest_job import DigestDelivery
from bot.factory import create_bot, create_dispatcher
from bot.heap import settle_heap
from bot.polling import Poller
from bot.reminder_job import ReminderJob
from bot.rendering import Renderer
from bot.scaling import (
    connect_redis,
    dialog_storage,
    send_limiter,
    throttle_budget,
    update_source,
)
from bot.scheduler import create_scheduler
from bot.webhook import RouteHook, WebhookServer, build_routes_app, serve
from storage import open_storage

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 20.0  # seconds for in-flight work once a stop signal came


async def run(settings: Settings, *, extra_routes: Sequence[RouteHook] = ()) -> None:
    """Run until SIGTERM/SIGINT. `extra_routes` add routes to the webhook server's aiohttp
    Application (e.g. the Mini App API); in long polling with WEBAPP_URL set, an aiohttp
    server with only those routes listens on WEBHOOK_HOST:WEBHOOK_PORT."""
    token = settings.token()
    settings.check_webhook()
    storage = open_storage(settings.database_url)
    if settings.webhook_mode:  # the only mode in which several instances can run
        storage.expect_other_writers()
    await storage.connect()
    redis = connect_redis(settings)
    fsm_storage, isolation = dialog_storage(settings, storage, redis)
    bot = create_bot(token, settings.telegram_api_url)
    renderer = Renderer(workers=settings.render_workers)
    limiter = send_limiter(settings, redis)
    delivery = DigestDelivery(bot, storage, renderer, limiter, webapp_url=settings.webapp_url,
                              lease=timedelta(seconds=settings.digest_lease_seconds))
    reminders = ReminderJob(bot, storage, limiter, settings.default_language)
    scheduler = create_scheduler(delivery, reminders)
    dispatcher = create_dispatcher(settings, storage, fsm_storage, renderer=renderer,
                                   delivery=delivery, events_isolation=isolation,
                                   budget=throttle_budget(settings, redis),
                                   once_per_update=settings.webhook_mode)
    dispatcher.workflow_data["scheduler"] = scheduler
    dispatcher.startup.register(on_startup)
    hook_data = {"dispatcher": dispatcher, "bots": (bot,), **dispatcher.workflow_data}
    source: Poller | WebhookServer | None = None
    routes_runner: web.AppRunner | None = None
    warming = asyncio.create_task(warm_up(renderer), name="chart-workers-warm-up")
    try:
        source = await update_source(settings, dispatcher, bot, storage, redis,
                                     extra_routes=extra_routes)
        if isinstance(source, Poller) and extra_routes and settings.webapp_url:
            routes_runner = await serve(build_routes_app(dispatcher, bot, extra_routes),
                                        settings.webhook_host, settings.webhook_port)
        stop_on_signals(source)
        await delivery.release_abandoned()
        scheduler.start()
        await dispatcher.emit_startup(bot=bot, **hook_data)
        settle_heap()  # everything long-lived exists now: out of the collector's way
        await source.run()
    finally:
        try:
            if source is not None:
                await drain(source, scheduler, timeout=SHUTDOWN_TIMEOUT)
                if isinstance(source, Poller):
                    await source.confirm()
                else:
                    await source.close()
            if routes_runner is not None:
                await routes_runner.cleanup()
            # closes the FSM storage and the isolation (and so the Redis connections)
            await dispatcher.emit_shutdown(bot=bot, **hook_data)
        finally:
            warming.cancel()
            renderer.close()
            await bot.session.close()
            if redis is not None:
                await redis.aclose()
            await storage.close()
            log.info("stopped; database closed")


async def warm_up(renderer: Renderer) -> None:
    """Start the chart workers beside start-up, not at the first chart (bot.rendering)."""
    try:
        await renderer.warm()
    except Exception:  # they start at the first chart then, as without this
        log.exception("could not start the chart workers ahead")


def stop_on_signals(poller: Poller | WebhookServer) -> None:
    """SIGTERM and SIGINT stop taking updates; `run` then drains and closes everything."""
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        log.warning("received %s: stopping", sig.name)
        poller.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stop, sig)


async def on_startup(bot: Bot, settings: Settings, delivery: DigestDelivery,
                     scheduler: AsyncIOScheduler | None = None) -> None:
    me = await bot.get_me()
    await register_commands(bot, settings.default_language,
                            dashboard=settings.webapp_url is not None)
    log.info("bot @%s (id %s) started", me.username, me.id)
    # Digests that fell due while the bot was down go out now, once: the scheduler's own job
    # runs at once (not awaited here), so a stop signal during a long catch-up is honoured
    # and the job is drained like any other.
    if scheduler is not None and scheduler.get_job("deliver-due-digests") is not None:
        scheduler.modify_job("deliver-due-digests", next_run_time=datetime.now(UTC))
    else:
        await delivery.deliver_due()


async def drain(poller: Poller | WebhookServer, scheduler: AsyncIOScheduler, *,
                timeout: float) -> None:
    """Stop taking updates and scheduled work, let running handlers and jobs finish (at most
    `timeout` seconds), cancel what is left, and shut the scheduler down. Safe to call twice."""
    poller.stop()
    if scheduler.running:
        scheduler.pause()
    pending = set(poller.running()) | set(_running_jobs(scheduler))
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


def _running_jobs(scheduler: AsyncIOScheduler) -> list[asyncio.Future[object]]:
    futures: list[asyncio.Future[object]] = []
    for executor in getattr(scheduler, "_executors", {}).values():
        futures.extend(f for f in getattr(executor, "_pending_futures", ()) if not f.done())
    return futures
