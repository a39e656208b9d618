"""Running the bot: storage, dispatcher, command menu, long polling, clean shutdown."""

from __future__ import annotations

import logging

from aiogram import Bot

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
    dispatcher.startup.register(on_startup)
    try:
        scheduler.start()
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        scheduler.shutdown(wait=False)
        renderer.close()
        await bot.session.close()
        await storage.close()
        log.info("stopped; database closed")


async def on_startup(bot: Bot, settings: Settings, delivery: DigestDelivery) -> None:
    me = await bot.get_me()
    await register_commands(bot, settings.default_language)
    log.info("bot @%s (id %s) started", me.username, me.id)
    # Digests that fell due while the bot was down go out now, once.
    await delivery.deliver_due()
