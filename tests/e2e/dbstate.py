"""Reading the bot's database directly in tests, to prove what an action changed or did not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.sqlite import SqliteStorage


async def snapshot(storage: SqliteStorage, tables: Sequence[str]) -> dict[str, list[Any]]:
    """Every row of `tables`, in a stable order."""
    out: dict[str, list[Any]] = {}
    async with storage.reading() as db:
        for table in tables:
            async with db.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
                out[table] = [tuple(r) for r in await cursor.fetchall()]
    return out
