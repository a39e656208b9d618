"""SqliteFsmStorage: aiogram FSM state and data in the bot's SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from storage.fsm import SqliteFsmStorage
from storage.sqlite import SqliteStorage

KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)


class Form(StatesGroup):
    name = State()


async def open_fsm(path: Path) -> SqliteFsmStorage:
    storage = SqliteStorage(path)
    await storage.connect()
    return SqliteFsmStorage(storage, close_storage=True)


async def rows(fsm: SqliteFsmStorage) -> int:
    async with fsm.storage.reading() as db, db.execute("SELECT COUNT(*) FROM fsm") as cursor:
        return (await cursor.fetchone())[0]


async def test_round_trip_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "fsm.db"
    fsm = await open_fsm(path)
    assert await fsm.get_state(KEY) is None
    assert await fsm.get_data(KEY) == {}
    await fsm.set_state(KEY, Form.name)
    await fsm.set_data(KEY, {"project_id": 5, "name": "Кофейня", "items": [1, 2.5, None]})
    assert await fsm.update_data(KEY, {"step": 2}) == {
        "project_id": 5, "name": "Кофейня", "items": [1, 2.5, None], "step": 2}
    await fsm.close()
    assert not fsm.storage.connected

    fsm = await open_fsm(path)
    try:
        assert await fsm.get_state(KEY) == "Form:name"
        assert await fsm.get_data(KEY) == {
            "project_id": 5, "name": "Кофейня", "items": [1, 2.5, None], "step": 2}
        assert await fsm.get_value(KEY, "step") == 2
        assert await fsm.get_value(KEY, "missing", "d") == "d"
    finally:
        await fsm.close()


async def test_keys_are_separate(tmp_path: Path) -> None:
    fsm = await open_fsm(tmp_path / "fsm.db")
    try:
        keys = [
            KEY,
            StorageKey(bot_id=2, chat_id=10, user_id=10),
            StorageKey(bot_id=1, chat_id=-100, user_id=10),
            StorageKey(bot_id=1, chat_id=10, user_id=10, thread_id=7),
            StorageKey(bot_id=1, chat_id=10, user_id=10, business_connection_id="bc"),
            StorageKey(bot_id=1, chat_id=10, user_id=10, destiny="other"),
        ]
        for index, key in enumerate(keys):
            await fsm.set_state(key, f"s{index}")
            await fsm.set_data(key, {"i": index})
        for index, key in enumerate(keys):
            assert await fsm.get_state(key) == f"s{index}"
            assert await fsm.get_data(key) == {"i": index}
    finally:
        await fsm.close()


async def test_clear_removes_row(tmp_path: Path) -> None:
    fsm = await open_fsm(tmp_path / "fsm.db")
    try:
        await fsm.set_state(KEY, "a")
        await fsm.set_data(KEY, {"x": 1})
        await fsm.set_state(KEY, None)
        assert await fsm.get_data(KEY) == {"x": 1}
        assert await rows(fsm) == 1
        await fsm.set_data(KEY, {})
        assert await fsm.get_state(KEY) is None
        assert await rows(fsm) == 0
        await fsm.set_state(KEY, None)  # clearing nothing writes nothing
        assert await rows(fsm) == 0
    finally:
        await fsm.close()


async def test_get_data_returns_a_copy(tmp_path: Path) -> None:
    fsm = await open_fsm(tmp_path / "fsm.db")
    try:
        await fsm.set_data(KEY, {"a": [1]})
        data = await fsm.get_data(KEY)
        data["a"].append(2)
        assert await fsm.get_data(KEY) == {"a": [1]}
    finally:
        await fsm.close()


async def test_bad_data_is_refused(tmp_path: Path) -> None:
    fsm = await open_fsm(tmp_path / "fsm.db")
    try:
        with pytest.raises(DataNotDictLikeError):
            await fsm.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await fsm.set_data(KEY, {"a": object()})
        assert await rows(fsm) == 0
    finally:
        await fsm.close()


async def test_shared_storage_is_not_closed_by_default(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "fsm.db")
    await storage.connect()
    fsm = SqliteFsmStorage(storage)
    await fsm.set_state(KEY, "x")
    await fsm.close()  # the dispatcher does this on shutdown
    assert storage.connected
    assert await fsm.get_state(KEY) == "x"
    await storage.close()
