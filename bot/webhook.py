"""Webhook mode: Telegram POSTs each update to the aiohttp server of one of several instances.

`build_web_app` makes the aiohttp Application: `POST /webhook` for Telegram, `GET /healthz`
(the process is alive) and `GET /readyz` (database and Redis answer; 503 otherwise, and while
stopping) for the load balancer, plus whatever `extra_routes` add (the Mini App API mounts
itself there: `build_web_app(..., extra_routes=[webapp.add_routes])`). In long polling with
WEBAPP_URL set, `build_routes_app` makes an Application with only the extra routes.

Exactly once across instances:
- A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 401 and reaches nothing.
- The answer to Telegram goes out only after the update was handled and noted in the update
  journal (the shared database), so an instance killed mid-handler never answers and Telegram
  delivers the update again — possibly to another instance.
- `UpdateOnce` (an update middleware, inside aiogram's event isolation lock) skips an update the
  journal already has. With Redis the lock is per user across instances (RedisEventIsolation),
  so a retry that arrives while the first instance still handles the update waits for it and
  is then skipped; the lock of a killed instance expires after REDIS_LOCK_TIMEOUT seconds.
- While stopping, new updates get 503 (Telegram retries them elsewhere); the ones in flight
  finish (`running()`, drained by `bot.app.drain`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from storage.base import Storage

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
PROBE_TIMEOUT = 3.0  # seconds a readiness probe may take
JOURNAL_KEEP = 25 * 3600.0  # Telegram gives up on an update after 24 h: older notes can go
JOURNAL_PRUNE_INTERVAL = 3600.0

# Set (in the update's task) when the journal could not be read or written: the webhook then
# answers 500, so Telegram delivers the update again instead of it being lost or doubled.
JOURNAL_FAILED: ContextVar[bool] = ContextVar("journal_failed", default=False)

Probe = Callable[[], Awaitable[object]]
RouteHook = Callable[[web.Application], None]
# What a route hook finds on the Application: the bot (its token signs Mini App initData) and
# the dispatcher's workflow data (settings, storage, ...), so it shares them with the handlers.
BOT_KEY = web.AppKey("bot", Bot)
WORKFLOW_KEY = web.AppKey("workflow", dict)


class UpdateOnce(BaseMiddleware):
    """Runs each update_id's handlers once across instances: skips what the journal has, notes
    what finished (a handler that raises counts as handled, as in `bot.polling`)."""

    def __init__(self, journal: Storage, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.journal = journal
        self._clock = clock
        self._highest = 0
        self._marks: deque[tuple[float, int]] = deque()  # (when, highest update_id by then)
        self._pruned_at = clock()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        try:
            if await self.journal.update_was_handled(update_id):
                log.info("update %d: already handled (a retry); skipped", update_id)
                return None
        except Exception:  # the database is away: do nothing, let Telegram retry
            log.exception("update %d: could not read the update journal", update_id)
            JOURNAL_FAILED.set(True)
            return None
        try:  # a handler that raises counts as handled (the errors router apologises)
            return await handler(event, data)
        finally:
            try:
                await self.journal.mark_update_handled(update_id)
                await self._prune(update_id)
            except Exception:  # not noted: Telegram must deliver it again
                log.exception("update %d: could not note it as handled", update_id)
                JOURNAL_FAILED.set(True)

    async def _prune(self, update_id: int) -> None:
        """Update ids only grow: forget the ones that were the highest more than a day ago."""
        now = self._clock()
        self._highest = max(self._highest, update_id)
        if now - self._pruned_at < JOURNAL_PRUNE_INTERVAL:
            return
        self._pruned_at = now
        self._marks.append((now, self._highest))
        below = None
        while self._marks and now - self._marks[0][0] > JOURNAL_KEEP:
            below = self._marks.popleft()[1]
        if below is not None:
            await self.journal.forget_updates_below(below + 1)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's request handler, but answering only after the update was handled (no 55 s
    switch to the background), refusing new updates while stopping, and tracking what runs."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str, **data: Any) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False,
                         secret_token=secret_token, **data)
        self.stopping = False
        self._tasks: set[asyncio.Task[bool]] = set()

    def running(self) -> list[asyncio.Task[bool]]:
        return [task for task in self._tasks if not task.done()]

    def stop(self) -> None:
        self.stopping = True

    async def close(self) -> None:
        """The bot session belongs to `bot.app.run`, which closes it last."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        if self.stopping:
            return web.Response(status=503, text="stopping")
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except ValueError:
            return web.Response(status=400, text="not an update")
        task = asyncio.create_task(self._feed(bot, update), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # shield: a client that hangs up must not cancel the handler half-way
        if not await asyncio.shield(task):
            return web.Response(status=500, text="not handled; deliver again")
        return web.json_response({})

    async def _feed(self, bot: Bot, update: Update) -> bool:
        """Handle the update; False when it must come again (see JOURNAL_FAILED)."""
        try:
            result = await self.dispatcher.feed_update(bot, update, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot, result)
        except Exception:  # raised past the errors router: handled, as in bot.polling
            log.exception("update %d: handling failed", update.update_id)
        return not JOURNAL_FAILED.get()


def build_web_app(dispatcher: Dispatcher, bot: Bot, *, secret: str,
                  probes: Sequence[Probe] = (),
                  extra_routes: Sequence[RouteHook] = (),
                  **data: Any) -> tuple[web.Application, WebhookHandler]:
    """The aiohttp Application of webhook mode (see the module docstring) and its update
    handler (for `stop()`/`running()`). `extra_routes` each add routes to the Application."""
    app = web.Application()
    app[BOT_KEY], app[WORKFLOW_KEY] = bot, dispatcher.workflow_data
    handler = WebhookHandler(dispatcher, bot, secret, **data)
    handler.register(app, path=WEBHOOK_PATH)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_request: web.Request) -> web.Response:
        if handler.stopping:
            return web.json_response({"ok": False, "error": "stopping"}, status=503)
        for probe in probes:
            try:
                await asyncio.wait_for(probe(), PROBE_TIMEOUT)
            except Exception as exc:
                log.warning("readiness probe failed: %s", type(exc).__name__)
                return web.json_response({"ok": False, "error": type(exc).__name__},
                                         status=503)
        return web.json_response({"ok": True})

    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
    for add_routes in extra_routes:
        add_routes(app)
    return app, handler


