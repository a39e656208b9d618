"""Crash suite: the real bot process (`python -m bot run`) against the loopback Bot API fake,
killed with SIGKILL at chosen points and restarted, stopped with SIGTERM, backed up while it
writes. The database is read directly with sqlite3, never through the bot.

How a crash point is staged: the fake confirms an update only when a getUpdates carries a
higher offset, and the bot (`bot.polling`) sends that offset only once the update's handler
finished. A reply held back by the fake (injected delay or drop) therefore keeps the handler —
and the update — in flight; a delayed getUpdates keeps even a finished update unconfirmed.
Killing the process then makes the fake deliver the same update_id again to the restarted
bot — exactly what Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from handlers.callbacks import GoalCb, KpiCb, TargetCb, TzCb
from storage.models import ProjectKpi
from storage.sqlite import SqliteStorage
from tests.botapi.fake import TelegramFake
from tests.paths import PACKAGE_ROOT

USER = 1001
SAVED = "Saved for the week"
UNDONE = "Undone:"
STOP_BOUND = 20.0  # seconds a SIGTERM may take (bot.app.SHUTDOWN_TIMEOUT plus start-up)
# The bot processes' digest lease (tick every 5 s, heartbeat every 3.3 s): short, so a killed
# process's claim is taken over within seconds; long enough for a loaded 2-core CI machine.
DIGEST_LEASE_SECONDS = 10


async def wait_for(predicate: Callable[[], object], timeout: float = 10.0,
                   what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


class BotProcess:
    """`python -m bot run` as a child process, pointed at the fake and a database file."""

    def __init__(self, fake: TelegramFake, db: Path, workdir: Path) -> None:
        self.fake, self.db, self.workdir = fake, db, workdir
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.log = workdir / "bot.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL")}
        env.update(BOT_TOKEN=self.fake.token, TELEGRAM_API_URL=self.fake.url,
                   DATABASE_URL=f"sqlite:///{self.db}", DEFAULT_LANGUAGE="en",
                   LOG_LEVEL="INFO", PYTHONPATH=str(PACKAGE_ROOT),
                   # a killed process's digest claim is taken over within seconds, not minutes
                   DIGEST_LEASE_SECONDS=str(DIGEST_LEASE_SECONDS))
        return env

    async def start(self, *, wait: bool = True) -> None:
        """Start the process; with `wait`, return once it polls for updates."""
        assert self.proc is None or self.proc.returncode is not None
        polls = len(self.fake.get_updates_calls)
        with open(self.log, "a") as log:
            log.write(f"\n===== start #{self.starts + 1}\n")
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env(), cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)  # its own process group, with its render workers
        self.starts += 1
        if not wait:
            return
        try:
            await wait_for(lambda: len(self.fake.get_updates_calls) > polls
                           or self.proc.returncode is not None, 30, "the bot to start polling")
        except AssertionError as slow:
            raise AssertionError(f"{slow}; its stacks:\n{await self.stacks()}") from None
        assert self.proc.returncode is None, self.output()
        await asyncio.sleep(0.2)  # let the first long poll pass the fake's fault check

    async def stacks(self) -> str:
        """Every thread's stack, dumped by the bot on SIGUSR1 (bot.cli), with the log tail."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGUSR1)
            await asyncio.sleep(1.0)
        return self.output()[-12000:]

    async def kill(self) -> None:
        """SIGKILL the bot and its render worker processes at once, as a container or
        cgroup kill does (orphaned workers would outlive the test otherwise)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        assert await asyncio.wait_for(self.proc.wait(), 10) == -signal.SIGKILL

    async def terminate(self) -> tuple[int, float]:
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), STOP_BOUND + 5)
        return code, time.monotonic() - began

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()


@pytest.fixture
async def bot(botapi: TelegramFake, tmp_path: Path) -> AsyncIterator[BotProcess]:
    botapi.add_user(USER, "Anna", language_code="en")
    db = tmp_path / "bot.db"
    storage = SqliteStorage(db)
    await storage.connect()
    await storage.create_project(USER, "Shop", "leads", "UTC", "en",
                                 [ProjectKpi("reach"), ProjectKpi("leads")])
    await storage.close()
    # No digests or reminders in the way.
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE projects SET schedule_enabled = 0, reminder_hours = NULL")
    process = BotProcess(botapi, db, tmp_path)
    try:
        yield process
    finally:
        await process.close()
        # The fake may still sleep in an injected delay; it must not outlive the test quietly.
        botapi.clear_faults()


def replies(fake: TelegramFake, marker: str) -> list[str]:
    return [m.text for m in fake.bot_messages(USER) if m.text and marker in m.text]


def stored(db: Path) -> tuple[list[tuple], dict[str, float]]:
    """(batches as (update_id, undone), current values by metric) straight from the file."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        batches = conn.execute(
            "SELECT update_id, undone_at IS NOT NULL FROM batches ORDER BY id").fetchall()
        values = dict(conn.execute("SELECT metric, value FROM weekly_values").fetchall())
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    assert entries >= len(batches)
    return batches, values


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


