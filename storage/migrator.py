"""Versioned schema migrations for SQLite.

Migrations are the files ``storage/migrations/NNNN_name.sql``, numbered 1, 2, 3… without gaps.
The database remembers the last applied number in ``PRAGMA user_version``. Each pending
migration runs in its own transaction together with the bump of ``user_version``, so a failure
leaves the database at the previous version. A database whose version is newer than the code
knows is refused: an older release must not write into a schema it does not understand.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class MigrationError(RuntimeError):
    """The migrations or the database schema are not in a usable state."""


class DatabaseTooNewError(MigrationError):
    """The database was written by a newer version of the bot."""

    def __init__(self, db_version: int, code_version: int) -> None:
        super().__init__(
            f"database schema version {db_version} is newer than this program supports "
            f"({code_version}); upgrade smm-kpi-bot or restore a matching backup")
        self.db_version = db_version
        self.code_version = code_version


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not understood: {path.name}")
        migrations.append(Migration(int(match.group(1)), path.stem,
                                    path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migrations must be numbered 1, 2, 3… without gaps; found {migration.name} "
                f"where {expected:04d} was expected")
    return migrations


def latest_version(migrations: Sequence[Migration] | None = None) -> int:
    migrations = load_migrations() if migrations is None else migrations
    return migrations[-1].version if migrations else 0


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection,
                  migrations: Sequence[Migration] | None = None) -> int:
    """Bring the database to the newest schema; return the version it is at.

    The connection must be in autocommit mode (``isolation_level=None``): transactions are
    explicit here.
    """
    migrations = load_migrations() if migrations is None else list(migrations)
    target = latest_version(migrations)
    current = await schema_version(db)
    if current > target:
        raise DatabaseTooNewError(current, target)
    for migration in migrations:
        if migration.version <= current:
            continue
        log.info("applying migration %s", migration.name)
        # executescript() runs the whole file; BEGIN/COMMIT around it make the file and the
        # version bump one transaction. On error the script stops and we roll back.
        script = (f"BEGIN IMMEDIATE;\n{migration.sql}\n;\n"
                  f"PRAGMA user_version = {migration.version};\nCOMMIT;")
        try:
            await db.executescript(script)
        except Exception as exc:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
        current = migration.version
    return current
