# ----------------------------------------------------------------------------
# BEGIN botapi fixtures (Telegram Bot API fake; see tests/botapi/)
# ----------------------------------------------------------------------------
from collections.abc import AsyncIterator

import pytest

from tests.botapi.fake import TelegramFake


@pytest.fixture
async def botapi() -> AsyncIterator[TelegramFake]:
    """A started Telegram Bot API fake on 127.0.0.1 (random port)."""
    async with TelegramFake() as fake:
        yield fake


# ----------------------------------------------------------------------------
# END botapi fixtures
# ----------------------------------------------------------------------------

# Storage backends (SQLite and PostgreSQL) for the storage suites: see tests/pg.py.
from tests.pg import pg_url, storage, storage_factory  # noqa: E402, F401
