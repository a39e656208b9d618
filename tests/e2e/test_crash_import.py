"""Crash suite, file imports: the real bot process is SIGKILLed while the Save tap of an
uploaded CSV's preview is being handled (so the tap is not yet confirmed to Telegram), and
restarted; the fake delivers the same tap again. The imported values must be stored exactly
once and the user must hear that they were. See test_crash.py for how crash points are staged.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from tests.botapi.fake import FakeMessage, TelegramFake
from tests.e2e.test_crash import USER, BotProcess, bot, restart_and_drain, wait_for

__all__ = ["bot"]  # the fixture, shared with test_crash.py

IMPORTED = "Saved 4 values"


def monday(weeks_ago: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


def csv_file() -> bytes:
    rows = ["Week,Reach,Leads", f"{monday(3)},1000,5", f"{monday(2)},1100,6"]
    return ("\n".join(rows) + "\n").encode()


EXPECTED = {(monday(3).isoformat(), "reach"): 1000, (monday(3).isoformat(), "leads"): 5,
            (monday(2).isoformat(), "reach"): 1100, (monday(2).isoformat(), "leads"): 6}


def imports(db: Path) -> tuple[int, int, dict[tuple[str, str], float]]:
    """(import batches, entries, current values) straight from the file."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        batches = conn.execute("SELECT count(*) FROM batches WHERE source = 'import'").fetchone()
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()
        values = conn.execute("SELECT week_start, metric, value FROM weekly_values").fetchall()
    return batches[0], entries[0], {(week, metric): value for week, metric, value in values}


def saved_replies(fake: TelegramFake) -> int:
    return sum(1 for m in fake.bot_messages(USER) if m.text and IMPORTED in m.text)


async def preview(fake: TelegramFake) -> FakeMessage:
    """Upload the CSV and return the preview with its Save button."""
    fake.push_document(USER, "kpi.csv", csv_file())

    def found() -> FakeMessage | None:
        return next((m for m in reversed(fake.bot_messages(USER)) if m.inline_keyboard
                     and m.inline_keyboard[0][0]["callback_data"] == "imp:confirm"), None)

    await wait_for(found, 15, "the import preview")
    message = found()
    assert message is not None and "4 values" in (message.text or "")
    return message


async def tap_save_and_kill(bot: BotProcess, held: str) -> int:
    """Tap Save while Telegram holds back the bot's `held` call; SIGKILL the bot while the
    tap's handler waits for it (the tap is unconfirmed then)."""
    fake = bot.fake
    card = await preview(fake)
    fake.inject(held, "drop", delay=30, chat_id=USER)
    calls = len(fake.calls_to(held))
    tap = fake.push_callback(USER, card, "imp:confirm")
    await wait_for(lambda: len(fake.calls_to(held)) > calls, 15, f"the {held} call")
    assert fake.confirmed_offset <= tap  # Telegram will deliver the tap again
    await bot.kill()
    fake.clear_faults()
    return tap


async def test_kill_before_the_import_is_saved_saves_it_once_after_restart(
        bot: BotProcess) -> None:
    """Killed while taking the buttons off the preview, before anything was written."""
    await bot.start()
    tap = await tap_save_and_kill(bot, "editMessageReplyMarkup")
    assert imports(bot.db) == (0, 0, {})
    await restart_and_drain(bot, tap)
    await wait_for(lambda: saved_replies(bot.fake) == 1, 15, "the saved reply")
    assert imports(bot.db) == (1, 4, EXPECTED)
    assert (await bot.terminate())[0] == 0


async def test_kill_after_the_import_was_saved_does_not_save_it_twice(bot: BotProcess) -> None:
    """Killed after the commit, while the "saved" reply is on its way: the redelivered tap
    finds the batch of this preview and only answers."""
    fake = bot.fake
    await bot.start()
    tap = await tap_save_and_kill(bot, "sendMessage")
    assert imports(bot.db) == (1, 4, EXPECTED)
    assert saved_replies(fake) == 0
    await restart_and_drain(bot, tap)
    await wait_for(lambda: saved_replies(fake) == 1, 15, "the saved reply")
    assert imports(bot.db) == (1, 4, EXPECTED)
    # The preview is no longer pending: another tap on Save saves nothing.
    card = next(m for m in fake.bot_messages(USER) if "4 values" in (m.text or ""))
    again = fake.push_callback(USER, card, "imp:confirm")
    await wait_for(lambda: fake.confirmed_offset > again, 15, "the second tap")
    assert imports(bot.db) == (1, 4, EXPECTED)
    assert saved_replies(fake) == 1
    assert (await bot.terminate())[0] == 0
