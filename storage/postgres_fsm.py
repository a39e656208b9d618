"""aiogram FSM storage in the PostgreSQL database (table `fsm`), shared by every instance, so
a dialog continues when the next message lands on another instance. No cache: read fresh.
Same rows and semantics as storage.fsm.SqliteFsmStorage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.postgres import PostgresStorage

_KEY_COLUMNS = "bot_id, chat_id, user_id, thread_id, business_connection_id, destiny"
_KEY_WHERE = ("bot_id = $1 AND chat_id = $2 AND user_id = $3 AND thread_id = $4 "
              "AND business_connection_id = $5 AND destiny = $6")


def _key(key: StorageKey) -> tuple[int, int, int, int, str, str]:
    return (key.bot_id, key.chat_id, key.user_id, key.thread_id or 0,
            key.business_connection_id or "", key.destiny)


class PostgresFsmStorage(BaseStorage):
    def __init__(self, storage: PostgresStorage, *, close_storage: bool = False) -> None:
        self.storage = storage
        self.close_storage = close_storage

    async def _upsert(self, column: str, key: StorageKey, value: str | None) -> None:
        """Set `column` (state or data) of the key's row; a row left with neither is dropped."""
        async with self.storage.transaction() as conn:
            await conn.execute(
                f"INSERT INTO fsm ({_KEY_COLUMNS}, {column}, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                f"ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET {column} = excluded.{column}, "
                "updated_at = excluded.updated_at", *_key(key), value, datetime.now(UTC))
            await conn.execute(
                f"DELETE FROM fsm WHERE {_KEY_WHERE} AND state IS NULL AND data = '{{}}'",
                *_key(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._upsert("state", key, state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self.storage.query_one(f"SELECT state FROM fsm WHERE {_KEY_WHERE}",
                                           _key(key))
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        await self._upsert("data", key,
                           json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.storage.query_one(f"SELECT data FROM fsm WHERE {_KEY_WHERE}",
                                           _key(key))
        if not row:
            return {}
        data = json.loads(row[0])
        return data if isinstance(data, dict) else {}

    async def close(self) -> None:
        if self.close_storage:
            await self.storage.close()
