"""Telegram errors inside handlers: harmless ones are ignored quietly, anything else is logged
with its context (no business numbers, no token) and the user gets a short apology; the bot
keeps serving everyone else."""

import logging

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import running_app
from tests.e2e.conftest import onboard


async def test_handler_errors_are_logged_with_context_and_the_user_gets_an_apology(
        botapi: TelegramFake, tmp_path, caplog):
    async with running_app(botapi, tmp_path / "bot.db", raise_handler_errors=False) as app:
        anna = TgUser(botapi, 1001, "Анна", language_code="ru")
        bob = TgUser(botapi, 1002, "Bob", language_code="en")
        await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        project = (await app.storage.list_memberships(1001))[0].project

        # The reply to a saved entry fails for good: the number is stored, the error logged
        # with update type, user and project, never the numbers themselves.
        botapi.inject("sendMessage", 400, count=1, chat_id=1001,
                      description="Bad Request: something unexpected")
        with caplog.at_level(logging.INFO):
            await anna.send("лиды 4242")
        assert [v.value for v in await app.storage.get_values(project.id)] == [4242]
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert errors, caplog.text
        line = errors[-1].getMessage()
        assert "user=1001" in line and f"project={project.id}" in line
        assert "4242" not in caplog.text
        assert botapi.token.split(":")[1] not in caplog.text
        assert "Что-то пошло не так" in anna.last_message.text

        # "message is not modified" (a double tap) is not worth an apology or an ERROR.
        caplog.clear()
        botapi.inject("editMessageReplyMarkup", 400, count=1,
                      description="Bad Request: message is not modified")
        await anna.send("/kpis")
        await anna.click("▫️ Охват")
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        assert "Что-то пошло не так" not in (anna.last_message.text or "")

        # Everyone else is served as usual meanwhile.
        replies = await bob.send("/help")
        assert "What I can do" in replies[-1].text