async def hold_confirmations(fake: TelegramFake) -> None:
    """Delay every later getUpdates, so nothing handled from now on is confirmed. First wait
    for a long poll parked at the fake: it delivers the next update at once, while a poll sent
    after the fault would hold that update back too (the bot between two polls)."""
    await wait_for(fake.poll_parked, 15, "a long poll parked at the fake")
    fake.inject("getUpdates", "delay", delay=30)


async def send_and_wait(fake: TelegramFake, text: str, marker: str) -> int:
    before = len(replies(fake, marker))
    update_id = fake.push_message(USER, text)
    await wait_for(lambda: len(replies(fake, marker)) > before, 15, f"a reply to {text!r}")
    return update_id


def noted(db: Path, update_id: int) -> bool:
    """Whether the bot's update journal holds `update_id` as handled."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("SELECT 1 FROM handled_updates WHERE update_id = ?",
                            (update_id,)).fetchone() is not None


def forget_note(db: Path, update_id: int) -> None:
    """Make the file what it is when the process dies after the handler, before the journal
    note: the handler itself must then be idempotent for the redelivered update."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM handled_updates WHERE update_id = ?", (update_id,))


async def kill_after_reply_before_confirm(bot: BotProcess, text: str, marker: str, *,
                                          journaled: bool = False) -> int:
    """Push `text`, let the bot handle it and reply, and SIGKILL it while the update is still
    unconfirmed (the getUpdates that would confirm it is held back by the fake). With
    `journaled`, the kill waits for the journal note; without, the note is taken away."""
    fake = bot.fake
    await hold_confirmations(fake)
    update_id = await send_and_wait(fake, text, marker)
    assert fake.confirmed_offset <= update_id  # Telegram would deliver it again
    if journaled:
        await wait_for(lambda: noted(bot.db, update_id), 10, "the journal note")
    await bot.kill()
    if not journaled:
        forget_note(bot.db, update_id)
    fake.clear_faults()
    return update_id


async def kill_with_answer_in_flight(bot: BotProcess, push: Callable[[], int], *,
                                    method: str = "sendMessage", what: str = "the reply") -> int:
    """Push an update (`push` returns its id) and SIGKILL the bot once its answer (`method`)
    is on the wire and Telegram has not answered: the handler is mid-way, its update
    unconfirmed."""
    fake = bot.fake
    await hold_confirmations(fake)
    fake.inject(method, "drop", delay=30, chat_id=USER)
    calls = len(fake.calls_to(method))
    update_id = push()
    await wait_for(lambda: len(fake.calls_to(method)) > calls, 15, what)
    await bot.kill()
    fake.clear_faults()
    return update_id


async def restart_and_drain(bot: BotProcess, update_id: int) -> None:
    await bot.start()
    await wait_for(lambda: bot.fake.confirmed_offset > update_id, 15,
                   "the redelivered update to be confirmed")
    await asyncio.sleep(0.3)


