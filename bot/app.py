"""Running the bot: storage, dispatcher, command menu, long polling, clean shutdown."""

from __future__ import annotations

import logging

from aiogram import Bot
from storage.fsm import SqliteFsmStorage

from bot.commands import register_commands
from bot.config import Settings
from bot.digest_job import DigestDelivery
from bot.factory import create_bot, create_dispatcher
from bot.rendering import Renderer
from bot.scheduler import create_scheduler
from storage import open_storage

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    token = settings.token()
    storage = open_storage(settings.database_url)
    await storage.connect()
    fsm_storage = SqliteFsmStorage(storage)
    bot = create_bot(token, settings.telegram_api_url)
    renderer = Renderer()
    delivery = DigestDelivery(bot, storage, renderer)
    scheduler = create_scheduler(delivery)
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
