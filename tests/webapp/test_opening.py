"""Ways into the dashboard, end to end through the Bot API fake: /dashboard, the chat's menu
button, the button under /report and under the digest — and none of it without WEBAPP_URL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.i18n import get_translator
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import WEBAPP_URL, App, running_app
from tests.e2e.test_digests import MSK_DUE, OWNER, make_project, photos_to
from tests.pg import run_sql


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path) -> AsyncIterator[App]:
    async with running_app(botapi, tmp_path / "bot.db", webapp=True) as running:
        yield running


@pytest.fixture
async def plain_app(botapi: TelegramFake, tmp_path) -> AsyncIterator[App]:
    async with running_app(botapi, tmp_path / "bot.db") as running:
        yield running


def web_app_urls(markup: dict | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [b["web_app"]["url"] for row in rows for b in row if "web_app" in b]


def markup_of(call) -> dict | None:
    markup = call.params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_dashboard_command_opens_the_app_and_sets_the_menu_button(
        botapi: TelegramFake, app: App, lang: str) -> None:
    user = TgUser(botapi, OWNER, "Anna", lang)
    replies = await user.send("/dashboard")
    t = get_translator(lang)
    assert replies[-1].text == t("dashboard-open")
    assert web_app_urls(replies[-1].reply_markup) == [WEBAPP_URL]
    assert replies[-1].button_texts == [t("dashboard-button")]
    button = botapi.menu_buttons[user.chat_id]
    assert button == {"type": "web_app", "text": t("dashboard-button"),
                      "web_app": {"url": WEBAPP_URL}}
    names = [c["command"] for c in botapi.get_commands(lang, {"type": "all_private_chats"})]
    assert "dashboard" in names


async def test_start_sets_the_menu_button(botapi: TelegramFake, app: App) -> None:
    await TgUser(botapi, OWNER, "Анна").send("/start")
    assert botapi.menu_buttons[OWNER]["web_app"]["url"] == WEBAPP_URL


async def test_report_and_the_private_digest_carry_the_button(botapi: TelegramFake,
                                                              app: App) -> None:
    owner = TgUser(botapi, OWNER, "Анна")
    await make_project(app)
    await owner.send("/report")
    sent = [c for c in botapi.calls if c.method in ("sendPhoto", "sendMessage")]
    assert WEBAPP_URL in [url for c in sent for url in web_app_urls(markup_of(c))]
    assert await app.delivery.deliver_due(MSK_DUE) == 1
    digest = photos_to(botapi, OWNER)[-1]
    assert web_app_urls(markup_of(digest)) == [WEBAPP_URL]


async def test_a_digest_to_a_channel_has_no_web_app_button(botapi: TelegramFake,
                                                           app: App) -> None:
    TgUser(botapi, OWNER, "Анна")
    channel = botapi.add_chat(-100777, "channel", title="Coffee news")
    botapi.set_member(channel.id, botapi.bot_id, "administrator", can_post_messages=True)
    project = await make_project(app)
    await run_sql(app.storage, "UPDATE projects SET channel_chat_id = ? WHERE id = ?",
                  channel.id, project.id)
    assert await app.delivery.deliver_due(MSK_DUE) == 1
    assert web_app_urls(markup_of(photos_to(botapi, channel.id)[-1])) == []


async def test_without_webapp_url_there_is_no_dashboard(botapi: TelegramFake,
                                                        plain_app: App) -> None:
    owner = TgUser(botapi, OWNER, "Анна")
    replies = await owner.send("/dashboard")
    assert replies[-1].text == get_translator("ru")("dashboard-off")
    await owner.send("/start")
    await make_project(plain_app)
    await owner.send("/report")
    assert await plain_app.delivery.deliver_due(MSK_DUE) == 1
    assert not botapi.calls_to("setChatMenuButton")
    assert not [c for c in botapi.calls if web_app_urls(markup_of(c))]
    names = [c["command"] for c in botapi.get_commands("ru", {"type": "all_private_chats"})]
    assert "dashboard" not in names