async def test_entries_survive_crashes_and_are_never_applied_twice(bot: BotProcess) -> None:
    fake = bot.fake
    await bot.start()
    # Crash point 1: saved and answered, the update not yet confirmed.
    first = await kill_after_reply_before_confirm(bot, "reach 12 500, leads 17", SAVED)
    assert stored(bot.db) == ([(first, 0)], {"reach": 12500, "leads": 17})
    await restart_and_drain(bot, first)
    # The same update came again and was answered again, but written once.
    assert len(replies(fake, SAVED)) == 2
    assert stored(bot.db) == ([(first, 0)], {"reach": 12500, "leads": 17})

    # Crash point 2: committed, the "saved" reply still on its way when the process dies.
    second = await kill_with_answer_in_flight(bot, lambda: fake.push_message(USER, "leads 19"))
    assert len(replies(fake, SAVED)) == 2  # the user has not seen it yet
    assert stored(bot.db) == ([(first, 0), (second, 0)], {"reach": 12500, "leads": 19})
    await restart_and_drain(bot, second)
    assert len(replies(fake, SAVED)) == 3  # now they have, and the value is there once
    assert stored(bot.db) == ([(first, 0), (second, 0)], {"reach": 12500, "leads": 19})

    # Business as usual afterwards, then a clean stop from idle: quick, exit 0.
    third = await send_and_wait(fake, "reach 13 000", SAVED)
    assert stored(bot.db) == ([(first, 0), (second, 0), (third, 0)],
                              {"reach": 13000, "leads": 19})
    code, took = await bot.terminate()
    assert code == 0, bot.output()
    assert took < 5
    assert integrity(bot.db) == "ok"
    assert "database closed" in bot.output()


async def test_a_handled_update_redelivered_after_a_crash_is_not_handled_again(
        bot: BotProcess) -> None:
    """Telegram hears of handled updates only with the next getUpdates; the journal makes a
    crash before it harmless even for handlers that are not idempotent themselves."""
    fake = bot.fake
    await bot.start()
    helped = await kill_after_reply_before_confirm(bot, "/help", "What I can do",
                                                   journaled=True)
    await bot.start()
    # The restarted bot skips the redelivered /help and confirms it with its next poll.
    await wait_for(lambda: fake.confirmed_offset > helped, 15, "the /help to be confirmed")
    entry = await kill_after_reply_before_confirm(bot, "reach 100", SAVED, journaled=True)
    await restart_and_drain(bot, entry)
    assert helped < entry
    assert len(replies(fake, "What I can do")) == 1  # not answered a second time
    assert len(replies(fake, SAVED)) == 1
    assert stored(bot.db) == ([(entry, 0)], {"reach": 100})
    # Confirmed updates leave the journal: the next poll that returns prunes it.
    later = await send_and_wait(fake, "reach 120", SAVED)
    await wait_for(lambda: not noted(bot.db, helped) and not noted(bot.db, entry), 15,
                   "the journal to be pruned")
    assert stored(bot.db) == ([(entry, 0), (later, 0)], {"reach": 120})
    assert (await bot.terminate())[0] == 0


async def test_undo_button_redelivered_after_a_crash_undoes_once(bot: BotProcess) -> None:
    fake = bot.fake
    await bot.start()
    first = await send_and_wait(fake, "leads 10", SAVED)
    second = await send_and_wait(fake, "leads 20", SAVED)
    saved = [m for m in fake.bot_messages(USER) if m.text and SAVED in m.text][-1]
    undo_data = saved.inline_keyboard[0][0]["callback_data"]

    await hold_confirmations(fake)
    before = len(replies(fake, UNDONE))
    click = fake.push_callback(USER, saved, undo_data)
    await wait_for(lambda: len(replies(fake, UNDONE)) > before, 15, "the undo")
    await bot.kill()
    forget_note(bot.db, click)  # the handler, not the journal, must make this safe
    fake.clear_faults()
    assert stored(bot.db) == ([(first, 0), (second, 1)], {"leads": 10})

    await restart_and_drain(bot, click)
    assert stored(bot.db) == ([(first, 0), (second, 1)], {"leads": 10})
    assert len(replies(fake, UNDONE)) == 1  # the second delivery was told "already undone"
    assert (await bot.terminate())[0] == 0


async def test_undo_command_redelivered_after_a_crash_undoes_once(bot: BotProcess) -> None:
    fake = bot.fake
    await bot.start()
    first = await send_and_wait(fake, "leads 10", SAVED)
    second = await send_and_wait(fake, "leads 20", SAVED)
    undo = await kill_after_reply_before_confirm(bot, "/undo", UNDONE)
    assert stored(bot.db) == ([(first, 0), (second, 1)], {"leads": 10})

    await restart_and_drain(bot, undo)
    assert stored(bot.db) == ([(first, 0), (second, 1)], {"leads": 10})


