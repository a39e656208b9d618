"""The parts that change when several instances run: Redis-backed dialog state, per-user event
isolation, send limiter and throttle budget when REDIS_URL is set, in-process ones otherwise;
the webhook server when WEBHOOK_URL is set, long polling otherwise. The Redis client and the
parts built on it are imported only when REDIS_URL is set: a single instance never loads
them (7 MB of the main process)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.config import Settings
from bot.delivery import RateLimiter, SendLimiter
from bot.polling import Poller
from bot.throttle_budget import LocalBudget, UserBudget
from bot.webhook import WEBHOOK_PATH, RouteHook, WebhookServer, build_web_app
from storage.base import Storage
from storage.fsm import open_fsm_storage

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


def connect_redis(settings: Settings) -> Redis | None:
    if settings.redis_url is None or not settings.redis_url.get_secret_value():
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url.get_secret_value())


def dialog_storage(settings: Settings, storage: Storage, redis: Redis | None
                   ) -> tuple[BaseStorage, BaseEventIsolation]:
    """Dialog state and per-user ordering: in Redis (shared by every instance), else in the
    database with in-process isolation (one instance)."""
    if redis is None:
        return open_fsm_storage(storage), SimpleEventIsolation()
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage

    keys = DefaultKeyBuilder(prefix=f"{settings.redis_prefix}:fsm")
    isolation = RedisEventIsolation(redis, key_builder=keys,
                                    lock_kwargs={"timeout": settings.redis_lock_timeout})
    return RedisStorage(redis, key_builder=keys), isolation


def send_limiter(settings: Settings, redis: Redis | None) -> SendLimiter:
    if redis is None:
        return RateLimiter()
    from bot.redis_limiter import RedisRateLimiter

    return RedisRateLimiter(redis, settings.redis_prefix)


def throttle_budget(settings: Settings, redis: Redis | None) -> UserBudget:
    """Each user's budget of costly actions: one per user across all instances with Redis."""
    if redis is None:
        return LocalBudget()
    from bot.redis_throttle import RedisBudget

    return RedisBudget(redis, settings.redis_prefix)


async def update_source(settings: Settings, dispatcher: Dispatcher, bot: Bot, storage: Storage,
                        redis: Redis | None, extra_routes: Sequence[RouteHook] = ()
                        ) -> Poller | WebhookServer:
    """Long polling, or (WEBHOOK_URL) the webhook server, listening and registered with
    Telegram. Every instance sets the same webhook; none deletes it on stop, because the
    others still serve it (a rolling restart must not lose updates)."""
    allowed = dispatcher.resolve_used_update_types()
    if not settings.webhook_mode:
        return Poller(dispatcher, bot, allowed_updates=allowed, journal=storage)
    assert settings.webhook_secret is not None and settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value()
    probes = [storage.ping] + ([redis.ping] if redis is not None else [])
    app, handler = build_web_app(dispatcher, bot, secret=secret, probes=probes,
                                 extra_routes=extra_routes)
    server = WebhookServer(app, handler, settings.webhook_host, settings.webhook_port)
    await server.start()
    await bot.set_webhook(settings.webhook_url + WEBHOOK_PATH, secret_token=secret,
                          allowed_updates=allowed, drop_pending_updates=False)
    log.info("webhook set (allowed: %s)", allowed)
    return server
