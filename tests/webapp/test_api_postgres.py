"""The dashboard API on the PostgreSQL backend: the same tests as test_api, only DATABASE_URL
differs (the access checks, the edit as a chat batch and the digest's sentences)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.postgres import PostgresStorage
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app
from tests.e2e.postgres_app import pytestmark  # noqa: F401 — skipped without PostgreSQL
from tests.pg import empty_pg_database
from tests.webapp.test_api import (  # noqa: F401 — collected here, with this module's `app`
    http,
    test_a_viewer_reads_but_cannot_edit,
    test_an_editor_corrects_a_week_as_a_chat_entry_and_the_chat_sees_it,
    test_another_users_project_is_refused_with_no_data,
    test_the_alert_sentences_are_the_digests,
    test_the_owner_sees_the_projects_active_first_and_the_series,
)


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path, pg_url: str) -> AsyncIterator[App]:
    await empty_pg_database(pg_url)
    async with running_app(botapi, tmp_path / "unused.db", database_url=pg_url,
                           default_language="en", webapp=True) as running:
        assert isinstance(running.storage, PostgresStorage)
        yield running