async def test_sigterm_lets_the_running_handler_finish_and_exits_0(bot: BotProcess) -> None:
    """A stop signal while a handler is mid-way (its update not confirmed yet): the handler
    completes, its reply goes out and the update is confirmed before the process exits."""
    fake = bot.fake
    await bot.start()
    fake.inject("sendMessage", "delay", delay=2.0, chat_id=USER)
    update_id = fake.push_message(USER, "reach 777")
    await wait_for(lambda: fake.calls_to("sendMessage"), 15, "the reply to be on its way")
    code, took = await bot.terminate()
    assert code == 0, bot.output()
    assert took < STOP_BOUND
    assert fake.confirmed_offset > update_id  # confirmed on the way out: not delivered again …
    assert len(replies(fake, SAVED)) == 1  # … and it did not need to: the reply went out
    assert stored(bot.db) == ([(update_id, 0)], {"reach": 777})
    assert integrity(bot.db) == "ok"
    assert not Path(f"{bot.db}-wal").exists() or Path(f"{bot.db}-wal").stat().st_size == 0
    assert "database closed" in bot.output()


async def test_backup_while_the_bot_writes_then_restore(bot: BotProcess,
                                                         tmp_path: Path) -> None:
    fake = bot.fake
    await bot.start()
    backup = tmp_path / "backups" / "snapshot.db"
    backup.parent.mkdir()

    async def writer(n: int) -> None:
        for i in range(n):
            fake.push_message(USER, f"{2026}-W{i % 40 + 1:02d}: reach {1000 + i}")
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(writer(60))
    await asyncio.sleep(0.2)
    result = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(backup), env=bot.env(), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(result.communicate(), 30)
    await writing
    assert result.returncode == 0, err.decode()
    await wait_for(lambda: len(replies(fake, SAVED)) >= 60, 30, "all 60 entries")
    code, _ = await bot.terminate()
    assert code == 0, bot.output()

    final_batches, _ = stored(bot.db)
    assert len(final_batches) == 60
    assert integrity(backup) == "ok"
    snap_batches, snap_values = stored(backup)
    # Consistent: every batch complete, every value's batch present.
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == len(snap_batches)
        assert conn.execute("SELECT count(*) FROM weekly_values v LEFT JOIN batches b "
                            "ON b.id = v.batch_id WHERE b.id IS NULL").fetchone()[0] == 0
    assert snap_batches == final_batches[:len(snap_batches)]  # a prefix of the history

    # Restore the snapshot into DATABASE_URL (bot stopped) and run on it.
    result = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "restore", str(backup), env=bot.env(), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(result.communicate(), 30)
    assert result.returncode == 0, err.decode()
    assert stored(bot.db) == (snap_batches, snap_values)
    await bot.start()
    later = await send_and_wait(fake, "leads 5", SAVED)
    batches, values = stored(bot.db)
    assert batches == [*snap_batches, (later, 0)] and values["leads"] == 5
    assert (await bot.terminate())[0] == 0
    assert integrity(bot.db) == "ok"


async def test_an_update_is_confirmed_only_after_its_handler_finished(bot: BotProcess) -> None:
    """Polling goes on while a handler runs (other users are answered meanwhile), but the
    offset never passes the running update: killed mid-handler, the bot gets it again."""
    fake = bot.fake
    other = USER + 1
    fake.add_user(other, "Boris", language_code="en")
    await bot.start()
    # The "saved" reply to USER never reaches Telegram: the connection is dropped after 30 s.
    fake.inject("sendMessage", "drop", delay=30, chat_id=USER)
    sends = len(fake.calls_to("sendMessage"))
    update_id = fake.push_message(USER, "leads 19")
    await wait_for(lambda: len(fake.calls_to("sendMessage")) > sends, 15, "the reply")
    assert stored(bot.db) == ([(update_id, 0)], {"leads": 19})  # committed, reply in flight

    # Another user's later update is handled meanwhile: handlers still run concurrently …
    later = fake.push_message(other, "/help")
    await wait_for(lambda: fake.bot_messages(other), 15, "the answer to the other user")
    # … and polling goes on at a modest pace, never confirming the running update.
    polls = len(fake.get_updates_calls)
    await asyncio.sleep(1.0)
    assert fake.confirmed_offset == update_id
    assert 1 <= len(fake.get_updates_calls) - polls <= 12
    assert {u["update_id"] for u in fake.pending_updates} == {update_id, later}

    await bot.kill()
    fake.clear_faults()
    assert replies(fake, SAVED) == []  # the user never saw the reply
    await restart_and_drain(bot, later)
    assert len(replies(fake, SAVED)) == 1  # now they have …
    assert stored(bot.db) == ([(update_id, 0)], {"leads": 19})  # … and the number is there once
    # /help was handled before the crash: the journal knew, so it was not answered again
    assert len(fake.bot_messages(other)) == 1
    code, _ = await bot.terminate()
    assert code == 0, bot.output()


