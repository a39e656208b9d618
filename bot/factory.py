"""Wiring: a Bot for the configured API server and a Dispatcher with every router,
middleware and service injected."""

from __future__ import annotations

import orjson
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.access import ProjectAccessMiddleware
from bot.callback_answers import CallbackAnswers
from bot.config import Settings
from bot.middlewares import ContextMiddleware
from bot.model_speedup import speed_up_models
from bot.retry import RetryRequests
from bot.session import JsonBodySession
from bot.throttle_budget import LocalBudget, UserBudget
from bot.throttling import ThrottlingMiddleware
from bot.webhook import UpdateOnce
from handlers import get_routers
from storage.base import Storage


def create_bot(token: str, api_url: str) -> Bot:
    speed_up_models()  # every update and answer this bot parses (bot.model_speedup)
    session = JsonBodySession(api=TelegramAPIServer.from_base(api_url),
                               json_loads=orjson.loads, json_dumps=json_text)
    session.middleware(RetryRequests())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def json_text(value: object) -> str:
    """orjson for the Bot API's JSON (every update and answer is parsed, every reply markup
    written): several times faster than the standard library, the same JSON."""
    return orjson.dumps(value).decode()


def create_dispatcher(settings: Settings, storage: Storage, fsm_storage: BaseStorage,
                      *, budget: UserBudget | None = None, throttle: bool = True,
                      events_isolation: BaseEventIsolation | None = None,
                      once_per_update: bool = False, **services: object) -> Dispatcher:
    # One user's updates are handled one at a time, so dialog steps never race each other
    # (across instances too with bot.scaling's RedisEventIsolation).
    dispatcher = Dispatcher(storage=fsm_storage,
                            events_isolation=events_isolation or SimpleEventIsolation())
    dispatcher.workflow_data.update(settings=settings, storage=storage, **services)
    if once_per_update:  # webhook mode: inside the isolation lock, before anything else
        dispatcher.update.outer_middleware(UpdateOnce(storage))
    dispatcher.update.outer_middleware(ContextMiddleware())
    # Outer: every press is answered exactly once, even one no handler takes.
    dispatcher.callback_query.outer_middleware(CallbackAnswers())
    access = ProjectAccessMiddleware()
    dispatcher.message.middleware(access)
    dispatcher.callback_query.middleware(access)
    if throttle:  # off only in tests that are not about throttling
        # In this process unless given one (bot.scaling: shared through Redis).
        throttling = ThrottlingMiddleware(LocalBudget() if budget is None else budget)
        dispatcher.message.middleware(throttling)
        dispatcher.callback_query.middleware(throttling)
    dispatcher.include_routers(*get_routers())
    return dispatcher
