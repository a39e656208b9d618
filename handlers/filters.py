"""Magic filters evaluated in place.

aiogram runs any filter that is not a coroutine — a bare `F.text` included — through
`asyncio.to_thread`: a thread-pool round trip per filter per update, which for a plain text
message added up to more than the handler's own work. `Magic(F...)` is the same magic filter
as an async `Filter`, so it is checked inline. Every handler and router filter in `handlers/`
is async (tests/unit/test_filters.py walks the routers to keep it so).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        result = self.magic.resolve(event)
        return result if isinstance(result, dict) else bool(result)

    def __str__(self) -> str:
        return f"Magic({self.magic!r})"


PRIVATE = Magic(F.chat.type == "private")
TEXT = Magic(F.text)


async def _plain_text(message: Message) -> bool:
    text = message.text
    return bool(text) and not text.lstrip().startswith("/")


# Text that is not a command (aiogram's Command also reads " /start" as one): what free-text
# entry and dialog steps take. A plain coroutine: the hottest filter of all.
PLAIN_TEXT = _plain_text
DOCUMENT = Magic(F.document)
