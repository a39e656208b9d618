"""bot.polling.Poller in-process against the Bot API fake (real HTTP, a real aiogram
Dispatcher and Bot): the offset it confirms never passes an update whose handler still runs,
handlers stay concurrent, a redelivered update is not started twice, polling does not spin,
stop/confirm behave as bot.app's shutdown needs, errors are retried. The process-level crash
tests built on this are in test_crash.py."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiogram import Dispatcher
from aiogram.types import Message, Update
from aiogram.utils.backoff import BackoffConfig

from bot.polling import BUSY_POLL_INTERVAL, NOTE_GATHER, Poller
from storage.sqlite import SqliteStorage
from tests.botapi.fake import TelegramFake
from tests.botapi.harness import make_bot

ANNA, BORIS = 1001, 1002


@dataclass
class Handlers:
    """Messages "hold" wait for `release`; "fail" raises; anything else is answered at once."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    calls: Counter[int] = field(default_factory=Counter)

    def dispatcher(self) -> Dispatcher:
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def handle(message: Message, event_update: Update) -> None:
            self.calls[event_update.update_id] += 1
            if message.text == "hold":
                await self.release.wait()
            elif message.text == "fail":
                raise RuntimeError("handler bug")
            await message.answer(f"done {message.text}")

        return dispatcher


@dataclass
class Running:
    fake: TelegramFake
    poller: Poller
    handlers: Handlers
    task: asyncio.Task[None]


@pytest.fixture
async def polling(botapi: TelegramFake) -> AsyncIterator[Running]:
    botapi.add_user(ANNA, "Anna", language_code="en")
    botapi.add_user(BORIS, "Boris", language_code="en")
    handlers = Handlers()
    bot = make_bot(botapi)
    poller = Poller(handlers.dispatcher(), bot, timeout=1,
                    backoff=BackoffConfig(min_delay=0.05, max_delay=0.2, factor=1.5, jitter=0))
    task = asyncio.create_task(poller.run())
    try:
        yield Running(botapi, poller, handlers, task)
    finally:
        handlers.release.set()
        poller.stop()
        await asyncio.wait_for(task, 5)
        for handler in poller.running():
            handler.cancel()
        await bot.session.close()


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def answered(fake: TelegramFake, user: int) -> list[str]:
    return [m.text or "" for m in fake.bot_messages(user)]


async def test_the_offset_stops_at_the_lowest_running_update(polling: Running) -> None:
    fake, handlers = polling.fake, polling.handlers
    held = fake.push_message(ANNA, "hold")
    await until(lambda: handlers.calls[held])
    quick = [fake.push_message(BORIS, f"quick {i}") for i in range(3)]
    await until(lambda: len(answered(fake, BORIS)) == 3)  # handled meanwhile: concurrent
    polls = len(fake.get_updates_calls)
    await asyncio.sleep(1.0)
    assert fake.confirmed_offset == held  # Telegram keeps the held one and all after it
    # It keeps delivering them; none is started twice, and polling does not spin.
    assert 2 <= len(fake.get_updates_calls) - polls <= 1.0 / BUSY_POLL_INTERVAL + 3
    assert all(handlers.calls[u] == 1 for u in (held, *quick))

    handlers.release.set()
    await until(lambda: fake.confirmed_offset == quick[-1] + 1)
    assert answered(fake, ANNA) == ["done hold"]
    assert all(handlers.calls[u] == 1 for u in (held, *quick))


async def test_a_full_page_is_not_fetched_again_before_the_offset_moves(
        polling: Running) -> None:
    fake, handlers = polling.fake, polling.handlers
    held = [fake.push_message(ANNA, "hold") for _ in range(120)]  # more than one page
    await until(lambda: sum(handlers.calls.values()) == 100)
    await asyncio.sleep(BUSY_POLL_INTERVAL / 2)
    page = next(c for c in fake.get_updates_calls if c.result)
    later = [c for c in fake.get_updates_calls if c.seq > page.seq]
    # The next poll could only bring the same 100 again: none is sent before the lowest is
    # done (or BUSY_POLL_INTERVAL passed: a hung handler must not stop the bot for good).
    assert len(page.result) == 100 and later == []
    assert not any(handlers.calls[u] for u in held[100:])
    handlers.release.set()
    await until(lambda: fake.confirmed_offset == held[-1] + 1)
    assert all(handlers.calls[u] == 1 for u in held)


async def test_a_failing_handler_counts_as_handled(polling: Running) -> None:
    fake = polling.fake
    failed = fake.push_message(ANNA, "fail")
    await until(lambda: fake.confirmed_offset > failed)
    later = fake.push_message(ANNA, "after")
    await until(lambda: fake.confirmed_offset > later)
    assert answered(fake, ANNA) == ["done after"]
    assert polling.handlers.calls[failed] == 1


async def test_stop_takes_no_more_updates_and_confirm_covers_only_finished_ones(
        polling: Running) -> None:
    fake, poller, handlers = polling.fake, polling.poller, polling.handlers
    held = fake.push_message(ANNA, "hold")
    quick = fake.push_message(BORIS, "quick")
    await until(lambda: handlers.calls[held] and answered(fake, BORIS))
    began = time.monotonic()
    poller.stop()
    await asyncio.wait_for(polling.task, 2)
    assert time.monotonic() - began < 1.0
    late = fake.push_message(BORIS, "too late")
    await asyncio.sleep(0.3)
    assert handlers.calls[late] == 0
    # The caller drains the handlers, then confirms.
    [running] = poller.running()
    handlers.release.set()
    await asyncio.wait_for(running, 2)
    await poller.confirm()
    assert fake.confirmed_offset == quick + 1  # the late one stays for the next start
    assert [u["update_id"] for u in fake.pending_updates] == [late]


