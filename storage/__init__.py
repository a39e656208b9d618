"""Storage: the backend-neutral contract (`storage.base`), records (`storage.models`),
permission rules (`storage.access`), the SQLite backend and the PostgreSQL one
(`storage.postgres`)."""

from __future__ import annotations

from storage.base import Storage
from storage.url import is_postgres_url, sqlite_path_from_url


def open_storage(database_url: str) -> Storage:
    """The storage for DATABASE_URL, not connected yet: the caller awaits `connect()`."""
    if is_postgres_url(database_url):
        from storage.postgres import PostgresStorage  # loads asyncpg only for PostgreSQL users

        return PostgresStorage(database_url.strip())
    from storage.sqlite import SqliteStorage

    return SqliteStorage(sqlite_path_from_url(database_url))


__all__ = ["Storage", "open_storage"]
