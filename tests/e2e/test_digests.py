"""Weekly digests end to end: /report, scheduled delivery with travelled time, restarts,
Bot API faults and reminders — the real Dispatcher, storage and renderer against the fake."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.services.digest import CAPTION_LIMIT
from kpi.weeks import current_week
from storage.models import BatchSource, NewValue, Project, ProjectKpi
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app
from tests.pg import run_sql

OWNER = 1001
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Monday 2026-11-16; 10:00 in Moscow (UTC+3 all year) is 07:00 UTC.
MONDAY = date(2026, 11, 16)
MSK_DUE = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, tzinfo=UTC)


async def make_project(app: App, owner: int = OWNER, *, name: str = "Кофейня",
                       tz: str = "Europe/Moscow", lang: str = "ru",
                       this_week: date | None = MONDAY, weeks: int = 8,
                       reach_drop: bool = True) -> Project:
    """A project with reach, followers and leads as KPIs and `weeks` weeks of numbers before
    `this_week` (reach collapses in the last one when `reach_drop`)."""
    project = await app.storage.create_project(
        owner, name, "reach", tz, lang,
        [ProjectKpi("reach", position=0), ProjectKpi("followers", position=1),
         ProjectKpi("leads", position=2)])
    # Projects are created "now" (real time) but tests travel to November 2026: pretend the
    # project has existed for a while, or its first scheduled digest would be skipped.
    await run_sql(app.storage, "UPDATE projects SET created_at = ? WHERE id = ?",
                  CREATED, project.id)
    project = await app.storage.get_project(project.id)
    if this_week is not None and weeks:
        await save_weeks(app, project, this_week, weeks, reach_drop=reach_drop)
    return project


async def save_weeks(app: App, project: Project, this_week: date, weeks: int, *,
                     reach_drop: bool = True) -> None:
    values = []
    for i in range(weeks):
        week = this_week - timedelta(weeks=weeks - i)
        last = i == weeks - 1
        values += [NewValue(week, "reach", 6000 if last and reach_drop else 10000 + 200 * i),
                   NewValue(week, "followers", 3000 + 50 * i),
                   NewValue(week, "leads", 20 + i % 2)]
    await app.storage.save_batch(project.id, OWNER, BatchSource.IMPORT, values)


def photos_to(fake: TelegramFake, chat_id: int) -> list:
    return [c for c in fake.calls_to("sendPhoto", ok=True) if int(c.params["chat_id"]) == chat_id]


def assert_png(data: bytes) -> None:
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.size[0] >= 300 and image.size[1] >= 200


# --- /report ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "names", "alert", "alerts_header"), [
    ("ru", ["Охват", "Подписчики", "Лиды"], "Охват упал", "Обратите внимание"),
    ("en", ["Reach", "Followers", "Leads"], "Reach fell", "Worth a look"),
])
async def test_report_sends_a_chart_with_status_lines_and_alerts(
        botapi: TelegramFake, app: App, lang, names, alert, alerts_header):
    user = TgUser(botapi, OWNER, "Анна" if lang == "ru" else "Ann", language_code=lang)
    from kpi.weeks import current_week

    await make_project(app, tz="Europe/Moscow", lang=lang,
                       this_week=current_week("Europe/Moscow"))
    replies = await user.send("/report")
    photos = [r for r in replies if r.photo]
    assert len(photos) == 1, replies
    digest = photos[0]
    assert_png(digest.photo)
    caption = digest.caption_html
    assert caption and len(digest.caption) <= CAPTION_LIMIT
    assert "<b>Кофейня</b>" in caption
    for name in names:  # one status line per KPI
        assert sum(line.split(":")[0].endswith(name) for line in caption.splitlines()) == 1
    reach_line = next(line for line in caption.splitlines() if names[0] + ":" in line)
    assert reach_line.startswith(("🔴", "⚠️"))  # the declining KPI is flagged
    followers_line = next(line for line in caption.splitlines() if names[1] + ":" in line)
    assert followers_line.startswith("✅")
    assert alerts_header in digest.content
    assert alert in digest.content  # a whole sentence about the drop
    assert [c.params.get("action") for c in botapi.calls_to("sendChatAction")] == ["upload_photo"]


async def test_report_without_a_project_or_kpis_explains(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await app.storage.ensure_user(2002)
    replies = await bob.send("/report")
    assert not any(r.photo for r in replies)
    assert replies and replies[-1].text


# --- scheduling with travelled time ------------------------------------------------------------

async def test_digest_is_due_at_the_scheduled_moment_in_moscow(botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    # The week before was sent; Friday → Monday 09:59 nothing is due.
    assert await app.delivery.deliver_due(MSK_DUE - timedelta(days=7)) == 1
    assert await app.delivery.deliver_due(MSK_DUE - timedelta(days=3)) == 0
    assert await app.delivery.deliver_due(MSK_DUE - timedelta(minutes=1)) == 0
    assert len(photos_to(botapi, OWNER)) == 1
    assert await app.delivery.deliver_due(MSK_DUE) == 1
    assert len(photos_to(botapi, OWNER)) == 2
    # Exactly once: more ticks the same week send nothing.
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=1)) == 0
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=2)) == 0
    assert len(photos_to(botapi, OWNER)) == 2
    # The next week is due again, at its own moment.
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7, minutes=-1)) == 0
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7)) == 1
    assert len(photos_to(botapi, OWNER)) == 3


async def test_the_digest_covers_the_week_that_just_ended(botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Bob", language_code="en")
    await make_project(app, lang="en", name="Yoga")
    await app.delivery.deliver_due(MSK_DUE + timedelta(hours=1))
    [call] = photos_to(botapi, OWNER)
    caption = call.message.caption
    assert "Yoga" in caption and "9" in caption and "15" in caption  # week 9–15 Nov
    assert "6,000" in caption  # the last full week's reach


async def test_two_ticks_at_once_send_one_digest(botapi: TelegramFake, app: App):
    import asyncio

    TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    results = await asyncio.gather(app.delivery.deliver_due(MSK_DUE),
                                   app.delivery.deliver_due(MSK_DUE))
    assert sorted(results) == [0, 1]
    assert len(photos_to(botapi, OWNER)) == 1


@pytest.mark.parametrize(("monday", "utc_hour"), [
    (date(2026, 10, 26), 14),  # still EDT (UTC−4)
    (date(2026, 11, 2), 15),  # EST (UTC−5) since Sunday 1 Nov
])
async def test_new_york_schedule_follows_daylight_saving(
        botapi: TelegramFake, app: App, monday, utc_hour):
    TgUser(botapi, OWNER, "Ann", language_code="en")
    await make_project(app, tz="America/New_York", lang="en", this_week=monday)
    due = datetime.combine(monday, time(utc_hour), tzinfo=UTC)
    assert await app.delivery.deliver_due(due - timedelta(minutes=1)) == 0
    assert photos_to(botapi, OWNER) == []
    assert await app.delivery.deliver_due(due) == 1
    assert len(photos_to(botapi, OWNER)) == 1


async def test_fixed_offset_zone(botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    project = await make_project(app, tz="UTC+03:00")
    await app.storage.set_schedule(project.id, weekday=2, at=time(18, 30), enabled=True,
                                   reminder_hours=None)
    due = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # Wednesday 18:30 at UTC+3
    assert await app.delivery.deliver_due(due - timedelta(seconds=1)) == 0
    assert await app.delivery.deliver_due(due) == 1
    assert await app.delivery.deliver_due(due + timedelta(hours=5)) == 0
    assert len(photos_to(botapi, OWNER)) == 1


async def test_a_new_project_waits_for_its_first_scheduled_moment(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    await anna.send("/start")
    await anna.send("Кофейня")
    await anna.click("📣 Узнаваемость")
    await anna.click("✔️ Готово")
    await anna.click("Без целей")
    await anna.click("Москва (UTC+3)")
    [membership] = await app.storage.list_memberships(OWNER)
    created = membership.project.created_at
    assert await app.delivery.deliver_due(created + timedelta(minutes=1)) == 0
    assert photos_to(botapi, OWNER) == []
    next_monday = created.date() + timedelta(days=7 - created.weekday())
    due = datetime.combine(next_monday, time(7), tzinfo=UTC)
    assert await app.delivery.deliver_due(due) == 1


async def test_schedule_off_sends_nothing(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    replies = await anna.send("/schedule off")
    assert replies and replies[-1].text.startswith("✅")
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(hours=1)) == 0
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7, hours=1)) == 0
    assert photos_to(botapi, OWNER) == []
    await anna.send("/schedule пн 10:00")
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7, hours=1)) == 1


async def test_schedule_command_moves_the_moment(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, OWNER, "Bob", language_code="en")
    await make_project(app, lang="en")
    await bob.send("/schedule fri 17:00")
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 17:00 Moscow
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(hours=1)) == 0  # not Monday now
    assert await app.delivery.deliver_due(friday - timedelta(minutes=1)) == 0
    assert await app.delivery.deliver_due(friday) == 1


async def test_restart_neither_repeats_nor_forgets_a_digest(botapi: TelegramFake, tmp_path: Path):
    db = tmp_path / "bot.db"
    TgUser(botapi, OWNER, "Анна")
    async with running_app(botapi, db) as app:
        await make_project(app)
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=5)) == 1
    async with running_app(botapi, db) as app:  # restarted the same week: nothing again
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=6)) == 0
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=3)) == 0
    assert len(photos_to(botapi, OWNER)) == 1
    # Down from Sunday to Tuesday: the digest that fell due on Monday goes out at the first
    # tick after the start, once.
    async with running_app(botapi, db) as app:
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=8, hours=3)) == 1
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=8, hours=3,
                                                                  minutes=1)) == 0
    assert len(photos_to(botapi, OWNER)) == 2


async def test_a_digest_abandoned_mid_send_goes_out_after_restart(
        botapi: TelegramFake, tmp_path: Path):
    """A process that died between claim and send leaves a 'sending' claim; once its lease
    ran out the project is due again."""
    db = tmp_path / "bot.db"
    TgUser(botapi, OWNER, "Анна")
    async with running_app(botapi, db) as app:
        project = await make_project(app)
        assert await app.storage.claim_digest(project.id, MONDAY)  # …and the process dies
    async with running_app(botapi, db) as app:
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=5)) == 0
        # The dead process's lease ran out (nothing renewed it)
        await run_sql(app.storage, "UPDATE digests SET lease_until = ?", MSK_DUE)
        assert await app.delivery.deliver_due(MSK_DUE + timedelta(hours=2)) == 1
    assert len(photos_to(botapi, OWNER)) == 1


async def test_the_heartbeat_keeps_a_slow_digest_claimed_past_its_lease(
        botapi: TelegramFake, app: App):
    """The chart takes 2 s on the wire, the lease is 0.6 s: the heartbeat (every 0.2 s) keeps
    the claim, so another instance cannot take it over mid-send; once sent it stays sent."""
    TgUser(botapi, OWNER, "Анна")
    project = await make_project(app)
    app.delivery.lease = timedelta(seconds=0.6)
    botapi.inject("sendPhoto", "delay", delay=2.0)
    delivering = asyncio.create_task(app.delivery.deliver_due(MSK_DUE))
    await wait_until(lambda: botapi.calls_to("sendPhoto"), 15)
    taken_over = []
    for _ in range(8):  # 1.6 s, well past the lease of the first claim
        await asyncio.sleep(0.2)
        taken_over.append(await app.storage.claim_digest(project.id, MONDAY, boot="other",
                                                         lease=timedelta(seconds=0.6)))
    assert await delivering == 1
    assert taken_over == [False] * 8
    assert await run_sql(app.storage, "SELECT status FROM digests") == [("sent",)]
    assert len(photos_to(botapi, OWNER)) == 1


async def wait_until(condition, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


# --- faults -------------------------------------------------------------------------------------

async def test_429_is_retried_after_retry_after(botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    botapi.inject("sendPhoto", 429, retry_after=1)
    assert await app.delivery.deliver_due(MSK_DUE) == 1
    attempts = botapi.calls_to("sendPhoto")
    assert [c.error_code for c in attempts] == [429, None]
    assert attempts[1].time - attempts[0].time >= 0.9  # waited retry_after
    assert len(photos_to(botapi, OWNER)) == 1


def fast_backoff(monkeypatch, sleeps: list[float]) -> None:
    """Backoff sleeps in bot.delivery return at once (and are recorded); nothing else is
    touched (the module's own reference to asyncio is replaced, not asyncio itself)."""
    import asyncio
    import types

    import bot.delivery

    async def sleep(delay: float) -> None:
        sleeps.append(delay)
        await asyncio.sleep(0)

    monkeypatch.setattr(bot.delivery, "asyncio", types.SimpleNamespace(
        sleep=sleep, Lock=asyncio.Lock))


@pytest.mark.parametrize("fault", [500, 502, "drop"])
async def test_server_errors_and_dropped_connections_are_retried(
        botapi: TelegramFake, app: App, fault, monkeypatch):
    sleeps: list[float] = []
    fast_backoff(monkeypatch, sleeps)
    TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    botapi.inject("sendPhoto", fault, count=2)
    assert await app.delivery.deliver_due(MSK_DUE) == 1
    assert len(botapi.calls_to("sendPhoto")) == 3
    assert len(photos_to(botapi, OWNER)) == 1
    # exponential backoff; the send limiter's own waits for a free 1/30 s slot are shorter
    backoff = [delay for delay in sleeps if delay >= 0.5]
    assert backoff[:2] == [1.0, 2.0]


async def test_persistent_server_error_is_retried_on_a_later_tick(
        botapi: TelegramFake, app: App, monkeypatch):
    import bot.delivery

    fast_backoff(monkeypatch, [])
    TgUser(botapi, OWNER, "Анна")
    project = await make_project(app)
    botapi.inject("sendPhoto", 500, count=100)
    assert await app.delivery.deliver_due(MSK_DUE) == 0
    assert len(botapi.calls_to("sendPhoto")) == bot.delivery.MAX_ATTEMPTS  # bounded
    assert not (await app.storage.get_project(project.id)).delivery_paused
    botapi.clear_faults()
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=1)) == 1
    assert len(photos_to(botapi, OWNER)) == 1