async def test_a_cancelled_handler_stays_unconfirmed(polling: Running) -> None:
    fake, poller, handlers = polling.fake, polling.poller, polling.handlers
    done = fake.push_message(BORIS, "quick")
    await until(lambda: answered(fake, BORIS))
    held = fake.push_message(ANNA, "hold")
    await until(lambda: handlers.calls[held])
    poller.stop()
    await asyncio.wait_for(polling.task, 2)
    [running] = poller.running()
    running.cancel()  # what bot.app.drain does after SHUTDOWN_TIMEOUT
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await poller.confirm()
    assert fake.confirmed_offset == held > done
    assert [u["update_id"] for u in fake.pending_updates] == [held]


async def test_a_hung_handler_stops_holding_the_offset_after_max_hold(
        polling: Running) -> None:
    fake, poller, handlers = polling.fake, polling.poller, polling.handlers
    poller.max_hold = 0.5
    held = fake.push_message(ANNA, "hold")
    quick = fake.push_message(BORIS, "quick")
    await until(lambda: answered(fake, BORIS))
    # the poll after the one that brought both confirms up to the hung one, not past it
    await until(lambda: fake.confirmed_offset == held)
    await until(lambda: fake.confirmed_offset == quick + 1, 3)
    assert poller.running() and handlers.calls[held] == 1


async def test_lost_connections_to_getupdates_are_retried(polling: Running) -> None:
    fake = polling.fake
    await until(lambda: fake.get_updates_calls)
    fake.inject("getUpdates", "drop", 3)
    fake.inject("getUpdates", 502)
    update_id = fake.push_message(ANNA, "after the outage")
    await until(lambda: answered(fake, ANNA))
    await until(lambda: fake.confirmed_offset > update_id)
    assert polling.handlers.calls[update_id] == 1
    assert sum(1 for c in fake.get_updates_calls if c.ok is False) >= 4



@dataclass
class RecordingJournal:
    """The update journal of a real SQLite storage, recording each note it is asked for."""

    storage: SqliteStorage
    notes: list[list[int]] = field(default_factory=list)

    async def mark_updates_handled(self, update_ids: Sequence[int]) -> None:
        self.notes.append(list(update_ids))
        await self.storage.mark_updates_handled(update_ids)

    async def handled_updates(self) -> set[int]:
        return await self.storage.handled_updates()

    async def forget_updates_below(self, update_id: int) -> None:
        await self.storage.forget_updates_below(update_id)


async def test_handlers_that_finish_together_share_one_journal_note(
        botapi: TelegramFake, tmp_path: Path) -> None:
    botapi.add_user(ANNA, "Anna", language_code="en")
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    journal = RecordingJournal(storage)
    handlers = Handlers()
    bot = make_bot(botapi)
    poller = Poller(handlers.dispatcher(), bot, timeout=1, journal=journal)
    task = asyncio.create_task(poller.run())
    try:
        held = [botapi.push_message(ANNA, "hold") for _ in range(30)]
        await until(lambda: all(handlers.calls[u] for u in held))
        handlers.release.set()  # all 30 go on in the same turn of the event loop
        await until(lambda: len(answered(botapi, ANNA)) == 30)
        await until(lambda: sum(map(len, journal.notes)) == 30 and not poller.running())
        assert sorted(u for note in journal.notes for u in note) == held  # each noted once
        assert len(journal.notes) < 10  # not one write per update
    finally:
        handlers.release.set()
        poller.stop()
        await asyncio.wait_for(task, 5)
        await bot.session.close()
        await storage.close()


async def test_handlers_that_finish_one_by_one_share_a_journal_note(
        botapi: TelegramFake, tmp_path: Path) -> None:
    """Updates that come a few milliseconds apart end their handlers one by one, each in a
    turn of its own: their notes gather for NOTE_GATHER, not one write (one transaction) per
    update. A stop right after writes what was gathered without waiting out the rest."""
    botapi.add_user(ANNA, "Anna", language_code="en")
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    journal = RecordingJournal(storage)
    bot = make_bot(botapi)
    poller = Poller(Handlers().dispatcher(), bot, timeout=1, journal=journal)
    task = asyncio.create_task(poller.run())
    try:
        pushed = []
        for i in range(10):
            pushed.append(botapi.push_message(ANNA, f"n{i}"))
            await until(lambda: len(answered(botapi, ANNA)) == len(pushed))
        await until(lambda: sum(map(len, journal.notes)) == 10)
        assert sorted(u for note in journal.notes for u in note) == pushed
        assert len(journal.notes) <= 4, journal.notes
        last = botapi.push_message(ANNA, "last")
        await until(lambda: len(answered(botapi, ANNA)) == 11)
        started = time.monotonic()
        poller.stop()
        await asyncio.wait_for(task, 5)
        await asyncio.wait_for(asyncio.gather(*poller.running()), 5)
        assert journal.notes[-1] == [last]
        assert time.monotonic() - started < NOTE_GATHER / 2
    finally:
        poller.stop()
        await asyncio.wait_for(task, 5)
        await bot.session.close()
        await storage.close()
