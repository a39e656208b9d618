"""aiogram FSM storage in the bot's SQLite database (table `fsm`), so dialogs survive restarts.

It shares the `SqliteStorage` connection and its lock. State and data are kept per StorageKey
(bot, chat, user, thread, business connection, destiny); data is stored as JSON, so it must
hold JSON-compatible values. A key with no state and no data has no row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.base import Storage
from storage.cache import GenerationCache
from storage.sqlite import SqliteStorage, to_db_datetime

_KEY_WHERE = ("bot_id = ? AND chat_id = ? AND user_id = ? AND thread_id = ? "
              "AND business_connection_id = ? AND destiny = ?")
_KEY_COLUMNS = "bot_id, chat_id, user_id, thread_id, business_connection_id, destiny"


def _key(key: StorageKey) -> tuple[int, int, int, int, str, str]:
    return (key.bot_id, key.chat_id, key.user_id, key.thread_id or 0,
            key.business_connection_id or "", key.destiny)


def _now() -> str:
    return to_db_datetime(datetime.now(UTC))


def _upsert(conn: sqlite3.Connection, column: str, key: tuple[Any, ...], value: str | None,
            now: str) -> None:
    """Set `column` (state or data) of the key's row; a row left with neither is dropped.
    Runs on the storage connection's thread inside its transaction."""
    conn.execute(
        f"INSERT INTO fsm ({_KEY_COLUMNS}, {column}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET {column} = excluded.{column}, "
        "updated_at = excluded.updated_at", (*key, value, now))
    conn.execute(f"DELETE FROM fsm WHERE {_KEY_WHERE} AND state IS NULL AND data = '{{}}'", key)


class SqliteFsmStorage(BaseStorage):
    def __init__(self, storage: SqliteStorage, *, close_storage: bool = False) -> None:
        """`storage` must be connected before the first update. With `close_storage`,
        close() closes it too; by default its owner closes it (the dispatcher closes the FSM
        storage on shutdown, before the application is done with the database)."""
        self.storage = storage
        self.close_storage = close_storage
        # Every update asks for its state; dialogs are rare, so most answers come from here.
        # Writes go through this object (write-through); anything else that deletes rows
        # (/forget) bumps the storage generation, which makes these entries stale.
        self._states: GenerationCache[tuple[Any, ...], str | None] = GenerationCache()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        generation = self.storage.generation
        await self.storage.in_transaction(_upsert, "state", _key(key), value, _now())
        self._states.put(_key(key), value, generation)

    async def get_state(self, key: StorageKey) -> str | None:
        await self.storage.sync_generation()  # another instance may have moved the dialog on
        generation = self.storage.generation
        hit, state = self._states.get(_key(key), generation)
        if hit:
            return state
        row = await self.storage.query_one(f"SELECT state FROM fsm WHERE {_KEY_WHERE}",
                                           _key(key))
        state = row[0] if row else None
        self._states.put(_key(key), state, generation)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        await self.storage.in_transaction(_upsert, "data", _key(key), payload, _now())

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


def open_fsm_storage(storage: Storage) -> BaseStorage:
    """The FSM storage that keeps dialog state in `storage`'s database (either backend)."""
    if isinstance(storage, SqliteStorage):
        return SqliteFsmStorage(storage)
    from storage.postgres import PostgresStorage
    from storage.postgres_fsm import PostgresFsmStorage

    if isinstance(storage, PostgresStorage):
        return PostgresFsmStorage(storage)
    raise TypeError(f"no FSM storage for {type(storage).__name__}")