async def test_updates_after_a_running_one_wait_for_it_before_being_confirmed(
        bot: BotProcess) -> None:
    """One user's entry held mid-handler, three other users' entries after it: those are
    handled and answered at once, yet none is confirmed past the running one, so after a kill
    all four come again — the unfinished one is handled, the three others are known to the
    journal, and each number is stored exactly once."""
    fake = bot.fake
    others = [USER + 1, USER + 2, USER + 3]
    storage = SqliteStorage(bot.db)
    await storage.connect()
    for other in others:
        fake.add_user(other, f"User {other}", language_code="en")
        await storage.create_project(other, f"Shop {other}", "leads", "UTC", "en",
                                     [ProjectKpi("reach")])
    await storage.close()
    await bot.start()
    fake.inject("sendMessage", "drop", delay=30, chat_id=USER)
    first = fake.push_message(USER, "reach 100")
    await wait_for(lambda: fake.calls_to("sendMessage"), 15, "the first reply")
    rest = [fake.push_message(other, f"reach {other}") for other in others]
    await wait_for(lambda: all(saved_replies(fake, other) == 1 for other in others), 15,
                   "the later users' replies")
    await asyncio.sleep(0.5)
    assert fake.confirmed_offset == first
    batches = stored_batches(bot.db)
    assert sorted(batches) == sorted([first, *rest])

    await bot.kill()
    fake.clear_faults()
    await restart_and_drain(bot, max(rest))
    assert stored_batches(bot.db) == batches  # every update written once …
    assert saved_replies(fake, USER) == 1  # … and answered: the first one now, …
    # … the others were handled before the crash: the journal skips them, no second reply
    assert all(saved_replies(fake, other) == 1 for other in others)
    with contextlib.closing(sqlite3.connect(bot.db)) as conn:
        values = conn.execute("SELECT value FROM weekly_values ORDER BY value").fetchall()
    assert values == [(100,), *((other,) for other in others)]
    assert (await bot.terminate())[0] == 0


def saved_replies(fake: TelegramFake, user: int) -> int:
    return sum(1 for m in fake.bot_messages(user) if m.text and SAVED in m.text)


def stored_batches(db: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("SELECT update_id FROM batches ORDER BY id")]


async def test_a_guided_step_redelivered_after_a_crash_is_applied_once(bot: BotProcess) -> None:
    """/add asks reach, then leads. Killed after the answer for reach was taken but before
    the next question went out, the restarted bot gets the answer again: it must not be filed
    as leads. Killed again after the batch was saved but before the summary went out, the
    batch is there once and the user still gets the summary."""
    fake = bot.fake
    await bot.start()
    await send_and_wait(fake, "/add", "(1/2)")
    answer = await kill_with_answer_in_flight(bot, lambda: fake.push_message(USER, "100"),
                                              what="the next question")
    await restart_and_drain(bot, answer)
    assert [m for m in fake.bot_messages(USER) if m.text and "(2/2)" in m.text]

    last = await kill_with_answer_in_flight(bot, lambda: fake.push_message(USER, "17"),
                                            what="the summary")
    assert stored(bot.db) == ([(last, 0)], {"reach": 100, "leads": 17})
    await restart_and_drain(bot, last)
    assert stored(bot.db) == ([(last, 0)], {"reach": 100, "leads": 17})
    assert len(replies(fake, SAVED)) == 1
    assert (await bot.terminate())[0] == 0


def dialog_data(db: Path) -> dict:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        row = conn.execute("SELECT data FROM fsm WHERE user_id = ?", (USER,)).fetchone()
    return json.loads(row[0]) if row else {}


def last_with_buttons(fake: TelegramFake, prefix: str) -> tuple[object, list[str]]:
    """The newest bot message whose buttons carry callback data starting with `prefix`."""
    for message in reversed(fake.bot_messages(USER)):
        data = [b.get("callback_data", "") for row in message.inline_keyboard for b in row]
        if any(d.startswith(prefix) for d in data):
            return message, [d for d in data if d.startswith(prefix)]
    raise AssertionError(f"no message with {prefix!r} buttons")


