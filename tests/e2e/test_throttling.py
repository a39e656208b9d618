"""Throttling by cost, end to end through the real Dispatcher and Bot over the fake Bot API:
normal work goes through (files sent at once, an export right after a correction), a flood
gets one friendly refusal in the user's language that says when to try again, and a chart
render keeps its cooldown."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import DisabledEventIsolation, SimpleEventIsolation

from bot.i18n import get_translator
from bot.throttle_budget import DEFAULT_POLICY, LocalBudget
from handlers.callbacks import ImportCb, MonthlyCb
from tests.botapi.client import SentMessage, TgUser
from tests.botapi.fake import TelegramFake, parse_html
from tests.e2e.app import running_app
from tests.e2e.conftest import onboard

OWNER, OTHER = 1001, 2002
SAVE_RU, SAVE_EN = "✅ Сохранить", "✅ Save"
WAIT = 15.0


class Clock:
    """The budget's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def monday(weeks_ago: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_ago)


def week_file(weeks_ago: int, reach: int) -> bytes:
    return f"неделя;охват\n{monday(weeks_ago)};{reach}\n".encode()


def plain(lang: str, key: str, **kwargs: object) -> str:
    return parse_html(get_translator(lang)(key, **kwargs))[0]


async def upload_at_once(user: TgUser, files: list[tuple[str, bytes]]) -> list[SentMessage]:
    """Several documents sent together: Telegram delivers one message per file, back to back,
    before the bot has answered any."""
    mark = len(user.fake.calls)
    update_ids = [user.fake.push_document(user.user_id, name, data) for name, data in files]
    for update_id in update_ids:
        await user.fake.wait_processed(update_id, timeout=WAIT, what="a burst of files")
    return user._collect(mark)


def previews(replies: list[SentMessage], save: str) -> list[SentMessage]:
    return [reply for reply in replies if reply.find_button(save) is not None]


@pytest.mark.parametrize("isolation", [SimpleEventIsolation, DisabledEventIsolation],
                         ids=["isolated", "no-isolation"])
async def test_five_files_at_once_are_all_previewed_and_each_saves(
        botapi: TelegramFake, tmp_path, isolation: type[BaseEventIsolation]):
    # Without Redis, polling handles one user's updates concurrently (no isolation): the
    # previews must not overwrite each other there either.
    async with running_app(botapi, tmp_path / "burst.db", budget=LocalBudget(),
                           events_isolation=isolation()) as app:
        anna = TgUser(botapi, OWNER, "Анна")
        await onboard(anna, "Кофейня", goal="📣 Узнаваемость", tz="Москва (UTC+3)")
        project_id = (await app.storage.list_memberships(OWNER))[0].project.id
        files = [(f"week{n}.csv", week_file(n, 100 * n)) for n in range(1, 6)]
        replies = await upload_at_once(anna, files)
        assert not any("⏳" in reply.content for reply in replies)
        cards = previews(replies, SAVE_RU)
        assert sorted(card.text.split()[1].rstrip(":") for card in cards) == sorted(
            name for name, _ in files), [c.text for c in cards]
        for card in reversed(cards):  # in any order, each preview saves its own file
            saved = await anna.click(SAVE_RU, message=card)
            assert "Сохранено значений: 1" in saved[-1].text
        values = {(v.week_start, v.value) for v in await app.storage.get_values(project_id)
                  if v.metric == "reach"}
        assert values == {(monday(n), 100 * n) for n in range(1, 6)}
        # A saved preview stays harmless (its buttons are gone; a press of an old copy).
        old = botapi.message(OWNER, cards[0].message_id)
        await anna._act(lambda: botapi.push_callback(OWNER, old, ImportCb(action="confirm").pack()),
                        "an old Save", WAIT)
        assert "устарела" in anna.last_callback_answer["text"]
        assert len(await app.storage.get_values(project_id)) == 5


async def test_an_export_right_after_a_correction_goes_through(botapi: TelegramFake, tmp_path):
    async with running_app(botapi, tmp_path / "export.db", budget=LocalBudget()):
        anna = TgUser(botapi, OWNER, "Анна")
        await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        await anna.send("прошлая неделя: охват 1000, лиды 10")
        first = (await anna.send("/export"))[0]
        assert first.document_name.endswith(".csv")
        await anna.send("прошлая неделя: лиды 12")
        again = await anna.send("/export")
        assert not any("⏳" in reply.content for reply in again)
        rows = list(csv.reader(io.StringIO(again[0].document.decode("utf-8-sig"))))
        leads = [row for row in rows if monday(1).isoformat() in row and "12" in row]
        assert leads, rows
        xlsx = await anna.click("📗 То же в XLSX")  # and the other format at once too
        assert xlsx[-1].document_name.endswith(".xlsx")