async def test_bot_removed_from_channel_pauses_delivery_and_tells_the_owner(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    channel = botapi.add_chat(-100500, "channel", "Кофейня News", username="coffee_news")
    botapi.set_member(channel.id, OWNER, "creator")
    project = await make_project(app)
    await anna.send("/channel @coffee_news")
    assert (await app.storage.get_project(project.id)).channel_chat_id == channel.id

    botapi.remove_bot_from(channel.id)
    assert await app.delivery.deliver_due(MSK_DUE) == 0
    assert [c.error_code for c in botapi.calls_to("sendPhoto")] == [403]  # not retried
    assert (await app.storage.get_project(project.id)).delivery_paused
    told = anna.last_message
    assert "Кофейня News" in told.text and "/channel" in told.text
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=1)) == 0
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7)) == 0
    assert len(botapi.calls_to("sendPhoto")) == 1
    assert anna.last_message.message_id == told.message_id  # told once

    # Relinking after giving the rights back resumes delivery.
    botapi.set_member(channel.id, botapi.bot_id, "administrator", can_post_messages=True)
    await anna.send("/channel @coffee_news")
    assert not (await app.storage.get_project(project.id)).delivery_paused
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(days=7)) == 1
    assert len(photos_to(botapi, channel.id)) == 1


async def test_lost_posting_right_pauses_delivery_like_403(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    channel = botapi.add_chat(-100501, "channel", "Кофейня News", username="coffee_news")
    botapi.set_member(channel.id, OWNER, "creator")
    project = await make_project(app)
    await anna.send("/channel @coffee_news")
    botapi.inject("sendPhoto", 400, count=1,
                  description="Bad Request: not enough rights to send photos to the chat")
    assert await app.delivery.deliver_due(MSK_DUE) == 0
    assert (await app.storage.get_project(project.id)).delivery_paused
    assert "/channel" in anna.last_message.text
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=1)) == 0
    assert len(botapi.calls_to("sendPhoto")) == 1