def build_routes_app(dispatcher: Dispatcher, bot: Bot,
                     extra_routes: Sequence[RouteHook]) -> web.Application:
    """Long polling with the Mini App on: an aiohttp Application with no webhook, only
    `GET /healthz` and the `extra_routes` (`bot.app.run` serves it on WEBHOOK_HOST:PORT)."""
    app = web.Application()
    app[BOT_KEY], app[WORKFLOW_KEY] = bot, dispatcher.workflow_data

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get(HEALTH_PATH, healthz)
    for add_routes in extra_routes:
        add_routes(app)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start listening; the caller cleans the runner up."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web server listening on %s:%d", host, port)
    return runner


class WebhookServer:
    """Serves `build_web_app` on host:port until `stop()`; the same interface as
    `bot.polling.Poller` (`run`, `stop`, `running`) so `bot.app` drains either alike."""

    def __init__(self, app: web.Application, handler: WebhookHandler, host: str, port: int
                 ) -> None:
        self.app, self.handler, self.host, self.port = app, handler, host, port
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()

    def running(self) -> list[asyncio.Task[bool]]:
        return self.handler.running()

    def stop(self) -> None:
        self.handler.stop()
        self._stop.set()

    async def start(self) -> None:
        self._runner = await serve(self.app, self.host, self.port)

    async def run(self) -> None:
        await self._stop.wait()

    async def close(self) -> None:
        """After the drain: stop listening (open connections get a short grace)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
