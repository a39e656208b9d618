"""The /formula dialog killed with SIGKILL at each step (the crash pattern of test_crash.py):
the redelivered step repeats its question, never takes the old answer as the next one, and the
last one leaves one formula KPI."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.botapi.fake import TelegramFake
from tests.e2e.test_crash import (
    USER,
    BotProcess,
    bot,
    fsm_row,
    kill_with_answer_in_flight,
    last_with_buttons,
    put_back_fsm_row,
    replies,
    restart_and_drain,
    send_and_wait,
    wait_for,
)

ASK_FORMULA = "The formula for"
ASK_DIRECTION = "Which way is better?"
ASK_UNIT = "The unit to show"
SAVED = "Formula KPI AOV"
UNKNOWN = "I don't know the metric"

__all__ = ["bot"]  # the fixture, shared with test_crash.py


def formulas(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("SELECT name, formula, direction, unit FROM formula_kpis").fetchall()


def said(fake: TelegramFake, marker: str) -> int:
    return len(replies(fake, marker))


async def settled(fake: TelegramFake, update_id: int) -> None:
    """Wait until the bot confirmed `update_id`, i.e. its next getUpdates is already out: a
    fault injected now holds back the *following* poll, not the one that would fetch the next
    step (else the next step waits out the injected delay and the test times out)."""
    await wait_for(lambda: fake.confirmed_offset > update_id, 15, f"update {update_id} confirmed")


async def test_formula_dialog_killed_at_every_step_makes_one_formula(bot: BotProcess) -> None:
    fake = bot.fake
    await bot.start()
    await settled(fake, await send_and_wait(fake, "/formula", "What is its name"))

    # Killed while the formula question is on its way: the name comes again.
    name = await kill_with_answer_in_flight(bot, lambda: fake.push_message(USER, "AOV"),
                                            what="the formula question")
    await restart_and_drain(bot, name)  # (drained: confirmed)
    assert said(fake, ASK_FORMULA) >= 1 and said(fake, UNKNOWN) == 0

    formula = await kill_with_answer_in_flight(
        bot, lambda: fake.push_message(USER, "revenue / orders"), what="the direction question")
    await restart_and_drain(bot, formula)
    assert said(fake, ASK_DIRECTION) >= 1 and said(fake, "Tap one of the buttons") == 0

    message, data = last_with_buttons(fake, "fkpi:")
    await settled(fake, fake.push_callback(USER, message, data[0]))
    assert said(fake, ASK_UNIT) == 1
    dialog = fsm_row(bot.db)
    unit = await kill_with_answer_in_flight(bot, lambda: fake.push_message(USER, "₽"),
                                            what="the saved message")
    assert formulas(bot.db) == [("AOV", "revenue / orders", "higher_is_better", "₽")]
    put_back_fsm_row(bot.db, dialog)  # as if killed between the save and closing the dialog
    await restart_and_drain(bot, unit)
    assert formulas(bot.db) == [("AOV", "revenue / orders", "higher_is_better", "₽")]
    assert said(fake, SAVED) == 1 and fsm_row(bot.db) is None
    assert (await bot.terminate())[0] == 0
