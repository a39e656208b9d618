"""Reading the bot's database directly in tests, to prove what an action changed or did not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.base import Storage
from tests.pg import run_sql


async def snapshot(storage: Storage, tables: Sequence[str]) -> dict[str, list[Any]]:
    """Every row of `tables`, in a stable order (either backend)."""
    return {table: await run_sql(storage, f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in tables}
