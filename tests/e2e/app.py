"""The real bot (Dispatcher, handlers, SQLite storage, renderer) wired against the fake."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation

from bot.commands import register_commands
from bot.config import Settings
from bot.delivery import RateLimiter
from bot.digest_job import DigestDelivery
from bot.factory import create_bot, create_dispatcher
from bot.reminder_job import ReminderJob
from bot.rendering import Renderer
from bot.throttle_budget import UserBudget
from bot.webhook import build_routes_app, serve
from storage import open_storage
from storage.fsm import open_fsm_storage
from storage.sqlite import SqliteStorage
from tests.botapi.fake import TelegramFake
from tests.botapi.harness import run_bot
from webapp.server import add_routes

WEBAPP_URL = "https://dashboard.example/app/"


@dataclass
class App:
    bot: Bot
    storage: SqliteStorage
    delivery: DigestDelivery
    reminders: ReminderJob
    settings: Settings
    # For feeding an update again by hand (a redelivery whose journal note was lost).
    dispatcher: Dispatcher | None = None
    web_url: str | None = None  # http://127.0.0.1:<port>, when started with webapp=True


@contextlib.asynccontextmanager
async def running_app(fake: TelegramFake, db_path: Path, *, default_language: str = "ru",
                      budget: UserBudget | None = None,
                      events_isolation: BaseEventIsolation | None = None,
                      raise_handler_errors: bool = True,
                      database_url: str | None = None,
                      webapp: bool = False, **settings_fields: object) -> AsyncIterator[App]:
    """The bot on the SQLite file `db_path`, or on `database_url` when given (PostgreSQL).
    Costly actions are throttled only with a `budget` (the tests about throttling).
    `webapp=True`: WEBAPP_URL is set and the Mini App is served on a free local port, from
    the same dispatcher data (storage, settings) as `bot.app.run` does in polling mode."""
    if webapp:
        settings_fields.setdefault("webapp_url", WEBAPP_URL)
    settings = Settings(bot_token=fake.token, telegram_api_url=fake.url,
                        database_url=database_url or f"sqlite:///{db_path}",
                        default_language=default_language, **settings_fields)
    storage = open_storage(settings.database_url)
    await storage.connect()
    # One worker thread renders, as one worker process does in production: figures are
    # reused per worker, never shared between two at once.
    executor = ThreadPoolExecutor(max_workers=1)
    renderer = Renderer(executor=executor)
    dispatcher = create_dispatcher(settings, storage, open_fsm_storage(storage),
                                   budget=budget, throttle=budget is not None,
                                   events_isolation=events_isolation,
                                   renderer=renderer)
    try:
        # The production Bot (create_bot: HTML by default, bounded retries of replies).
        async with run_bot(fake, dispatcher, bot=create_bot(fake.token, fake.url),
                           raise_handler_errors=raise_handler_errors) as bot:
            limiter = RateLimiter(per_second=1000, private_interval=0, group_interval=0)
            delivery = DigestDelivery(bot, storage, renderer, limiter,
                                      webapp_url=settings.webapp_url)
            dispatcher.workflow_data["delivery"] = delivery
            await register_commands(bot, default_language, dashboard=webapp)
            running = App(bot, storage, delivery,
                          ReminderJob(bot, storage, limiter, default_language), settings,
                          dispatcher)
            if not webapp:
                yield running
                return
            web = await serve(build_routes_app(dispatcher, bot, [add_routes]), "127.0.0.1", 0)
            try:
                port = web.addresses[0][1]
                running.web_url = f"http://127.0.0.1:{port}"
                yield running
            finally:
                await web.cleanup()
    finally:
        executor.shutdown(wait=True)
        await storage.close()
