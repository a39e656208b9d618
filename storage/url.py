"""`DATABASE_URL` → SQLite file path (a ``postgresql://`` URL selects storage.postgres).

- ``sqlite:///relative/path.db``  — relative to the current working directory;
- ``sqlite:////absolute/path.db`` — absolute;
- ``sqlite://:memory:`` (also ``sqlite:///:memory:`` and ``sqlite://``) — an in-memory database,
  for tests.

Missing folders of a file path are created.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

MEMORY = Path(":memory:")
_PREFIX = "sqlite://"


class DatabaseUrlError(ValueError):
    """The DATABASE_URL is not one this backend understands."""


_PG_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    """A ``postgresql://user@host:port/db`` (or ``postgres://``) URL: the PostgreSQL backend."""
    return url.strip().lower().startswith(_PG_PREFIXES)


def is_memory(path: Path) -> bool:
    return str(path) == ":memory:"


def sqlite_path_from_url(url: str, *, create_dirs: bool = True) -> Path:
    text = url.strip()
    if not text.lower().startswith(_PREFIX):
        scheme = text.split(":", 1)[0] if ":" in text else text
        raise DatabaseUrlError(
            "DATABASE_URL must start with sqlite:/// or postgresql:// "
            f"(got scheme {scheme!r})")
    rest = text[len(_PREFIX):]
    if "?" in rest or "#" in rest:
        raise DatabaseUrlError("DATABASE_URL: query parameters are not supported")
    if rest in ("", ":memory:", "/:memory:"):
        return MEMORY
    if not rest.startswith("/"):
        # sqlite://host/path — a host part makes no sense for a local file.
        raise DatabaseUrlError(
            "DATABASE_URL must be sqlite:///relative/path.db or sqlite:////absolute/path.db")
    raw = unquote(rest[1:])  # drop the slash that ends the empty authority
    if not raw or raw.endswith("/"):
        raise DatabaseUrlError("DATABASE_URL names no database file")
    path = Path(raw)
    if not path.is_absolute():
        path = Path.cwd() / path
    if create_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    return path
