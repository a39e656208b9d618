"""Online backup and restore of the SQLite database.

`backup_database` copies a live database with SQLite's backup API through a connection of its
own, so the bot may keep running and writing: the copy is one consistent snapshot (in WAL mode
the copy is a read transaction; writers are not blocked). The copy is written to a temporary
file next to the destination, checked, made durable and then renamed into place, so a crash
never leaves a half-written backup under the chosen name.

`restore_database` refuses anything that is not a healthy smm-kpi-bot database this release can
read (quick_check, ``user_version`` between 1 and the newest migration, the core tables), copies
it to a temporary file in the database folder and swaps it in with `os.replace`. The bot must be
stopped while restoring: the running process keeps its open file and would not see the swap.

Both functions are blocking; from async code call `backup_database_async` (a worker thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from storage.migrator import latest_version

# Tables every schema version has; their absence means "not an smm-kpi-bot database".
_CORE_TABLES = frozenset({"projects", "members", "batches", "entries", "weekly_values"})
_BUSY_TIMEOUT_MS = 10_000


class BackupError(RuntimeError):
    """The backup or restore could not be made (I/O, locking)."""


class InvalidBackupError(BackupError):
    """The file given is not a usable smm-kpi-bot database; the message is one line."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    schema_version: int
    size: int


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    return conn


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def check_database(path: Path) -> int:
    """The schema version of a healthy smm-kpi-bot database at `path`; raises
    InvalidBackupError (one line) for anything else."""
    path = Path(path)
    if not path.is_file():
        raise InvalidBackupError(f"{path}: no such file")
    try:
        conn = _connect(path, read_only=True)
    except sqlite3.Error as exc:
        raise InvalidBackupError(f"{path}: cannot be opened as SQLite ({exc})") from None
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            problems = "; ".join(str(r[0]) for r in rows[:3])
            raise InvalidBackupError(f"{path}: database is damaged: {problems}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise InvalidBackupError(f"{path}: not a usable SQLite database ({exc})") from None
    finally:
        conn.close()
    code_version = latest_version()
    if version < 1 or not tables >= _CORE_TABLES:
        raise InvalidBackupError(f"{path}: not an smm-kpi-bot database")
    if version > code_version:
        raise InvalidBackupError(
            f"{path}: schema version {version} is newer than this program supports "
            f"({code_version}); upgrade smm-kpi-bot first")
    return version


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Snapshot `source` into the new file `target` as a single rollback-journal file."""
    dest = sqlite3.connect(str(target), isolation_level=None)
    try:
        # pages=-1: one step, one read transaction; a stepwise copy would restart on every
        # write the bot makes meanwhile and might never finish.
        source.backup(dest, pages=-1)
        # The header copied from a WAL database says WAL; a backup is better one plain file.
        dest.execute("PRAGMA journal_mode = DELETE")
        rows = dest.execute("PRAGMA quick_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            raise BackupError(f"{target}: the copy failed its integrity check")
    finally:
        dest.close()
    _fsync_file(target)


def _temp_beside(final: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    os.unlink(name)  # sqlite3 creates it; an empty file would be taken as an empty database
    return Path(name)


def backup_database(database: Path, destination: Path) -> BackupInfo:
    """Copy the (possibly live) database at `database` to `destination`, atomically."""
    database, destination = Path(database), Path(destination)
    if not database.is_file():
        raise InvalidBackupError(f"{database}: no such database file")
    if destination.is_dir():
        raise InvalidBackupError(f"{destination}: is a folder; give a file name")
    if not destination.parent.is_dir():
        raise InvalidBackupError(f"{destination.parent}: no such folder")
    if destination.exists() and destination.resolve() == database.resolve():
        raise InvalidBackupError(f"{destination}: is the live database itself")
    temp = _temp_beside(destination)
    try:
        source = _connect(database)
        try:
            _copy(source, temp)
            version = int(source.execute("PRAGMA user_version").fetchone()[0])
        finally:
            source.close()
        os.replace(temp, destination)
        _fsync_dir(destination.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return BackupInfo(destination, version, destination.stat().st_size)


async def backup_database_async(database: Path, destination: Path) -> BackupInfo:
    """`backup_database` in a worker thread, for callers on the event loop."""
    return await asyncio.to_thread(backup_database, database, destination)


def restore_database(backup: Path, database: Path) -> BackupInfo:
    """Replace the database at `database` by the backup at `backup`. The bot must be stopped."""
    backup, database = Path(backup), Path(database)
    version = check_database(backup)
    if database.exists() and database.resolve() == backup.resolve():
        raise InvalidBackupError(f"{backup}: is the database itself; nothing to restore")
    database.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_beside(database)
    try:
        source = _connect(backup, read_only=True)
        try:
            _copy(source, temp)
        finally:
            source.close()
        # A WAL left by the old database (e.g. after a crash) would be replayed onto the
        # restored file and corrupt it: it goes first. The old data is being replaced anyway.
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{database}{suffix}")
        os.replace(temp, database)
        _fsync_dir(database.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"restore failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return BackupInfo(database, version, database.stat().st_size)
