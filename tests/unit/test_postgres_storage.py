"""What only the PostgreSQL backend has: its migrations, claims shared by several instances,
the URL that selects it, and the CLI pointing at pg_dump. The Storage contract itself is
tested on both backends by the parametrised storage suites (tests/pg.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from storage import open_storage
from storage.migrator import DatabaseTooNewError, Migration, MigrationError, load_migrations
from storage.postgres import PostgresStorage
from storage.postgres_migrator import PG_MIGRATIONS_DIR, migrate_postgres, pg_schema_version
from storage.sqlite import StorageError
from tests.paths import PACKAGE_ROOT
from tests.pg import BACKENDS, PG_URL, _admin, _with_database, empty_pg_database, run_sql

needs_pg = pytest.mark.skipif("postgresql" not in BACKENDS,
                              reason="SMM_TEST_POSTGRES_URL=off: PostgreSQL deliberately left out")
WEEK = date(2026, 11, 23)


@pytest.fixture
def empty_pg(pg_url: str) -> Iterator[str]:
    """A database of its own with no schema at all (migration tests)."""
    name = pg_url.rsplit("/", 1)[1] + "_m"
    _admin(PG_URL, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(PG_URL, name)
    finally:
        _admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def two_instances(pg_url: str) -> AsyncIterator[tuple[PostgresStorage, PostgresStorage]]:
    await empty_pg_database(pg_url)
    first, second = PostgresStorage(pg_url), PostgresStorage(pg_url)
    await first.connect()
    await second.connect()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def test_same_migration_numbers_as_sqlite() -> None:
    sqlite_names = [m.name for m in load_migrations()]
    assert [m.name for m in load_migrations(PG_MIGRATIONS_DIR)] == sqlite_names


@needs_pg
async def test_fresh_database_migrates_to_latest_and_again_is_a_no_op(empty_pg: str) -> None:
    conn = await asyncpg.connect(empty_pg)
    try:
        assert await pg_schema_version(conn) == 0
        latest = len(load_migrations())
        assert await migrate_postgres(conn) == latest
        assert await migrate_postgres(conn) == latest
        assert await pg_schema_version(conn) == latest
        tables = {r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"projects", "weekly_values", "digests", "fsm", "handled_updates",
                "alert_acks", "notes", "experiments", "formula_kpis"} <= tables
    finally:
        await conn.close()


@needs_pg
async def test_newer_database_is_refused(empty_pg: str) -> None:
    storage = PostgresStorage(empty_pg)
    await storage.connect()
    await storage.close()
    conn = await asyncpg.connect(empty_pg)
    try:
        await conn.execute("UPDATE schema_version SET version = version + 1")
    finally:
        await conn.close()
    with pytest.raises(DatabaseTooNewError, match="newer"):
        await PostgresStorage(empty_pg).connect()


@needs_pg
async def test_failed_migration_rolls_back(empty_pg: str) -> None:
    migrations = [Migration(1, "0001_ok", "CREATE TABLE a (x INTEGER);"),
                  Migration(2, "0002_broken", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere "
                            "VALUES (1);")]
    conn = await asyncpg.connect(empty_pg)
    try:
        with pytest.raises(MigrationError, match="0002_broken"):
            await migrate_postgres(conn, migrations)
        assert await pg_schema_version(conn) == 1
        assert await conn.fetchval("SELECT to_regclass('b')") is None
        migrations[1] = Migration(2, "0002_fixed", "CREATE TABLE b (x INTEGER);")
        assert await migrate_postgres(conn, migrations) == 2
    finally:
        await conn.close()


@needs_pg
async def test_instances_starting_at_once_migrate_once(empty_pg: str) -> None:
    storages = [PostgresStorage(empty_pg) for _ in range(3)]
    await asyncio.gather(*(s.connect() for s in storages))
    try:
        assert await run_sql(storages[0], "SELECT version FROM schema_version") == [
            (len(load_migrations()),)]
    finally:
        await asyncio.gather(*(s.close() for s in storages))


@needs_pg
async def test_a_digest_is_claimed_once_across_instances(two_instances) -> None:
    first, second = two_instances
    project = await first.create_project(1, "Shop", "g", "UTC", "en", [])
    claims = await asyncio.gather(*(
        (first if i % 2 else second).claim_digest(project.id, WEEK, boot=f"b{i}")
        for i in range(20)))
    assert claims.count(True) == 1
    assert await second.claim_reminder(project.id, WEEK, 1)
    assert not await first.claim_reminder(project.id, WEEK, 1)


@needs_pg
async def test_a_live_claim_of_another_instance_is_not_released(two_instances) -> None:
    first, second = two_instances
    live = await first.create_project(1, "Live", "g", "UTC", "en", [])
    dead = await first.create_project(1, "Dead", "g", "UTC", "en", [])
    assert await first.claim_digest(live.id, WEEK, boot="first")
    assert await first.claim_digest(dead.id, WEEK, boot="gone")
    await first.start_digest_send(dead.id, WEEK)
    old = datetime.now(UTC) - timedelta(minutes=1)
    await run_sql(first, "UPDATE digests SET lease_until = ? WHERE project_id = ?", old, dead.id)
    # A second instance starting up takes over only the claim whose lease ran out.
    assert await second.release_digest_claims("second") == [(dead.id, WEEK, True)]
    assert not await second.claim_digest(live.id, WEEK, boot="second")
    assert await second.claim_digest(dead.id, WEEK, boot="second")


@needs_pg
async def test_update_journal_and_idempotency_keys_are_shared(two_instances) -> None:
    first, second = two_instances
    await first.mark_update_handled(7)
    await second.mark_update_handled(7)
    assert await second.handled_updates() == {7}
    project = await first.create_project(1, "Shop", "g", "UTC", "en", [], update_id=99)
    assert (await second.create_project(1, "Shop", "g", "UTC", "en", [],
                                        update_id=99)).id == project.id
    twice = await asyncio.gather(*(
        s.create_project(2, "New", "g", "UTC", "en", [], update_id=100) for s in two_instances))
    assert twice[0].id == twice[1].id
    saved = await asyncio.gather(first.save_batch(project.id, 1, "message", [], update_id=5),
                                 second.save_batch(project.id, 1, "message", [], update_id=5))
    assert sorted(s.duplicate for s in saved) == [False, True]
    await second.forget_updates_below(8)
    assert await first.handled_updates() == set()


async def test_unreachable_server_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="PostgreSQL"):
        await PostgresStorage("postgresql://postgres@127.0.0.1:1/x").connect()


def test_the_url_selects_the_backend_and_sqlite_never_loads_asyncpg() -> None:
    assert isinstance(open_storage("postgresql://u@localhost:5432/db"), PostgresStorage)
    code = ("import sys; from storage import open_storage; open_storage('sqlite://:memory:'); "
            "import bot.app; print('asyncpg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_cli_backup_and_restore_point_to_pg_tools(command: str, tool: str,
                                                  tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT),
           "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing"}
    result = subprocess.run([sys.executable, "-m", "bot", command, str(tmp_path / "b")],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and tool in lines[0], result.stderr
    assert not (tmp_path / "b").exists()


@needs_pg
def test_cli_migrate_on_postgresql(empty_pg: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT), "DATABASE_URL": empty_pg}
    result = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    async def version() -> int:
        conn = await asyncpg.connect(empty_pg)
        try:
            return await pg_schema_version(conn)
        finally:
            await conn.close()

    assert asyncio.run(version()) == len(load_migrations())


@needs_pg
async def test_pooled_connections_come_back_without_session_state(pg_url: str) -> None:
    """The pool does not reset connections it takes back (storage.postgres._keep_session):
    after start-up (the migrator's advisory lock), an entry, the journal and a failed
    transaction, no pooled connection holds an advisory lock, a LISTEN, a cursor, a changed
    setting or an open transaction."""
    from storage.models import BatchSource, NewValue, ProjectKpi

    await empty_pg_database(pg_url)
    storage = PostgresStorage(pg_url, pool_size=2)
    await storage.connect()
    try:
        project = await storage.create_project(7, "Shop", "leads", "UTC", "en",
                                               [ProjectKpi("leads")])
        await storage.save_batch(project.id, 7, BatchSource.MESSAGE, [NewValue(WEEK, "leads", 5)],
                                 update_id=1)
        await storage.mark_updates_handled([1, 2])
        with pytest.raises(RuntimeError):
            async with storage.transaction() as conn:
                await conn.execute("SELECT 1")
                raise RuntimeError("a handler bug inside a transaction")
        pool = storage._db()
        async with pool.acquire() as first, pool.acquire() as second:
            for conn in (first, second):
                assert await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid()") == 0
                assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 0
                assert await conn.fetchval("SELECT count(*) FROM pg_cursors WHERE name <> ''") == 0
                # (asyncpg's type introspection sets jit off and back: same value)
                assert await conn.fetch("SELECT name, setting FROM pg_settings WHERE source = "
                                        "'session' AND setting <> reset_val") == []
                assert not conn.is_in_transaction()
    finally:
        await storage.close()
