"""Telegram faults on the replies handlers send: 429 bursts, 5xx, dropped connections and slow
answers are retried within bounds (bot.retry) while everyone else is served; a final error is
not retried and costs no number."""

from __future__ import annotations

import asyncio
import time

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard

ANNA, BORIS = 1001, 1002
SAVED = "Записал за неделю"


async def two_users(botapi: TelegramFake, app: App) -> tuple[TgUser, TgUser, int]:
    anna = TgUser(botapi, ANNA, "Анна", language_code="ru")
    boris = TgUser(botapi, BORIS, "Boris", language_code="en")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project = (await app.storage.list_memberships(ANNA))[0].project
    return anna, boris, project.id


def attempts(botapi: TelegramFake, chat_id: int, since: int) -> list[int | None]:
    return [c.error_code for c in botapi.calls_to("sendMessage")[since:]
            if str(c.chat_id) == str(chat_id)]


async def test_429_burst_on_a_reply_is_waited_out_and_others_are_served(
        botapi: TelegramFake, app: App) -> None:
    anna, boris, project_id = await two_users(botapi, app)
    before = len(botapi.calls_to("sendMessage"))
    botapi.inject("sendMessage", 429, count=2, retry_after=1, chat_id=ANNA)
    started = time.monotonic()
    entry = asyncio.create_task(anna.send("лиды 17", timeout=15))
    help_reply = await boris.send("/help")  # answered while Anna's reply waits
    assert "What I can do" in help_reply[-1].text
    replies = await entry
    assert SAVED in replies[-1].text
    assert time.monotonic() - started >= 2  # each retry_after was respected
    assert attempts(botapi, ANNA, before) == [429, 429, None]
    assert [v.value for v in await app.storage.get_values(project_id)] == [17]


async def test_5xx_and_dropped_connections_are_retried(botapi: TelegramFake, app: App) -> None:
    anna, _, project_id = await two_users(botapi, app)
    before = len(botapi.calls_to("sendMessage"))
    botapi.inject("sendMessage", 502, count=1, chat_id=ANNA)
    botapi.inject("sendMessage", "drop", count=1, chat_id=ANNA)
    replies = await anna.send("охват 12 500", timeout=15)
    assert SAVED in replies[-1].text
    assert attempts(botapi, ANNA, before)[0] == 502
    assert attempts(botapi, ANNA, before)[-1] is None
    assert [v.value for v in await app.storage.get_values(project_id)] == [12500]


async def test_a_slow_answer_for_one_user_does_not_hold_up_another(
        botapi: TelegramFake, app: App) -> None:
    anna, boris, _ = await two_users(botapi, app)
    await boris.send("/start")
    botapi.inject("sendMessage", "delay", count=1, delay=3, chat_id=ANNA)
    entry = asyncio.create_task(anna.send("лиды 5", timeout=15))
    await asyncio.sleep(0.3)  # Anna's reply is on its slow way
    answers = len(botapi.bot_messages(BORIS))
    started = time.monotonic()
    botapi.push_message(BORIS, "/help")
    while len(botapi.bot_messages(BORIS)) == answers:
        assert time.monotonic() - started < 2, "Boris waited for Anna's slow answer"
        await asyncio.sleep(0.01)
    assert not entry.done()
    assert SAVED in (await entry)[-1].text


async def test_a_long_ban_or_a_final_error_is_not_retried(botapi: TelegramFake, app: App) -> None:
    anna, boris, project_id = await two_users(botapi, app)
    before = len(botapi.calls_to("sendMessage"))
    # Telegram asks to wait longer than a handler should: given up at once, the number kept.
    botapi.inject("sendMessage", 429, count=2, retry_after=60, chat_id=ANNA)
    await anna.send("лиды 9", timeout=15)
    assert [v.value for v in await app.storage.get_values(project_id)] == [9]
    assert attempts(botapi, ANNA, before)[0] == 429
    assert len([c for c in attempts(botapi, ANNA, before) if c == 429]) <= 2
    # A 400 is final: one attempt, no retry storm.
    before = len(botapi.calls_to("sendMessage"))
    botapi.inject("sendMessage", 400, count=1, chat_id=BORIS,
                  description="Bad Request: chat not found")
    await boris.send("/help")
    assert attempts(botapi, BORIS, before)[0] == 400
    assert len([c for c in attempts(botapi, BORIS, before) if c == 400]) == 1
