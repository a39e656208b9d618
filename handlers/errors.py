"""The last line of defence: log the context (never business numbers or the token), apologise."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import ErrorEvent

from bot.i18n import Translator
from storage.models import Membership

router = Router(name=__name__)
log = logging.getLogger(__name__)

# Telegram's answers that mean "nothing to do": a double tap, an edit of a message the user
# already deleted, an expired button. The user lost nothing, so they get no apology.
HARMLESS = ("message is not modified", "message to edit not found",
            "message to delete not found", "query is too old", "query id is invalid")


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
    if isinstance(error, TelegramBadRequest) and any(h in error.message.lower()
                                                     for h in HARMLESS):
        log.info("ignored %r in update %s (type=%s, user=%s, project=%s)", error.message,
                 update.update_id, update.event_type, user, project)
        return True
    log.error("unhandled %s in update %s (type=%s, user=%s, project=%s)",
              type(error).__name__, update.update_id, update.event_type, user, project,
              exc_info=error)
    if t is None:
        return True
    try:
        if update.message:
            await update.message.answer(t("error-generic"))
        elif update.callback_query:
            await update.callback_query.answer(t("error-generic"), show_alert=True)
    except TelegramAPIError:  # the apology itself failed (network, blocked): already logged
        log.warning("could not tell user %s about the error", user)
    return True
