"""Safety end to end: server-side access checks against forged buttons, viewers, removed members
and strangers; untrusted text coming back intact; throttling; groups and bots ignored; the token
kept secret."""

from __future__ import annotations

import logging

from bot.throttle_budget import DEFAULT_POLICY, LocalBudget
from handlers.callbacks import (
    ChannelCb,
    ConfirmCb,
    ExportCb,
    InviteCb,
    MemberCb,
    ProjectCb,
    StartAddCb,
    UndoCb,
)
from tests.botapi.client import SentMessage, TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app
from tests.e2e.conftest import onboard
from tests.e2e.test_teams import (
    EDITOR,
    OWNER,
    STRANGER,
    VIEWER,
    join,
    new_invite,
    plain,
    snapshot,
    team,
)
from tests.pg import run_sql

MALLORY = 6006
CSV = b"week_start,reach,leads\n2026-11-02,1000,10\n"
NASTY = "Кофейня <Зерно> & \"Co\" 'x' 🚀"


async def forge(user: TgUser, data: str) -> list[SentMessage]:
    """Press a button that was never offered: any callback data, on the user's last message."""
    assert len(data.encode()) <= 64
    target = user.fake.bot_messages(user.chat_id)[-1]
    return await user._act(lambda: user.fake.push_callback(user.user_id, target, data),
                           f"after forged callback {data!r}", None)


def alert(user: TgUser) -> str:
    return (user.last_callback_answer or {}).get("text") or ""


async def mallory_with_own_project(botapi: TelegramFake) -> TgUser:
    """Mallory owns a project of her own and is nobody else's member."""
    mallory = TgUser(botapi, MALLORY, "Mallory")
    await onboard(mallory, "Чужой", goal="🎯 Лиды и трафик", tz="UTC")
    return mallory


async def last_batch_id(app: App, project_id: int) -> int:
    return (await run_sql(app.storage, "SELECT MAX(id) FROM batches WHERE project_id = ?",
                          project_id))[0][0]


async def test_forged_callbacks_from_another_project_change_nothing(
        botapi: TelegramFake, app: App):
    _anna, bob, _vera, project_id = await team(botapi, app)
    await bob.send("охват 100, лиды 5")
    batch_id = await last_batch_id(app, project_id)
    mallory = await mallory_with_own_project(botapi)
    own = (await app.storage.list_memberships(MALLORY))[0].project.id
    channel = botapi.add_chat(-1009876543210, "channel", "Anna's channel")
    botapi.set_member(channel.id, OWNER, "creator")
    before = await snapshot(app.storage)

    await forge(mallory, UndoCb(project_id=project_id, batch_id=batch_id).pack())
    assert alert(mallory) == plain("access-denied")
    await forge(mallory, UndoCb(project_id=own, batch_id=batch_id).pack())
    assert alert(mallory) == plain("undo-not-possible")
    await forge(mallory, ProjectCb(project_id=project_id).pack())
    assert alert(mallory) == plain("access-denied")
    # Buttons carry the project they were made for; forging another project's id is refused.
    await forge(mallory, InviteCb(project_id=project_id, role="editor").pack())
    assert alert(mallory) == plain("access-denied")
    await forge(mallory, MemberCb(project_id=project_id, action="remove", user_id=EDITOR).pack())
    assert alert(mallory) == plain("access-denied")
    await forge(mallory, ExportCb(project_id=project_id, fmt="xlsx").pack())
    assert alert(mallory) == plain("access-denied")
    assert (await app.storage.get_user(MALLORY)).active_project_id == own
    for victim in (OWNER, EDITOR, VIEWER, STRANGER):  # not in Mallory's project
        for action in ("remove", "role_editor", "role_viewer"):
            await forge(mallory, MemberCb(project_id=own, action=action, user_id=victim).pack())
            assert alert(mallory) == plain("stale-button")
    await forge(mallory, MemberCb(project_id=own, action="role_owner", user_id=MALLORY).pack())
    assert alert(mallory) == plain("stale-button")
    # Not a member at all: told so, whatever right the action would need.
    await forge(mallory, ConfirmCb(action="delete", project_id=project_id).pack())
    assert alert(mallory) == plain("access-denied")
    await forge(mallory, StartAddCb(project_id=project_id, week="2026-11-02").pack())
    assert alert(mallory) == plain("access-denied")
    await mallory.send("/projects")  # a message with buttons: the offer handler clears them
    replies = await forge(mallory, ChannelCb(chat_id=channel.id).pack())
    assert "администратор" in replies[-1].text  # she does not administer Anna's channel
    await forge(mallory, "undo:abc:1")  # malformed data: no handler matches, nothing happens

    after = await snapshot(app.storage)
    assert after == before
    assert await app.storage.get_project(project_id) is not None
    replies = await mallory.send("охват 1")  # her own project is still hers, and only hers
    assert "Записал" in replies[-1].text
    assert [v.value for v in await app.storage.get_values(project_id, metrics=["reach"])] \
        == [100]


