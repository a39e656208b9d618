"""Fixtures of the scale-out tests: a real Redis (SMM_TEST_REDIS_URL, default
redis://127.0.0.1:6379/13; `off` skips these tests, an unreachable Redis fails them) with a key
prefix of the test's own, deleted afterwards; the database the instances share, once a SQLite
file and once PostgreSQL (tests/pg.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.pg import BACKENDS, empty_pg_database

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


@dataclass
class RedisFixture:
    url: str
    prefix: str
    client: Redis


@pytest.fixture
async def redis_db() -> AsyncIterator[RedisFixture]:
    url = os.environ.get("SMM_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    if url.strip().lower() == "off":
        pytest.skip("SMM_TEST_REDIS_URL=off: Redis tests switched off")
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"Redis at {url} is unreachable ({type(exc).__name__}: {exc}); start it or "
                    "set SMM_TEST_REDIS_URL (or SMM_TEST_REDIS_URL=off to skip these tests)")
    prefix = f"smmtest-{uuid.uuid4().hex[:12]}"
    try:
        yield RedisFixture(url, prefix, client)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@dataclass(frozen=True)
class SharedDb:
    """The database every instance of a test points DATABASE_URL at."""

    url: str
    path: Path | None  # the SQLite file; None on PostgreSQL

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """One statement with `?` placeholders, committed, from synchronous test code (the
        wait_for conditions); datetimes and dates are passed as the backend stores them."""
        if self.path is not None:
            from storage.sqlite import to_db_datetime

            params = [to_db_datetime(p) if isinstance(p, datetime) else
                      p.isoformat() if isinstance(p, date) else p for p in params]
            with contextlib.closing(sqlite3.connect(self.path)) as conn, conn:
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
        parts = sql.split("?")
        numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))

        async def run() -> list[tuple]:
            import asyncpg

            conn = await asyncpg.connect(self.url, timeout=10)
            try:
                return [tuple(r) for r in await conn.fetch(numbered, *params)]
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as pool:  # its own loop: callers may be inside the test's
            return pool.submit(asyncio.run, run()).result()


@pytest.fixture(params=BACKENDS)
async def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> SharedDb:
    if request.param == "sqlite":
        path = tmp_path / "shared.db"
        return SharedDb(f"sqlite:///{path}", path)
    url = request.getfixturevalue("pg_url")
    await empty_pg_database(url)
    return SharedDb(url, None)
