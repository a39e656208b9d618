"""The last line of defence: log the context (never business numbers or the token), apologise."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.i18n import Translator

router = Router(name=__name__)
log = logging.getLogger(__name__)


@router.errors()
async def on_error(event: ErrorEvent, t: Translator | None = None) -> bool:
    update = event.update
    user = None
    if update.message and update.message.from_user:
        user = update.message.from_user.id
    elif update.callback_query:
        user = update.callback_query.from_user.id
    log.error("unhandled %s in update %s (type=%s, user=%s)",
              type(event.exception).__name__, update.update_id, update.event_type, user,
              exc_info=event.exception)
    if t is None:
        return True
    try:
        if update.message:
            await update.message.answer(t("error-generic"))
        elif update.callback_query:
            await update.callback_query.answer(t("error-generic"), show_alert=True)
    except Exception:  # the apology itself failed (network, blocked): already logged above
        log.warning("could not tell user %s about the error", user)
    return True
