"""Versioned migrations: fresh database, re-open, newer-than-code refusal, atomic failure."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import aiosqlite
import pytest

from storage.migrator import (
    DatabaseTooNewError,
    Migration,
    MigrationError,
    latest_version,
    load_migrations,
    migrate,
    schema_version,
)
from storage.models import BatchSource, NewValue, ProjectKpi
from storage.sqlite import IntegrityCheckError, SqliteStorage

TABLES = {"users", "projects", "members", "project_kpis", "batches", "entries", "weekly_values",
          "invites", "alert_thresholds", "digests", "reminders", "fsm"}


def test_migration_files_are_numbered() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "0001_initial"
    assert latest_version() == len(migrations)


def test_gap_in_numbering_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "0003_c.sql").write_text("CREATE TABLE c (x);")
    with pytest.raises(MigrationError, match="without gaps"):
        load_migrations(tmp_path)
    (tmp_path / "oops.sql").write_text("")
    with pytest.raises(MigrationError, match="not understood"):
        load_migrations(tmp_path)


async def test_fresh_database_gets_schema(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "fresh.db")
    await storage.connect()
    try:
        async with storage.reading() as db:
            assert await schema_version(db) == latest_version()
            async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as c:
                tables = {row[0] for row in await c.fetchall()}
            async with db.execute("SELECT name FROM sqlite_master WHERE type = 'index'") as c:
                indices = {row[0] for row in await c.fetchall()}
        assert tables >= TABLES
        assert {"members_by_user", "projects_by_channel", "batches_by_project"} <= indices
    finally:
        await storage.close()


async def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "keep.db"
    storage = SqliteStorage(path)
    await storage.connect()
    project = await storage.create_project(1, "Shop", "leads", "UTC", "en",
                                           [ProjectKpi("reach")])
    await storage.save_batch(project.id, 1, BatchSource.IMPORT,
                             [NewValue(date(2026, 11, 2), "reach", 10)])
    await storage.close()

    again = SqliteStorage(path)
    await again.connect()
    await again.connect()  # connecting twice is harmless
    try:
        assert await again.get_project(project.id) == project
        assert [v.value for v in await again.get_values(project.id)] == [10.0]
        async with again.reading() as db:
            assert await schema_version(db) == latest_version()
    finally:
        await again.close()
        await again.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    storage = SqliteStorage(path)
    await storage.connect()
    await storage.close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(DatabaseTooNewError, match="newer"):
        await SqliteStorage(path).connect()


async def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    migrations = [
        Migration(1, "0001_ok", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "0002_broken", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);"),
    ]
    async with aiosqlite.connect(tmp_path / "m.db", isolation_level=None) as db:
        with pytest.raises(MigrationError, match="0002_broken"):
            await migrate(db, migrations)
        assert await schema_version(db) == 1
        assert not db.in_transaction
        async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as c:
            assert {row[0] for row in await c.fetchall()} == {"a"}
        # the fixed migration applies later
        migrations[1] = Migration(2, "0002_fixed", "CREATE TABLE b (x INTEGER);")
        assert await migrate(db, migrations) == 2
        assert await migrate(db, migrations) == 2


async def test_damaged_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(IntegrityCheckError):
        await SqliteStorage(path).connect()


async def test_last_digest_week_is_backfilled_and_kept_by_triggers(tmp_path: Path) -> None:
    """0006: projects.last_digest_week (what the scheduler's tick narrows on) is the newest
    week with a sent digest, for old rows and for every later write to digests."""
    path = tmp_path / "v5.db"
    migrations = load_migrations()
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, migrations[:5])
        await db.execute("INSERT INTO projects (id, name, goal, timezone, language, created_at) "
                         "VALUES (1, 'a', 'leads', 'UTC', 'ru', '2026-01-01'), "
                         "(2, 'b', 'leads', 'UTC', 'ru', '2026-01-01')")
        await db.execute("INSERT INTO digests (project_id, week_start, status, claimed_at) "
                         "VALUES (1, '2026-11-16', 'sent', 'x'), (1, '2026-11-23', 'sending', "
                         "'x'), (2, '2026-11-09', 'sending', 'x')")
        await migrate(db, migrations)

        async def weeks() -> list[tuple]:
            async with db.execute("SELECT id, last_digest_week FROM projects ORDER BY id") as c:
                return [tuple(r) for r in await c.fetchall()]

        assert await weeks() == [(1, "2026-11-16"), (2, "")]
        await db.execute("UPDATE digests SET status = 'sent' WHERE project_id = 1 "
                         "AND week_start = '2026-11-23'")
        await db.execute("INSERT INTO digests (project_id, week_start, status, claimed_at) "
                         "VALUES (2, '2026-10-05', 'sent', 'x')")
        assert await weeks() == [(1, "2026-11-23"), (2, "2026-10-05")]
        await db.execute("INSERT INTO digests (project_id, week_start, status, claimed_at) "
                         "VALUES (1, '2026-11-02', 'sent', 'x')")  # older: no step back
        assert await weeks() == [(1, "2026-11-23"), (2, "2026-10-05")]