async def test_a_flood_gets_one_refusal_that_says_when_to_try_again(botapi: TelegramFake,
                                                                     tmp_path):
    clock = Clock()
    async with running_app(botapi, tmp_path / "flood.db",
                           budget=LocalBudget(DEFAULT_POLICY, clock)) as app:
        bob = TgUser(botapi, OTHER, "Bob", language_code="en")
        await onboard(bob, "Yoga studio", goal="📣 Awareness", tz="UTC")
        project_id = (await app.storage.list_memberships(OTHER))[0].project.id
        files = [(f"f{n}.csv", week_file(n, n)) for n in range(1, 26)]
        replies = await upload_at_once(bob, files)
        per_burst = int(DEFAULT_POLICY.capacity // DEFAULT_POLICY.cost("import").tokens)
        assert len(previews(replies, SAVE_EN)) == per_burst
        refusals = [reply.text for reply in replies if "⏳" in reply.content]
        wait = int(DEFAULT_POLICY.cost("import").tokens / DEFAULT_POLICY.refill_per_second)
        assert refusals == [plain("en", "throttled-budget", seconds=wait)]
        assert "Send it again in 4 s" in refusals[0]
        assert await app.storage.get_values(project_id) == []  # a refusal changes nothing
        # Cheap actions are never throttled, even with the budget spent.
        for _ in range(3):
            shown = await bob.send("/history")
            assert shown and "⏳" not in shown[-1].content
        clock.now += wait - 0.5
        assert (await bob.upload("late.csv", week_file(30, 1)))[-1].text == plain(
            "en", "throttled-budget", seconds=1)
        clock.now += 0.5
        assert (await bob.upload("late.csv", week_file(30, 1)))[-1].find_button(SAVE_EN)
        # Another user is not held back by Bob's flood.
        anna = TgUser(botapi, OWNER, "Анна")
        await onboard(anna, "Кофейня", goal="📣 Узнаваемость", tz="Москва (UTC+3)")
        assert (await anna.upload("a.csv", week_file(1, 5)))[-1].find_button(SAVE_RU)


async def test_a_chart_render_keeps_its_cooldown_and_buttons_get_one_answer(
        botapi: TelegramFake, tmp_path):
    clock = Clock()
    async with running_app(botapi, tmp_path / "report.db",
                           budget=LocalBudget(DEFAULT_POLICY, clock)) as app:
        anna = TgUser(botapi, OWNER, "Анна")
        await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        project_id = (await app.storage.list_memberships(OWNER))[0].project.id
        await anna.send("прошлая неделя: охват 1000, лиды 10")
        assert any(reply.photo for reply in await anna.send("/report"))
        clock.now += 3
        again = await anna.send("/report")
        cooldown = DEFAULT_POLICY.cost("report").cooldown
        assert [reply.text for reply in again] == [plain("ru", "throttled",
                                                         seconds=int(cooldown) - 3)]
        assert (await anna.send("/export"))[0].document_name.endswith(".csv")  # no cooldown
        clock.now += cooldown
        assert any(reply.photo for reply in await anna.send("/report"))
        # Button presses beyond the budget: each answered once, with the refusal.
        data = MonthlyCb(project_id=project_id).pack()
        target = botapi.bot_messages(OWNER)[-1]
        for _ in range(40):
            await anna._act(lambda: botapi.push_callback(OWNER, target, data), "monthly", WAIT)
        presses = [q for q in botapi.callback_queries.values() if q.data == data]
        assert presses and all(q.answered and q.answer_attempts == 1 for q in presses)
        texts = [q.answer.get("text") or "" for q in presses]
        tables = sum(1 for reply in botapi.bot_messages(OWNER) if "Кофейня" in (reply.text or "")
                     and reply.message_id > target.message_id)
        refused = [text for text in texts if text.startswith("⏳")]
        # every press is answered; those past the budget with the refusal and no table
        assert refused and all(text.startswith("⏳ Слишком много за раз") for text in refused)
        assert tables == len(presses) - len(refused) < len(presses)