async def test_owner_who_blocked_the_bot_pauses_delivery(botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    project = await make_project(app)
    botapi.block_bot(OWNER)
    assert await app.delivery.deliver_due(MSK_DUE) == 0
    assert (await app.storage.get_project(project.id)).delivery_paused
    assert botapi.calls_to("sendMessage", ok=True) == []


# --- reminders ----------------------------------------------------------------------------------

async def add_editor(botapi: TelegramFake, app: App, project: Project, user_id: int,
                     role: str = "editor", lang: str = "ru") -> TgUser:
    from storage.models import Role

    user = TgUser(botapi, user_id, f"User{user_id}", language_code=lang)
    invite = await app.storage.create_invite(project.id, Role(role), OWNER,
                                             datetime.now(UTC) + timedelta(days=1), 1)
    await user.send(f"/start {invite.token}")
    return user


# Monday 2026-11-16 07:00 Moscow: inside the 24 h window before the 10:00 digest.
REMIND_AT = MSK_DUE - timedelta(hours=3)


async def test_editors_get_one_reminder_when_last_week_is_empty(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    project = await make_project(app, this_week=MONDAY - timedelta(weeks=1))  # up to 2 Nov
    editor = await add_editor(botapi, app, project, 3003)
    viewer = await add_editor(botapi, app, project, 4004, role="viewer")
    viewer_seen = len(viewer.messages)

    assert await app.reminders.remind_due(MSK_DUE - timedelta(days=2)) == 0  # too early
    assert await app.reminders.remind_due(REMIND_AT) == 2
    assert await app.reminders.remind_due(REMIND_AT + timedelta(minutes=1)) == 0
    for user in (anna, editor):
        reminders = [m for m in user.messages if "🔔" in m.text]
        assert len(reminders) == 1, user.messages
        assert "Кофейня" in reminders[0].text
        assert reminders[0].button_texts == ["✍️ Ввести цифры"]
    assert len(viewer.messages) == viewer_seen  # viewers cannot enter numbers

    replies = await editor.click("✍️ Ввести цифры")
    assert "(1/" in replies[-1].text  # the guided /add dialog started
    await editor.send("12000")
    await editor.click("Сохранить")
    stored = await app.storage.get_values(project.id, since=MONDAY - timedelta(weeks=1))
    assert [(v.metric, v.value) for v in stored] == [("reach", 12000)]


async def test_no_reminder_after_the_digest_or_when_numbers_are_in(
        botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    await make_project(app)  # numbers up to the week before MONDAY
    assert await app.reminders.remind_due(REMIND_AT) == 0
    empty = await make_project(app, name="Пусто", this_week=None)
    assert await app.reminders.remind_due(MSK_DUE + timedelta(minutes=1)) == 0  # too late
    await app.storage.set_schedule(empty.id, weekday=0, at=time(10), enabled=True,
                                   reminder_hours=None)
    assert await app.reminders.remind_due(REMIND_AT) == 0  # reminders off
    assert botapi.calls_to("sendMessage", ok=True) == []


async def test_english_reminder(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, OWNER, "Bob", language_code="en")
    await make_project(app, lang="en", name="Yoga", this_week=None)
    await bob.send("/language en")
    assert await app.reminders.remind_due(REMIND_AT) == 1
    assert "Yoga" in bob.last_message.text and "Nov 9–15" in bob.last_message.text
    assert bob.last_message.button_texts == ["✍️ Enter numbers"]


async def test_report_is_not_posted_into_a_group_the_project_is_not_linked_to(
        botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    group = botapi.add_chat(-100777, "supergroup", "Чужая группа")
    botapi.set_member(group.id, OWNER, "member")
    update_id = botapi.push_message(OWNER, "/report", chat_id=group.id)
    await botapi.wait_processed(update_id)
    assert photos_to(botapi, group.id) == []
    assert botapi.bot_messages(group.id) == []


async def test_a_sunday_night_digest_missed_across_the_week_boundary_goes_out_late_once(
        botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    project = await make_project(app)
    await app.storage.set_schedule(project.id, weekday=6, at=time(23, 0), enabled=True,
                                   reminder_hours=None)
    sunday = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    assert await app.delivery.deliver_due(sunday - timedelta(minutes=1)) == 0
    # The bot was down from 22:30 Sunday to 01:00 Monday (Moscow): the digest still goes out,
    # about the week it was scheduled for, once.
    monday_night = sunday + timedelta(hours=2)
    assert await app.delivery.deliver_due(monday_night) == 1
    assert await app.delivery.deliver_due(monday_night + timedelta(minutes=1)) == 0
    caption = photos_to(botapi, OWNER)[-1].params["caption"]
    assert "9–15 ноя" in caption  # the week before the scheduled Sunday, not the one just ended
    # Later than the grace window it is not sent at all (a stale digest helps nobody).
    await app.storage.set_schedule(project.id, weekday=6, at=time(23, 0), enabled=True,
                                   reminder_hours=None)
    assert await app.delivery.deliver_due(sunday + timedelta(days=7, hours=30)) == 0
    assert len(photos_to(botapi, OWNER)) == 1


async def test_a_wave_of_due_projects_is_counted_and_sent_once_each(
        botapi: TelegramFake, app: App):
    TgUser(botapi, OWNER, "Анна")
    projects = [await make_project(app, name=f"Проект {i}") for i in range(12)]
    assert await app.delivery.deliver_due(MSK_DUE) == len(projects)
    assert len(photos_to(botapi, OWNER)) == len(projects)
    assert await app.delivery.deliver_due(MSK_DUE + timedelta(minutes=1)) == 0


async def test_report_offers_the_monthly_view_with_recomputed_rates(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    project = await make_project(app, this_week=None)
    await app.storage.set_kpis(project.id, [ProjectKpi("leads"), ProjectKpi("cpl")])
    this_week = current_week(project.timezone)
    values = []
    for i in range(1, 9):  # weeks 1-4 before: 10 leads for 1000; weeks 5-8 before: 5 for 1000
        week = this_week - timedelta(weeks=i)
        leads = 10 if i <= 4 else 5
        values += [NewValue(week, "leads", leads), NewValue(week, "spend", 1000)]
    await app.storage.save_batch(project.id, OWNER, BatchSource.IMPORT, values)
    await anna.send("/report")
    replies = await anna.click("📅 Месяц: 4 недели против 4 предыдущих")
    text = replies[-1].text
    assert "Лиды: 40 (было 20) +100" in text
    assert "CPL: 100 (было 200) −50" in text
