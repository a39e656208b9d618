"""Taking a message's inline buttons away once they were used."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from bot.telegram_errors import is_harmless


async def remove_buttons(message: Message) -> None:
    """Remove the inline keyboard. Already gone — a double tap, or the same tap delivered
    again after a restart — is fine: the handler goes on with its work."""
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        if not is_harmless(exc):
            raise
