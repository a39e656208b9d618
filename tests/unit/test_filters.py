"""Every filter in the bot's routers is checked inline: aiogram sends a sync filter (a bare
magic `F...`) through a thread pool, once per update, which a text message cannot afford."""

from __future__ import annotations

from aiogram import F
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import Chat, Message

from handlers import get_routers
from handlers.filters import PLAIN_TEXT, PRIVATE, Magic


def all_filters() -> list[tuple[str, FilterObject]]:
    found = []
    for router in get_routers():
        for name, observer in router.observers.items():
            for f in observer._handler.filters or []:
                found.append((f"{router.name}.{name} (router)", f))
            for handler in observer.handlers:
                for f in handler.filters or []:
                    found.append((f"{router.name}.{name}: {handler.callback.__name__}", f))
    return found


def test_no_filter_runs_in_a_thread() -> None:
    found = all_filters()
    assert len(found) > 50  # the walk really sees the routers
    sync = [where for where, f in found if not f.awaitable]
    assert sync == []


def message(text: str | None, chat_type: str = "private") -> Message:
    return Message.model_validate({
        "message_id": 1, "date": 0, "chat": Chat(id=1, type=chat_type).model_dump(),
        "text": text,
    })


async def test_magic_filters_mean_what_they_say() -> None:
    assert await PRIVATE(message("hi")) is True
    assert await PRIVATE(message("hi", "group")) is False
    assert await PLAIN_TEXT(message("охват 100")) is True
    assert await PLAIN_TEXT(message("/start")) is False
    assert await PLAIN_TEXT(message(None)) is False
    assert await Magic(F.text.as_("body"))(message("x")) == {"body": "x"}
