"""The bot on a fresh PostgreSQL database, as the `app` fixture of the e2e suites that run a
second time on PostgreSQL (tests/e2e/test_postgres_*.py import `app` and `pytestmark`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.postgres import PostgresStorage
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app
from tests.pg import BACKENDS, empty_pg_database

pytestmark = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="SMM_TEST_POSTGRES_URL=off: PostgreSQL left out")


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path, pg_url: str) -> AsyncIterator[App]:
    await empty_pg_database(pg_url)
    async with running_app(botapi, tmp_path / "unused.db", database_url=pg_url) as running:
        assert isinstance(running.storage, PostgresStorage)
        yield running
