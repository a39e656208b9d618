"""Teams end to end: roles, invite links, /members by name, role changes, removal, owner-only
settings, /delete and /forget."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.i18n import get_translator
from storage.models import Role
from storage.sqlite import SqliteStorage
from tests.botapi.client import SentMessage, TgUser
from tests.botapi.fake import TelegramFake, parse_html
from tests.e2e.app import App
from tests.e2e.conftest import onboard
from tests.e2e.dbstate import snapshot as rows_of
from tests.pg import run_sql

RU = get_translator("ru")
OWNER, EDITOR, VIEWER, STRANGER = 1001, 2002, 3003, 4004
TABLES = ("projects", "users", "members", "project_kpis", "batches", "entries", "weekly_values",
          "invites", "alert_thresholds")


def plain(key: str, **kwargs: object) -> str:
    """A message as the user reads it (HTML markup removed)."""
    return parse_html(RU(key, **kwargs))[0]


async def snapshot(storage: SqliteStorage) -> dict[str, list[Any]]:
    """Every row that matters, to prove a refused action changed nothing."""
    return await rows_of(storage, TABLES)


async def new_invite(owner: TgUser, role: str) -> str:
    """The owner taps 'invite' in /members; returns the token of the link."""
    await owner.send("/members")
    button = "➕ Пригласить редактора" if role == "editor" else "➕ Пригласить наблюдателя"
    replies = await owner.click(button)
    match = re.search(r"https://t\.me/\w+\?start=([\w-]+)", replies[-1].text)
    assert match, replies[-1].text
    return match.group(1)


async def join(user: TgUser, token: str) -> list[SentMessage]:
    return await user.send(f"/start {token}")


async def team(botapi: TelegramFake, app: App, name: str = "Кофейня") -> tuple[
        TgUser, TgUser, TgUser, int]:
    """Anna owns the project, Bob edits, Vera views."""
    anna = TgUser(botapi, OWNER, "Анна", username="anna_smm")
    bob = TgUser(botapi, EDITOR, "Bob <b>", username="bob_x")
    vera = TgUser(botapi, VIEWER, "Вера & 🌸")
    await onboard(anna, name, goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project_id = (await app.storage.list_memberships(OWNER))[0].project.id
    await join(bob, await new_invite(anna, "editor"))
    await join(vera, await new_invite(anna, "viewer"))
    return anna, bob, vera, project_id


async def test_invites_admit_with_their_role_and_members_are_listed_by_name(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна", username="anna_smm")
    bob = TgUser(botapi, EDITOR, "Bob <b>", username="bob_x")
    vera = TgUser(botapi, VIEWER, "Вера & 🌸")
    await onboard(anna, "Кофейня <Зерно>", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project_id = (await app.storage.list_memberships(OWNER))[0].project.id

    token = await new_invite(anna, "editor")
    invite_text = anna.last_message.text
    assert "7" in invite_text and "редактор" in invite_text
    [(role, max_uses, uses, expires_at)] = await run_sql(
        app.storage, "SELECT role, max_uses, uses, expires_at FROM invites WHERE token = ?",
        token)
    assert (role, max_uses, uses) == ("editor", 1, 0)
    if isinstance(expires_at, str):  # SQLite keeps ISO text, PostgreSQL a timestamptz
        expires_at = datetime.fromisoformat(expires_at)
    left = expires_at - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < left <= timedelta(days=7)
    assert len(token) >= 16  # random, not guessable

    replies = await join(bob, token)
    assert "Кофейня <Зерно>" in replies[-1].text and "редактор" in replies[-1].text
    assert await app.storage.get_membership(EDITOR, project_id) is Role.EDITOR
    await join(vera, await new_invite(anna, "viewer"))
    assert await app.storage.get_membership(VIEWER, project_id) is Role.VIEWER
    # the joined project is active for the newcomer
    assert (await app.storage.get_user(VIEWER)).active_project_id == project_id

    replies = await anna.send("/members")
    text = replies[-1].text
    assert "Кофейня <Зерно>" in text
    assert "Анна (@anna_smm) — владелец" in text
    assert "Bob <b> (@bob_x) — редактор" in text
    assert "Вера & 🌸 — наблюдатель" in text
    assert str(EDITOR) not in text and str(VIEWER) not in text
    buttons = replies[-1].button_texts
    assert "Bob <b> (@bob_x): сделать наблюдателем" in buttons
    assert "Вера & 🌸: сделать редактором" in buttons
    assert "Вера & 🌸: удалить" in buttons

    # everyone may look at the team, only the owner gets the buttons
    replies = await vera.send("/members")
    assert "Анна (@anna_smm) — владелец" in replies[-1].text
    assert replies[-1].button_texts == []


async def test_a_new_name_is_remembered(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна")
    await anna.send("/help")
    assert (await app.storage.get_user(OWNER)).display_name == "Анна"
    botapi.users[OWNER].first_name = "Анна-Мария"
    botapi.users[OWNER].username = "am"
    await anna.send("/help")
    assert (await app.storage.get_user(OWNER)).display_name == "Анна-Мария (@am)"


async def test_owner_changes_roles_and_removes_members(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)

    await anna.send("/members")
    replies = await anna.click("Bob <b> (@bob_x): сделать наблюдателем")
    assert "Bob <b> (@bob_x) — наблюдатель" in replies[-1].text
    assert await app.storage.get_membership(EDITOR, project_id) is Role.VIEWER
    replies = await bob.send("охват 100")
    assert plain("access-denied-edit") in replies[-1].text

    replies = await anna.click("Вера & 🌸: сделать редактором")
    assert await app.storage.get_membership(VIEWER, project_id) is Role.EDITOR
    replies = await vera.send("охват 100")
    assert "Записал" in replies[-1].text

    replies = await anna.click("Вера & 🌸: удалить")
    assert "Вера" not in replies[-1].text
    assert await app.storage.get_membership(VIEWER, project_id) is None
    assert (await app.storage.get_user(VIEWER)).active_project_id is None
    replies = await vera.send("охват 200")
    assert plain("no-project") in replies[-1].text
    # the values Vera entered while she was an editor stay with the project
    assert [v.value for v in await app.storage.get_values(project_id)] == [100]


async def test_invite_used_expired_or_wrong_is_refused(botapi: TelegramFake, app: App):
    anna, _bob, _vera, project_id = await team(botapi, app)
    carol = TgUser(botapi, STRANGER, "Carol")
    token = await new_invite(anna, "editor")
    await join(carol, token)  # carol uses it…
    await app.storage.set_member_role(project_id, STRANGER, None)
    before = await snapshot(app.storage)
    replies = await join(carol, token)  # …and it is single use, even for her
    assert plain("invite-invalid") in replies[-1].text
    assert await snapshot(app.storage) == before

    expired = await app.storage.create_invite(
        project_id, Role.EDITOR, OWNER, datetime.now(UTC) - timedelta(seconds=1), 1)
    before = await snapshot(app.storage)
    for token in (expired.token, "A" * 22, "short", "x" * 65):
        replies = await join(carol, token)
        assert plain("invite-invalid") in replies[-1].text, token
    assert await app.storage.get_membership(STRANGER, project_id) is None
    assert await snapshot(app.storage) == before

    # an invite never lowers a role: the owner following a viewer link stays owner
    token = await new_invite(anna, "viewer")
    await join(anna, token)
    assert await app.storage.get_membership(OWNER, project_id) is Role.OWNER


async def test_only_the_owner_links_a_channel_changes_the_schedule_or_deletes(
        botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)
    channel = botapi.add_chat(-1001234567890, "channel", "Канал <Зерно> & \"Co\" 🚀",
                              username="zerno_channel")
    for user in (anna, bob, vera):
        botapi.set_member(channel.id, user.user_id, "administrator")
    before = await snapshot(app.storage)
    for user in (bob, vera):
        for command in ("/channel @zerno_channel", "/channel off", "/schedule вт 09:00",
                        "/schedule off", "/delete"):
            replies = await user.send(command)
            assert plain("access-denied-owner") in replies[-1].text, (user.first_name, command)
        # /timezone shows the zone to non-owners and changes nothing
        replies = await user.send("/timezone UTC")
        assert "Europe/Moscow" in replies[-1].text
    assert await snapshot(app.storage) == before

    replies = await anna.send("/channel @zerno_channel")
    assert "Канал <Зерно> & \"Co\" 🚀" in replies[-1].text
    project = await app.storage.get_project(project_id)
    assert project.channel_chat_id == channel.id
    replies = await anna.send("/schedule вт 09:00")
    assert "✅" in replies[-1].text
    assert (await app.storage.get_project(project_id)).schedule_weekday == 1


async def test_delete_removes_the_project_and_all_its_data(botapi: TelegramFake, app: App):
    anna, bob, _vera, project_id = await team(botapi, app, name="Кофейня <Зерно>")
    await bob.send("охват 100, лиды 5")
    replies = await anna.send("/delete")
    assert "Кофейня <Зерно>" in replies[-1].text
    await anna.click(plain("keep-button"))
    assert await app.storage.get_project(project_id) is not None

    await anna.send("/delete")
    replies = await anna.click("🗑 Да, удалить")
    assert "Кофейня <Зерно>" in replies[-1].text
    assert await app.storage.get_project(project_id) is None
    rows = await snapshot(app.storage)
    for table in ("projects", "members", "project_kpis", "batches", "entries",
                  "weekly_values", "invites"):
        assert rows[table] == [], table
    assert all(user[2] is None for user in rows["users"])  # nobody's active project any more
    replies = await bob.send("/history")
    assert plain("no-project") in replies[-1].text


async def test_forget_deletes_my_data_after_confirmation(botapi: TelegramFake, app: App):
    _anna, bob, _vera, project_id = await team(botapi, app)
    await bob.send("охват 100")
    await bob.send("/new")
    await bob.send("Мой проект")
    await bob.click("🎯 Лиды и трафик")
    await bob.click("✔️ Готово")
    await bob.click("Без целей")
    await bob.click("Москва (UTC+3)")
    bob_project = next(m.project.id for m in await app.storage.list_memberships(EDITOR)
                       if m.role is Role.OWNER)

    replies = await bob.send("/forget")
    assert replies[-1].find_button("🗑 Да, удалить всё")
    assert await app.storage.get_user(EDITOR) is not None  # nothing happens before confirming
    await bob.click("🗑 Да, удалить всё")
    assert "удалены" in bob.last_message.text
    assert await app.storage.get_project(bob_project) is None
    assert await app.storage.get_membership(EDITOR, project_id) is None
    assert [uid for uid, _ in await app.storage.list_members(project_id)] == [OWNER, VIEWER]
    assert await run_sql(app.storage, "SELECT COUNT(*) FROM users WHERE id = ?",
                         EDITOR) == [(0,)]
    assert await run_sql(app.storage, "SELECT COUNT(*) FROM batches WHERE user_id = ?",
                         EDITOR) == [(0,)]
    # the project Bob helped with keeps its numbers
    assert [v.value for v in await app.storage.get_values(project_id)] == [100]
