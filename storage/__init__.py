"""Storage: the backend-neutral contract (`storage.base`), records (`storage.models`),
permission rules (`storage.access`) and the SQLite backend."""

from __future__ import annotations

from storage.base import Storage
from storage.url import sqlite_path_from_url


def open_storage(database_url: str) -> Storage:
    """The storage for DATABASE_URL, not connected yet: the caller awaits `connect()`."""
    from storage.sqlite import SqliteStorage

    return SqliteStorage(sqlite_path_from_url(database_url))


__all__ = ["Storage", "open_storage"]
