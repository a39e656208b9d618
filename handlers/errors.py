"""The last line of defence: log the context (never business numbers or the token), apologise."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import Translator
from bot.telegram_errors import is_harmless
from storage.models import Membership

router = Router(name=__name__)
log = logging.getLogger(__name__)



@router.errors()
async def on_error(event: ErrorEvent, t: Translator | None = None,
                   membership: Membership | None = None) -> bool:
    update = event.update
    error = event.exception
    user = None
    if update.message and update.message.from_user:
        user = update.message.from_user.id
    elif update.callback_query:
        user = update.callback_query.from_user.id
    project = membership.project.id if membership else None
    if is_harmless(error):
        log.info("ignored %r in update %s (type=%s, user=%s, project=%s)", error.message,
                 update.update_id, update.event_type, user, project)
        return True
    log.error("unhandled %s in update %s (type=%s, user=%s, project=%s)",
              type(error).__name__, update.update_id, update.event_type, user, project,
              exc_info=error)
    if t is None:
        return True
    if not update.message:  # a button press got its apology from bot.callback_answers
        return True
    try:
        await update.message.answer(t("error-generic"))
    except TelegramAPIError:  # the apology itself failed (network, blocked): already logged
        log.warning("could not tell user %s about the error", user)
    return True
