"""Storage backends for tests: the same tests run on SQLite and on a real PostgreSQL.

`SMM_TEST_POSTGRES_URL` names the server's maintenance database (default
postgresql://postgres@127.0.0.1:5432/test); `off` leaves the PostgreSQL parameter out on
purpose. Otherwise an unreachable server FAILS the PostgreSQL tests — never a silent skip.
One database `smm_test_<pid>_<random>` is created per session and dropped at its end; every
test starts with all its tables emptied (DELETE, identities restarted).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from storage.base import Storage

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("SMM_TEST_POSTGRES_URL", DEFAULT_URL).strip()
BACKENDS = ["sqlite"] if PG_URL.lower() == "off" else ["sqlite", "postgresql"]

StorageFactory = Callable[[], Storage]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    """One statement on its own connection and event loop (in a thread: the session fixture
    may be set up from inside a test's running loop)."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database for this test session on the PostgreSQL server (dropped at the end)."""
    name = f"smm_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        _admin(PG_URL, f'CREATE DATABASE "{name}"')
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable ({type(exc).__name__}: {exc}). "
                    "Start it, point SMM_TEST_POSTGRES_URL at one, or set "
                    "SMM_TEST_POSTGRES_URL=off to run the SQLite backend only.", pytrace=False)
    try:
        yield _with_database(PG_URL, name)
    finally:
        _admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def empty_pg_database(url: str) -> None:
    """Every table emptied and every identity restarted, the schema kept. DELETE, not
    TRUNCATE: on tables this small it is several times faster (measured, see the report)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'schema_version'")]
        sequences = [r[0] for r in await conn.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        # Any order: every foreign key is ON DELETE CASCADE or SET NULL.
        statements = [f'DELETE FROM "{t}"' for t in tables]
        statements += [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
        if statements:
            await conn.execute("; ".join(statements))
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def storage_factory(request: pytest.FixtureRequest,
                          tmp_path: Path) -> StorageFactory:
    """Makes (not yet connected) storages on one empty database of the test's backend; call
    it again for a second handle on the same database (a reopen, another instance)."""
    if request.param == "sqlite":
        from storage.sqlite import SqliteStorage

        return lambda: SqliteStorage(tmp_path / "test.db")
    from storage.postgres import PostgresStorage

    url = request.getfixturevalue("pg_url")
    await empty_pg_database(url)
    return lambda: PostgresStorage(url)


@pytest.fixture
async def storage(storage_factory: StorageFactory) -> AsyncIterator[Storage]:
    """A connected storage on each backend: the contract's tests run on both. Suites that test
    one backend's own mechanics define a `storage` fixture of their own."""
    db = storage_factory()
    await db.connect()
    try:
        yield db
    finally:
        await db.close()


async def run_sql(storage: Storage, query: str, *params: object) -> list[tuple]:
    """Run one statement with `?` placeholders on either backend, in its own transaction, for
    tests that look at (or tamper with) rows directly; the rows as tuples."""
    from storage.sqlite import SqliteStorage, to_db_datetime

    if isinstance(storage, SqliteStorage):  # stored as the SQLite backend writes them
        params = tuple(to_db_datetime(p) if isinstance(p, datetime) else
                       p.isoformat() if isinstance(p, date) else p for p in params)
        async with storage.transaction() as db, db.execute(query, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
    parts = query.split("?")
    numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    async with storage.transaction() as conn:  # type: ignore[attr-defined]
        return [tuple(row) for row in await conn.fetch(numbered, *params)]


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What a violated constraint raises, on either backend."""
    import sqlite3

    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
