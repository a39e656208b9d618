"""Keeping the garbage collector off the hot path.

After start-up the process holds some 270,000 long-lived objects — aiogram's Telegram types
and their pydantic validators, the routers, the translations, matplotlib's modules. A full
(generation 2) collection walks all of them, and under load one comes every few hundred
updates: measured here, full collections took about 30 % of the time of a burst of text
entries. `settle_heap()` collects once and then freezes what is alive (`gc.freeze()`), so
later collections only walk what updates allocate.

aiogram validates every API answer as `Response[T]`; pydantic keeps such generic classes in a
weak cache, so a collection may drop one and the next call rebuilds it (a few milliseconds).
The answers the bot reads all the time are built here, before the freeze, and kept; so are
the message catalogues (`bot.i18n.load_catalogues`), which would otherwise be parsed when the
first user of each language writes.
"""

from __future__ import annotations

import gc

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.methods.base import Response

from bot.i18n import load_catalogues
from bot.polling import RawGetUpdates

HOT_METHODS = (GetUpdates, RawGetUpdates, SendMessage, SendPhoto, SendDocument, AnswerCallbackQuery,
               EditMessageText, EditMessageReplyMarkup)
_kept: list[type] = []


def settle_heap() -> None:
    """Call once everything long-lived exists, just before serving updates."""
    if not _kept:
        _kept.extend(Response[method.__returning__] for method in HOT_METHODS)
    load_catalogues()
    gc.collect()
    gc.freeze()