async def test_a_viewer_cannot_write_anything(botapi: TelegramFake, app: App):
    _anna, bob, vera, project_id = await team(botapi, app)
    await bob.send("лиды 7")
    batch_id = await last_batch_id(app, project_id)
    before = await snapshot(app.storage)
    for text in ("охват 500", "/add", "/undo", "/kpis"):
        replies = await vera.send(text)
        assert plain("access-denied-edit") in replies[-1].text, text
    replies = await vera.upload("numbers.csv", CSV)
    assert plain("access-denied-edit") in replies[-1].text
    await forge(vera, UndoCb(project_id=project_id, batch_id=batch_id).pack())
    assert alert(vera) == plain("access-denied-edit")
    await forge(vera, StartAddCb(project_id=project_id, week="2026-11-02").pack())
    assert alert(vera) == plain("access-denied-edit")
    await forge(vera, InviteCb(project_id=project_id, role="editor").pack())
    assert alert(vera) == plain("access-denied-owner")
    await forge(vera, MemberCb(project_id=project_id, action="role_editor", user_id=VIEWER).pack())
    assert alert(vera) == plain("access-denied-owner")
    await forge(vera, MemberCb(project_id=project_id, action="remove", user_id=EDITOR).pack())
    assert alert(vera) == plain("access-denied-owner")
    await forge(vera, ConfirmCb(action="delete", project_id=project_id).pack())
    assert alert(vera) == plain("access-denied-owner")
    assert await snapshot(app.storage) == before
    # reading is allowed
    replies = await vera.send("/history")
    assert "Кофейня" in replies[-1].text


async def test_a_removed_member_can_no_longer_use_the_project(botapi: TelegramFake, app: App):
    anna, bob, _vera, project_id = await team(botapi, app)
    replies = await bob.send("охват 100")
    undo_message = replies[-1]
    await anna.send("/members")
    await anna.click("Bob <b> (@bob_x): удалить")
    assert await app.storage.get_membership(EDITOR, project_id) is None
    before = await snapshot(app.storage)

    for text in ("охват 500", "/undo", "/history", "/report", "/export", "/members", "/add",
                 "/delete"):
        replies = await bob.send(text)
        assert plain("no-project") in replies[-1].text, text
    replies = await bob.upload("numbers.csv", CSV)
    assert plain("no-project") in replies[-1].text
    await bob.click("↩️ Отменить", undo_message)
    assert alert(bob) == plain("access-denied")
    await forge(bob, ProjectCb(project_id=project_id).pack())
    assert alert(bob) == plain("access-denied")
    await forge(bob, StartAddCb(project_id=project_id, week="2026-11-02").pack())
    assert alert(bob) == plain("access-denied")
    replies = await bob.send("/projects")
    assert plain("no-project") in replies[-1].text
    assert await snapshot(app.storage) == before


async def test_a_removed_member_mid_dialog_saves_nothing(botapi: TelegramFake, app: App):
    _anna, bob, _vera, project_id = await team(botapi, app)
    await bob.send("/add")
    await bob.send("100")
    await app.storage.set_member_role(project_id, EDITOR, None)
    before = await snapshot(app.storage)
    await bob.click("Сохранить")
    assert plain("access-denied") in bob.last_message.text
    await bob.upload("numbers.csv", CSV)
    assert await snapshot(app.storage) == before


