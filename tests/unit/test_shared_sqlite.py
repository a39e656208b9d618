"""Several instances on one SQLite file: cached reads notice the other processes' commits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aiogram.fsm.storage.base import StorageKey

from storage.fsm import SqliteFsmStorage
from storage.models import BatchSource, FormulaKpi, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage


async def test_cached_reads_see_commits_of_another_connection(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    mine, other = SqliteStorage(db), SqliteStorage(db)
    mine.expect_other_writers()
    await mine.connect()
    await other.connect()
    try:
        project = await other.create_project(7, "Shop", "leads", "UTC", "en",
                                             [ProjectKpi("reach")])
        _user, membership = await mine.load_context(7)
        assert membership is not None and membership.project.name == "Shop"
        assert [k.metric for k in await mine.get_kpis(project.id)] == ["reach"]
        assert await mine.get_formula_kpis(project.id) == []
        assert await mine.get_networks(project.id) == []
        key = StorageKey(bot_id=1, chat_id=7, user_id=7)
        fsm_mine, fsm_other = SqliteFsmStorage(mine), SqliteFsmStorage(other)
        assert await fsm_mine.get_state(key) is None
        # Another instance writes: the next reads here see it, not the cached answers.
        await other.rename_project(project.id, "Cafe")
        await other.set_kpis(project.id, [ProjectKpi("reach"), ProjectKpi("leads")])
        await fsm_other.set_state(key, "Dialog:step")
        await other.save_formula_kpi(project.id, FormulaKpi("Share", "leads / reach"))
        await other.save_batch(project.id, 7, BatchSource.MESSAGE,
                               [NewValue(date(2026, 11, 23), "reach", 5.0, network="vk")])
        _user, membership = await mine.load_context(7)
        assert membership is not None and membership.project.name == "Cafe"
        assert [k.metric for k in await mine.get_kpis(project.id)] == ["reach", "leads"]
        assert await fsm_mine.get_state(key) == "Dialog:step"
        assert [k.name for k in await mine.get_formula_kpis(project.id)] == ["Share"]
        assert await mine.get_networks(project.id) == ["vk"]
    finally:
        await mine.close()
        await other.close()


async def test_one_process_alone_keeps_serving_from_its_cache(tmp_path: Path) -> None:
    """Without other writers the cache is not asked to check (no extra round trip)."""
    db = tmp_path / "alone.db"
    storage = SqliteStorage(db)
    await storage.connect()
    try:
        await storage.create_project(7, "Shop", "leads", "UTC", "en", [ProjectKpi("reach")])
        await storage.load_context(7)
        generation = storage.generation
        await storage.sync_generation()
        assert storage.generation == generation
    finally:
        await storage.close()
