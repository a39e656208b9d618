"""aiogram FSM state and data in the bot's database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey

from storage.fsm import open_fsm_storage
from tests.pg import StorageFactory, run_sql

KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)


class Form(StatesGroup):
    name = State()


async def open_fsm(factory: StorageFactory) -> BaseStorage:
    """The FSM storage of the backend under test (open_fsm_storage picks it), owning its
    storage."""
    storage = factory()
    await storage.connect()
    fsm = open_fsm_storage(storage)
    fsm.close_storage = True  # type: ignore[attr-defined]
    return fsm


async def rows(fsm: BaseStorage) -> int:
    return (await run_sql(fsm.storage, "SELECT COUNT(*) FROM fsm"))[0][0]  # type: ignore[attr-defined]


async def test_round_trip_survives_reopen(storage_factory: StorageFactory) -> None:
    fsm = await open_fsm(storage_factory)
    assert await fsm.get_state(KEY) is None
    assert await fsm.get_data(KEY) == {}
    await fsm.set_state(KEY, Form.name)
    await fsm.set_data(KEY, {"project_id": 5, "name": "Кофейня", "items": [1, 2.5, None]})
    assert await fsm.update_data(KEY, {"step": 2}) == {
        "project_id": 5, "name": "Кофейня", "items": [1, 2.5, None], "step": 2}
    await fsm.close()
    assert not fsm.storage.connected

    fsm = await open_fsm(storage_factory)  # another process (or instance) reads it
    try:
        assert await fsm.get_state(KEY) == "Form:name"
        assert await fsm.get_data(KEY) == {
            "project_id": 5, "name": "Кофейня", "items": [1, 2.5, None], "step": 2}
        assert await fsm.get_value(KEY, "step") == 2
        assert await fsm.get_value(KEY, "missing", "d") == "d"
    finally:
        await fsm.close()


async def test_keys_are_separate(storage_factory: StorageFactory) -> None:
    fsm = await open_fsm(storage_factory)
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


async def test_clear_removes_row(storage_factory: StorageFactory) -> None:
    fsm = await open_fsm(storage_factory)
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


async def test_get_data_returns_a_copy(storage_factory: StorageFactory) -> None:
    fsm = await open_fsm(storage_factory)
    try:
        await fsm.set_data(KEY, {"a": [1]})
        data = await fsm.get_data(KEY)
        data["a"].append(2)
        assert await fsm.get_data(KEY) == {"a": [1]}
    finally:
        await fsm.close()


async def test_bad_data_is_refused(storage_factory: StorageFactory) -> None:
    fsm = await open_fsm(storage_factory)
    try:
        with pytest.raises(DataNotDictLikeError):
            await fsm.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await fsm.set_data(KEY, {"a": object()})
        assert await rows(fsm) == 0
    finally:
        await fsm.close()


async def test_shared_storage_is_not_closed_by_default(storage_factory: StorageFactory) -> None:
    storage = storage_factory()
    await storage.connect()
    fsm = open_fsm_storage(storage)
    await fsm.set_state(KEY, "x")
    await fsm.close()  # the dispatcher does this on shutdown
    assert storage.connected
    assert await fsm.get_state(KEY) == "x"
    await storage.close()