async def start_onboarding(bot: BotProcess, name: str) -> None:
    """Start the bot, /new, name the project: the goal question is on screen."""
    fake = bot.fake
    await bot.start()
    await send_and_wait(fake, "/new", "?")
    before = len(fake.bot_messages(USER))
    fake.push_message(USER, name)
    await wait_for(lambda: len(fake.bot_messages(USER)) > before, 15, "the goal question")


async def test_a_kpi_toggle_redelivered_after_a_crash_is_applied_once(bot: BotProcess) -> None:
    """Onboarding's KPI picker: killed after a toggle was stored but before the keyboard was
    redrawn, the restarted bot gets the tap again and must not flip the KPI back."""
    fake = bot.fake
    await start_onboarding(bot, "Cafe")
    goals, goal_data = last_with_buttons(fake, GoalCb.__prefix__)
    edits = len(fake.calls_to("editMessageText"))
    fake.push_callback(USER, goals, goal_data[0])  # the question turns into the KPI picker
    await wait_for(lambda: len(fake.calls_to("editMessageText")) > edits, 15, "the picker")
    picker, toggles = last_with_buttons(fake, KpiCb(action="toggle", index=0).pack()[:-1])
    chosen = dialog_data(bot.db)["selected"]
    option = dialog_data(bot.db)["options"][0]

    tap = await kill_with_answer_in_flight(
        bot, lambda: fake.push_callback(USER, picker, toggles[0]),
        method="editMessageReplyMarkup", what="the redrawn keyboard")
    toggled = [k for k in chosen if k != option] if option in chosen else [*chosen, option]
    assert sorted(dialog_data(bot.db)["selected"]) == sorted(toggled)
    await restart_and_drain(bot, tap)
    assert sorted(dialog_data(bot.db)["selected"]) == sorted(toggled)  # not flipped back
    assert (await bot.terminate())[0] == 0


def fsm_row(db: Path) -> tuple | None:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("SELECT * FROM fsm WHERE user_id = ?", (USER,)).fetchone()


def put_back_fsm_row(db: Path, row: tuple) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM fsm WHERE user_id = ?", (USER,))
        conn.execute(f"INSERT INTO fsm VALUES ({', '.join('?' * len(row))})", row)


def projects_named(db: Path, name: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("SELECT count(*) FROM projects WHERE name = ?", (name,)).fetchone()[0]


def has_buttons(fake: TelegramFake, prefix: str) -> bool:
    with contextlib.suppress(AssertionError):
        return bool(last_with_buttons(fake, prefix))
    return False


async def tap(fake: TelegramFake, prefix: str, then: str, what: str) -> None:
    """Tap the first button starting with `prefix`; wait until buttons starting with `then`
    are on screen (a step may edit one message and then send the next question)."""
    message, data = last_with_buttons(fake, prefix)
    fake.push_callback(USER, message, data[0])
    await wait_for(lambda: has_buttons(fake, then), 15, what)


async def test_the_last_onboarding_step_redelivered_after_a_crash_creates_one_project(
        bot: BotProcess) -> None:
    """The time-zone tap creates the project, then closes the dialog. Killed in between (the
    dialog row is put back as it was, since the two commits cannot be split by a fault), the
    redelivered tap must return the project it made, not make a second one."""
    fake = bot.fake
    await start_onboarding(bot, "Cafe")
    await tap(fake, GoalCb.__prefix__, KpiCb(action="done").pack(), "the KPI picker")
    await tap(fake, KpiCb(action="done").pack(), TargetCb(action="skip_all").pack(),
              "the targets question")
    await tap(fake, TargetCb(action="skip_all").pack(), TzCb.__prefix__,
              "the time-zone question")
    dialog = fsm_row(bot.db)
    assert dialog is not None and "timezone" in str(dialog)

    zone, data = last_with_buttons(fake, TzCb.__prefix__)
    tz_tap = await kill_with_answer_in_flight(
        bot, lambda: fake.push_callback(USER, zone, data[0]), what="the summary")
    assert projects_named(bot.db, "Cafe") == 1
    put_back_fsm_row(bot.db, dialog)  # as if the dialog had not been closed yet
    await restart_and_drain(bot, tz_tap)
    assert projects_named(bot.db, "Cafe") == 1
    assert fsm_row(bot.db) is None  # the dialog is closed now
    assert (await bot.terminate())[0] == 0
