"""The same end-to-end conversations as test_core_flow, with the bot on PostgreSQL: the real
Dispatcher, handlers and FSM against the Bot API fake, unchanged, only DATABASE_URL differs."""

from __future__ import annotations

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import running_app
from tests.e2e.postgres_app import app, pytestmark  # noqa: F401 — this module's `app`
from tests.e2e.test_core_flow import (  # noqa: F401 — collected here, with this module's `app`
    test_entry_replace_undo_history_and_export_in_russian,
    test_guided_entry_saves_one_batch,
    test_onboarding_in_russian_creates_the_project_with_goal_kpis_and_target,
)
from tests.pg import empty_pg_database


async def test_a_dialog_continues_on_another_instance(botapi: TelegramFake, tmp_path,
                                                      pg_url: str) -> None:
    """Onboarding starts on one bot process and ends on another sharing the database."""
    await empty_pg_database(pg_url)
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    async with running_app(botapi, tmp_path / "a.db", database_url=pg_url):
        await anna.send("/start")
        await anna.send("Кофейня")
    async with running_app(botapi, tmp_path / "b.db", database_url=pg_url) as second:
        replies = await anna.click("💬 Вовлечённость")
        assert "Цель: 💬 Вовлечённость" in replies[-1].text
        await anna.click("✔️ Готово")
        await anna.click("Без целей")
        await anna.click("Москва (UTC+3)")
        project = (await second.storage.list_memberships(1001))[0].project
        assert (project.name, project.goal) == ("Кофейня", "engagement")
