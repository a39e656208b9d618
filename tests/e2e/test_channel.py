"""/channel: linking the chat digests are posted to, every refusal reason, owner-only, and the
offer when the bot is added to a channel — the real Dispatcher against the fake."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from storage.models import ProjectKpi, Role
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App

OWNER = 1001
CHANNEL = -1001234567890


async def owner_with_project(botapi: TelegramFake, app: App, lang: str = "ru"
                             ) -> tuple[TgUser, int]:
    user = TgUser(botapi, OWNER, "Анна" if lang == "ru" else "Ann", language_code=lang)
    project = await app.storage.create_project(OWNER, "Кофейня", "reach", "Europe/Moscow", lang,
                                               [ProjectKpi("reach")])
    return user, project.id


def add_channel(botapi: TelegramFake, *, user_status: str = "administrator",
                **bot: object) -> int:
    botapi.add_chat(CHANNEL, "channel", "Coffee News", username="coffee_news", **bot)
    botapi.set_member(CHANNEL, OWNER, user_status)
    return CHANNEL


async def assert_digest_goes_to_channel(botapi: TelegramFake, app: App, project_id: int) -> None:
    today = datetime.now(UTC).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    due = datetime.combine(next_monday, time(7), tzinfo=UTC)  # 10:00 in Moscow
    assert await app.delivery.deliver_due(due) == 1
    photos = botapi.calls_to("sendPhoto", ok=True)
    assert [int(c.params["chat_id"]) for c in photos] == [CHANNEL]


async def test_link_by_username_and_digest_goes_to_the_channel(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    add_channel(botapi)
    replies = await anna.send("/channel @coffee_news")
    assert "✅" in replies[-1].text and "Coffee News" in replies[-1].text
    project = await app.storage.get_project(project_id)
    assert (project.channel_chat_id, project.channel_title) == (CHANNEL, "Coffee News")
    await assert_digest_goes_to_channel(botapi, app, project_id)
    replies = await anna.send("/channel off")
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_link_by_forwarded_post_in_the_dialog(botapi: TelegramFake, app: App):
    bob, project_id = await owner_with_project(botapi, app, lang="en")
    add_channel(botapi)
    replies = await bob.send("/channel")
    assert "forward" in replies[-1].text.lower()
    await bob.send("just some words")  # not a chat: the instructions again
    assert "forward" in bob.last_message.text.lower()
    replies = await bob.forward_from_channel(CHANNEL)
    assert "✅" in replies[-1].text and "Coffee News" in replies[-1].text
    assert (await app.storage.get_project(project_id)).channel_chat_id == CHANNEL
    await assert_digest_goes_to_channel(botapi, app, project_id)


async def test_link_by_username_typed_in_the_dialog(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    add_channel(botapi)
    await anna.send("/channel")
    replies = await anna.send("@coffee_news")
    assert "✅" in replies[-1].text
    assert (await app.storage.get_project(project_id)).channel_chat_id == CHANNEL


@pytest.mark.parametrize(("setup", "reason"), [
    ("bot-left", "Меня нет"),
    ("bot-no-post", "нет права публиковать"),
    ("user-not-admin", "только его администратор"),
    ("unknown", "Не нашёл чат"),
])
async def test_refusals_give_the_reason(botapi: TelegramFake, app: App, setup, reason):
    anna, project_id = await owner_with_project(botapi, app)
    if setup == "bot-left":
        add_channel(botapi, bot_status="left")
    elif setup == "bot-no-post":
        add_channel(botapi, can_post_messages=False)
    elif setup == "user-not-admin":
        add_channel(botapi, user_status="member")
    ref = "@nobody_here" if setup == "unknown" else "@coffee_news"
    replies = await anna.send(f"/channel {ref}")
    assert reason in replies[-1].text, replies[-1].text
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_bot_removed_from_the_channel_is_not_found(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    add_channel(botapi)
    botapi.remove_bot_from(CHANNEL)
    replies = await anna.send("/channel @coffee_news")
    assert "✅" not in replies[-1].text
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_a_private_chat_is_refused(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    TgUser(botapi, 5005, "Петя", username="petya")
    replies = await anna.send("/channel @petya")
    assert "личный чат" in replies[-1].text
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_a_group_works_too(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    botapi.add_chat(CHANNEL, "supergroup", "Team chat", username="team_chat", bot_status="member")
    botapi.set_member(CHANNEL, OWNER, "creator")
    replies = await anna.send("/channel @team_chat")
    assert "✅" in replies[-1].text
    await assert_digest_goes_to_channel(botapi, app, project_id)


async def test_only_the_owner_may_link(botapi: TelegramFake, app: App):
    _, project_id = await owner_with_project(botapi, app)
    add_channel(botapi)
    invite = await app.storage.create_invite(project_id, Role.VIEWER, OWNER,
                                             datetime.now(UTC) + timedelta(days=1), 1)
    vera = TgUser(botapi, 2002, "Вера")
    await vera.send(f"/start {invite.token}")
    botapi.set_member(CHANNEL, 2002, "administrator")  # admin of the channel, viewer here
    replies = await vera.send("/channel @coffee_news")
    assert "владел" in replies[-1].text.lower() or "owner" in replies[-1].text.lower()
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_adding_the_bot_to_a_channel_offers_to_link(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    add_channel(botapi, bot_status="left")
    replies = await anna.add_bot_to_channel(CHANNEL)
    offer = replies[-1]
    assert "Coffee News" in offer.text
    assert offer.button_texts == ["Да, публиковать сюда"]
    replies = await anna.click("Да, публиковать сюда")
    assert any("✅" in r.text for r in replies if r.text)
    assert (await app.storage.get_project(project_id)).channel_chat_id == CHANNEL
    await assert_digest_goes_to_channel(botapi, app, project_id)


async def test_accepting_the_offer_rechecks_the_rights(botapi: TelegramFake, app: App):
    anna, project_id = await owner_with_project(botapi, app)
    add_channel(botapi, bot_status="left")
    await anna.add_bot_to_channel(CHANNEL)
    # The right to post was taken away before the owner tapped the button.
    botapi.set_member(CHANNEL, botapi.bot_id, "administrator", can_post_messages=False)
    replies = await anna.click("Да, публиковать сюда")
    assert any("нет права публиковать" in r.text for r in replies if r.text)
    assert (await app.storage.get_project(project_id)).channel_chat_id is None


async def test_no_offer_to_someone_without_projects(botapi: TelegramFake, app: App):
    stranger = TgUser(botapi, OWNER, "Анна")
    add_channel(botapi, bot_status="left")
    replies = await stranger.add_bot_to_channel(CHANNEL)
    assert replies == []
