"""Telegram's refusals that mean "nothing to do" rather than a failure."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest

# A double tap, an edit of a message the user already deleted, an expired button: the user
# lost nothing, so they get no apology.
HARMLESS = ("message is not modified", "message to edit not found",
            "message to delete not found", "query is too old", "query id is invalid")


def is_harmless(error: BaseException) -> bool:
    return isinstance(error, TelegramBadRequest) and any(h in error.message.lower()
                                                         for h in HARMLESS)