async def test_untrusted_names_come_back_intact_everywhere(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна <script>", username="anna_smm")
    await anna.send("/start")
    replies = await anna.send(NASTY)
    assert NASTY in replies[-1].text
    await anna.click("🎯 Лиды и трафик")
    await anna.click("➕ Своя метрика")
    metric = "Звонки <b>&\"'</b> 📞"
    replies = await anna.send(metric)
    assert f"✅ {metric}" in replies[-1].button_texts
    await anna.click("✔️ Готово")
    await anna.click("Без целей")
    replies = await anna.click("Москва (UTC+3)")
    assert NASTY in replies[-1].text
    project_id = (await app.storage.list_memberships(OWNER))[0].project.id
    assert (await app.storage.get_project(project_id)).name == NASTY

    await anna.send("прошлая неделя: охват 1000, лиды 10")
    replies = await anna.send(f"{metric} 5")
    assert metric in replies[-1].text
    replies = await anna.send("/projects")
    assert NASTY in replies[-1].text and any(NASTY in b for b in replies[-1].button_texts)
    replies = await anna.send("/members")
    assert NASTY in replies[-1].text and "Анна <script> (@anna_smm)" in replies[-1].text
    replies = await anna.send("/history")
    assert NASTY in replies[-1].text
    replies = await anna.send(f"/history {metric}")  # one metric: a chart, table as caption
    assert metric[:9] in replies[-1].caption  # the table cuts column headers to 9 characters
    replies = await anna.send("/export")
    assert NASTY in replies[-1].caption
    replies = await anna.send("/report")
    assert any(NASTY in r.content for r in replies)
    replies = await anna.upload("<weird> & \"name\" 🚀.csv", CSV)
    assert "<weird> & \"name\" 🚀.csv" in replies[-1].text

    channel = botapi.add_chat(-1001112223334, "channel", "Канал <b> & \"Co\" 🚀",
                              username="nasty_channel")
    botapi.set_member(channel.id, OWNER, "creator")
    replies = await anna.add_bot_to_channel(channel)
    assert "Канал <b> & \"Co\" 🚀" in replies[-1].text
    replies = await anna.click("Да, публиковать сюда")
    assert "Канал <b> & \"Co\" 🚀" in replies[-1].text and NASTY in replies[-1].text
    replies = await anna.send("/channel")
    assert "Канал <b> & \"Co\" 🚀" in replies[-1].text
    await anna.send("/cancel")
    replies = await anna.send("/delete")
    assert NASTY in replies[-1].text
    replies = await anna.click("🗑 Да, удалить")
    assert NASTY in replies[-1].text
    # every bot call parsed as valid HTML and no callback data was over 64 bytes
    assert all(call.ok for call in botapi.calls_to("sendMessage"))


async def test_names_have_length_limits(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    await anna.send("/start")
    replies = await anna.send("Я" * 65)
    assert "64" in replies[-1].text
    await anna.send("Я" * 64)
    await anna.click("🎯 Лиды и трафик")
    await anna.click("➕ Своя метрика")
    replies = await anna.send("М" * 41)
    assert "40" in replies[-1].text
    assert await app.storage.list_memberships(OWNER) == []


async def test_expensive_actions_are_throttled_per_user(botapi: TelegramFake, tmp_path):
    """Throttled by cost (tests/e2e/test_throttling.py has the rest): a second chart render
    at once waits for the cooldown, a second export or upload does not."""
    async with running_app(botapi, tmp_path / "throttle.db", budget=LocalBudget()) as app:
        anna = TgUser(botapi, OWNER, "Анна")
        bob = TgUser(botapi, EDITOR, "Bob")
        await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        await join(bob, await new_invite(anna, "editor"))
        await anna.send("прошлая неделя: охват 1000, лиды 10")
        cooldown = int(DEFAULT_POLICY.cost("report").cooldown)
        for action, held in ((lambda u: u.send("/report"), True),
                             (lambda u: u.send("/export"), False),
                             (lambda u: u.upload("numbers.csv", CSV), False)):
            first = await action(anna)
            assert not any("⏳" in r.content for r in first)
            again = await action(anna)
            if held:
                assert again[-1].text == plain("throttled", seconds=cooldown)
            else:
                assert not any("⏳" in r.content for r in again)
            other = await action(bob)  # another user is not held back
            assert not any("⏳" in r.content for r in other)
        # numbers are cheap and never throttled
        await anna.send("/cancel")
        for _ in range(3):
            replies = await anna.send("лиды 11")
            assert "Записал" in replies[-1].text
        assert app.storage is not None


async def test_groups_and_other_bots_are_ignored(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    botapi.add_chat(-500, "group", "Random group", bot_status="member")
    botapi.set_member(-500, OWNER, "member")
    in_group = TgUser(botapi, OWNER, "Анна", chat_id=-500)
    before = await snapshot(app.storage)
    for text in ("охват 100, лиды 5", "/undo", "/add", "/members", "/delete", "/forget",
                 "/new", "/start"):
        replies = await in_group.send(text)
        assert replies == [], text
    replies = await in_group.upload("numbers.csv", CSV)
    assert replies == []
    assert await snapshot(app.storage) == before

    botapi.add_user(7007, "EvilBot", username="evil_bot")
    botapi.users[7007].is_bot = True
    evil = TgUser(botapi, 7007, "EvilBot")
    for text in ("/start", "охват 100", "/forget"):
        assert await evil.send(text) == []
    assert await app.storage.get_user(7007) is None
    assert await snapshot(app.storage) == before


async def test_the_token_never_leaks_into_logs_or_messages(botapi: TelegramFake, app: App,
                                                           caplog):
    caplog.set_level(logging.DEBUG)
    secret = botapi.token.split(":", 1)[1]
    anna = TgUser(botapi, OWNER, "Анна")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    await anna.send("охват 100")
    botapi.inject("sendMessage", 500, count=1)  # a failing reply: the error handler logs it
    await anna.send("/history")
    botapi.inject("sendMessage", 400, count=2, description="Bad Request: chat not found")
    await anna.send("/help")
    botapi.inject("sendMessage", "drop", count=1)
    await anna.send("/help")
    botapi.inject("getUpdates", 502, count=1)
    await anna.send("/help")
    await anna.send("/export")
    assert caplog.records  # the bot did log
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in str(record.exc_info or "")
        assert secret not in (record.exc_text or "")
    for call in botapi.calls:
        assert secret not in repr(call.params), call.method
