"""The per-update reads served from memory (context, KPIs, dialog state) never go stale: every
change through the storage is seen by the very next read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from storage.cache import GenerationCache
from storage.fsm import SqliteFsmStorage
from storage.models import BatchSource, FormulaKpi, NewValue, ProjectKpi, Role
from storage.sqlite import SqliteStorage

OWNER, OTHER = 10, 20


class Form(StatesGroup):
    step = State()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    storage = SqliteStorage(tmp_path / "cache.db")
    await storage.connect()
    yield storage
    await storage.close()


async def make_project(storage: SqliteStorage) -> int:
    project = await storage.create_project(OWNER, "Кофейня", "leads", "Europe/Moscow", "ru",
                                           [ProjectKpi("reach"), ProjectKpi("leads")])
    return project.id


def test_generation_cache_hits_only_in_its_generation_and_stays_bounded() -> None:
    cache: GenerationCache[int, str] = GenerationCache(size=3)
    cache.put(1, "a", generation=5)
    assert cache.get(1, 5) == (True, "a")
    assert cache.get(1, 6) == (False, None)
    for key in range(2, 6):
        cache.put(key, str(key), generation=5)
    assert len(cache) == 3
    assert cache.get(1, 5) == (False, None)  # the oldest left first
    assert cache.get(5, 5) == (True, "5")


async def test_context_follows_every_change(storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    user, membership = await storage.load_context(OWNER, "Anna")
    assert membership is not None and membership.project.name == "Кофейня"
    assert await storage.load_context(OWNER, "Anna") == (user, membership)  # served again

    await storage.rename_project(project_id, "Пекарня")
    _, membership = await storage.load_context(OWNER, "Anna")
    assert membership is not None and membership.project.name == "Пекарня"

    await storage.set_member_role(project_id, OTHER, Role.EDITOR)
    await storage.set_active_project(OTHER, project_id)
    _, other = await storage.load_context(OTHER)
    assert other is not None and other.role is Role.EDITOR
    await storage.set_member_role(project_id, OTHER, Role.VIEWER)
    _, other = await storage.load_context(OTHER)
    assert other is not None and other.role is Role.VIEWER
    await storage.set_member_role(project_id, OTHER, None)
    assert (await storage.load_context(OTHER))[1] is None

    user, _ = await storage.load_context(OWNER, "Anna K")  # a new Telegram name is stored
    assert user.display_name == "Anna K"
    assert (await storage.get_user(OWNER)).display_name == "Anna K"
    await storage.delete_project(project_id)
    assert (await storage.load_context(OWNER))[1] is None


async def test_saving_numbers_keeps_the_context_cached(storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    await storage.load_context(OWNER)
    generation = storage.generation
    await storage.save_batch(project_id, OWNER, BatchSource.MESSAGE,
                             [NewValue(date(2026, 11, 23), "reach", 100.0)], update_id=1)
    assert storage.generation == generation


async def test_kpis_follow_changes(storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    assert [k.metric for k in await storage.get_kpis(project_id)] == ["reach", "leads"]
    (await storage.get_kpis(project_id)).clear()  # a caller's list is its own
    await storage.set_target(project_id, "leads", 40)
    assert [(k.metric, k.target) for k in await storage.get_kpis(project_id)] == [
        ("reach", None), ("leads", 40)]
    await storage.set_kpis(project_id, [ProjectKpi("cpl")])
    assert [k.metric for k in await storage.get_kpis(project_id)] == ["cpl"]


async def test_a_write_during_a_read_never_leaves_the_old_value_cached(
        storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    read = asyncio.create_task(storage.get_kpis(project_id))
    write = asyncio.create_task(storage.set_kpis(project_id, [ProjectKpi("cpl")]))
    await asyncio.gather(read, write)
    assert [k.metric for k in await storage.get_kpis(project_id)] == ["cpl"]


async def test_dialog_state_is_cached_and_forget_clears_it(storage: SqliteStorage) -> None:
    fsm = SqliteFsmStorage(storage)
    key = StorageKey(bot_id=1, chat_id=OWNER, user_id=OWNER)
    await make_project(storage)
    await fsm.set_state(key, Form.step)
    assert await fsm.get_state(key) == Form.step.state
    assert await storage.query_one("SELECT state FROM fsm WHERE user_id = ?", (OWNER,)) == (
        Form.step.state,)
    await storage.delete_user(OWNER)  # /forget removes dialog rows behind the FSM's back
    assert await fsm.get_state(key) is None
    await fsm.set_state(key, None)
    assert await fsm.get_state(key) is None


async def test_networks_follow_a_batch_that_names_a_new_one(storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    week = date(2026, 11, 23)
    assert await storage.get_networks(project_id) == []
    await storage.save_batch(project_id, OWNER, BatchSource.MESSAGE,
                             [NewValue(week, "reach", 100.0, network="vk")], update_id=1)
    assert await storage.get_networks(project_id) == ["vk"]
    generation = storage.generation
    # A known network adds nothing: the caches stay warm.
    await storage.save_batch(project_id, OWNER, BatchSource.MESSAGE,
                             [NewValue(week, "reach", 120.0, network="vk")], update_id=2)
    assert storage.generation == generation
    await storage.save_collected(project_id, NewValue(week, "leads", 3.0, network="telegram"))
    assert await storage.get_networks(project_id) == ["vk", "telegram"]


async def test_formula_kpis_follow_changes(storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    assert await storage.get_formula_kpis(project_id) == []
    await storage.save_formula_kpi(project_id, FormulaKpi("Lead share", "leads / reach * 100"))
    assert [k.formula for k in await storage.get_formula_kpis(project_id)] == [
        "leads / reach * 100"]
    await storage.save_formula_kpi(project_id, FormulaKpi("Lead share", "leads / reach"))
    assert [k.formula for k in await storage.get_formula_kpis(project_id)] == ["leads / reach"]
    assert await storage.delete_formula_kpi(project_id, "Lead share")
    assert await storage.get_formula_kpis(project_id) == []


async def test_a_new_user_or_name_leaves_the_other_cached_reads_warm(
        storage: SqliteStorage) -> None:
    project_id = await make_project(storage)
    await storage.get_kpis(project_id)
    generation = storage.generation
    user, membership = await storage.load_context(OTHER, "New Person")
    assert user.display_name == "New Person" and membership is None
    user, _ = await storage.load_context(OTHER, "Renamed Person")
    assert storage.generation == generation  # KPIs and other contexts stay cached
    assert (await storage.load_context(OTHER))[0].display_name == "Renamed Person"
    assert (await storage.get_user(OTHER)).display_name == "Renamed Person"


async def test_a_context_read_brings_its_project_reads_along(
        storage: SqliteStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    project_id = await make_project(storage)
    await storage.save_formula_kpi(project_id, FormulaKpi("Share", "leads / reach"))
    _user, membership = await storage.load_context(OWNER)
    assert membership is not None and membership.project.id == project_id

    async def no_query(project_id: int) -> list:
        raise AssertionError("read again: the context read should have brought it")

    for loader in ("_load_kpis", "_load_networks", "_load_formula_kpis"):
        monkeypatch.setattr(storage, loader, no_query)
    assert [k.metric for k in await storage.get_kpis(project_id)] == ["reach", "leads"]
    assert await storage.get_networks(project_id) == []
    assert [k.name for k in await storage.get_formula_kpis(project_id)] == ["Share"]
