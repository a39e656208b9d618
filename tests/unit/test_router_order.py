"""Free-text entry runs before the other routers (it is the hot path), which is only right
while no other router takes a plain text message outside a dialog."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.types import Chat, Message, User

from handlers import entry, get_routers

TEXTS = ["охват 12 500, лиды 17", "reach 100", "привет", "@channel", "12 500", "/", " /start"]


def message(text: str, chat_type: str = "private") -> Message:
    return Message.model_validate({
        "message_id": 1, "date": 0, "text": text,
        "chat": Chat(id=5, type=chat_type).model_dump(),
        "from": User(id=5, is_bot=False, first_name="U").model_dump(),
    })


@pytest.mark.parametrize("text", TEXTS)
async def test_only_entry_takes_plain_text_outside_a_dialog(text: str) -> None:
    bot = Bot("42:TEST")
    event = message(text)
    takers = []
    for router in get_routers():
        observer = router.observers["message"]
        if not (await observer._handler.check(event, raw_state=None, bot=bot))[0]:
            continue
        for handler in observer.handlers:
            if (await handler.check(event, raw_state=None, bot=bot))[0]:
                takers.append(f"{router.name}:{handler.callback.__name__}")
    mine = f"{entry.router.name}:numbers_message"
    if text.lstrip().startswith("/"):  # a command: whoever handles it, never the entry
        assert mine not in takers
    else:
        assert takers == [mine]
    await bot.session.close()


def test_entry_is_the_first_feature_router() -> None:
    names = [r.name for r in get_routers()]
    assert names.index(entry.router.name) == 1  # after the error router only
