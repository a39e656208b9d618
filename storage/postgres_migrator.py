"""Versioned schema migrations for PostgreSQL: ``storage/migrations/postgresql/NNNN_name.sql``.

The numbers are the SQLite ones (`storage.migrator`): a schema version means the same on both
backends. The applied version lives in the table ``schema_version`` (one row). Each pending
migration runs in its own transaction together with the version bump; a session advisory lock
makes instances that start at once migrate one after the other. A database newer than the code
is refused with `DatabaseTooNewError`, as on SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storage.migrator import (
    MIGRATIONS_DIR,
    DatabaseTooNewError,
    Migration,
    MigrationError,
    latest_version,
    load_migrations,
)

log = logging.getLogger(__name__)

PG_MIGRATIONS_DIR: Path = MIGRATIONS_DIR / "postgresql"
_LOCK_KEY = 0x534D4D4B  # "SMMK": the advisory lock held while migrating

__all__ = ["PG_MIGRATIONS_DIR", "DatabaseTooNewError", "MigrationError", "migrate_postgres",
           "pg_schema_version"]


async def pg_schema_version(conn: Any) -> int:
    """The applied version; 0 for an empty database. `conn`: an asyncpg connection."""
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    value = await conn.fetchval("SELECT max(version) FROM schema_version")
    return int(value or 0)


async def migrate_postgres(conn: Any, migrations: Sequence[Migration] | None = None) -> int:
    """Bring the database to the newest schema; return the version it is at."""
    migrations = load_migrations(PG_MIGRATIONS_DIR) if migrations is None else list(migrations)
    target = latest_version(migrations)
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = await pg_schema_version(conn)
        if current > target:
            raise DatabaseTooNewError(current, target)
        for migration in migrations:
            if migration.version <= current:
                continue
            log.info("applying migration %s (postgresql)", migration.name)
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute("DELETE FROM schema_version")
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)",
                                       migration.version)
            except Exception as exc:
                raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
            current = migration.version
        return current
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
