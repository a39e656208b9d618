"""Notes, experiments and formula KPIs in SqliteStorage (migration 0011)."""

from __future__ import annotations

from datetime import date

import pytest

from storage.models import FormulaKpi, ProjectKpi
from storage.sqlite import FORGOTTEN_USER_ID, SqliteStorage

W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
OWNER, EDITOR = 100, 200


async def project(storage: SqliteStorage, name: str = "Shop") -> int:
    made = await storage.create_project(OWNER, name, "leads", "Europe/Moscow", "ru",
                                        [ProjectKpi("reach")])
    return made.id


async def test_notes_by_week_once_per_update(storage: SqliteStorage) -> None:
    pid, other = await project(storage), await project(storage, "Other")
    first = await storage.add_note(pid, OWNER, W2, "запустили рилсы <b>", update_id=7)
    again = await storage.add_note(pid, OWNER, W2, "запустили рилсы <b>", update_id=7)
    assert again == first
    await storage.add_note(pid, EDITOR, W1, "new cover")
    await storage.add_note(other, OWNER, W1, "elsewhere", update_id=7)  # other project: own
    notes = await storage.get_notes(pid)
    assert [(n.week_start, n.text, n.created_by) for n in notes] == [
        (W1, "new cover", EDITOR), (W2, "запустили рилсы <b>", OWNER)]
    assert [n.text for n in await storage.get_notes(pid, since=W2)] == ["запустили рилсы <b>"]
    assert [n.text for n in await storage.get_notes(pid, until=W1)] == ["new cover"]
    assert not await storage.delete_note(other, first.id)
    assert await storage.delete_note(pid, first.id)
    assert [n.text for n in await storage.get_notes(pid)] == ["new cover"]


async def test_experiments_start_end_once_per_update(storage: SqliteStorage) -> None:
    pid, other = await project(storage), await project(storage, "Other")
    reels = await storage.start_experiment(pid, OWNER, "Reels 3×/week", "er_reach", True, W1,
                                           update_id=11)
    assert await storage.start_experiment(pid, OWNER, "Reels 3×/week", "er_reach", True, W1,
                                          update_id=11) == reels
    cheaper = await storage.start_experiment(pid, EDITOR, "New audience", "cpl", False, W2, W3)
    listed = await storage.get_experiments(pid)
    assert [(e.name, e.metric, e.want_up, e.start_week, e.end_week) for e in listed] == [
        ("New audience", "cpl", False, W2, W3), ("Reels 3×/week", "er_reach", True, W1, None)]
    assert not await storage.end_experiment(other, reels.id, W3)
    assert not await storage.end_experiment(pid, cheaper.id, W1)  # before its start
    assert await storage.end_experiment(pid, reels.id, W2)
    assert (await storage.get_experiments(pid))[1].end_week == W2
    with pytest.raises(ValueError):
        await storage.start_experiment(pid, OWNER, "x", "reach", True, W3, W1)
    assert await storage.get_experiments(other) == []
    assert not await storage.delete_experiment(other, reels.id)  # not that project's
    assert await storage.delete_experiment(pid, reels.id)
    assert not await storage.delete_experiment(pid, reels.id)  # already gone
    assert [e.name for e in await storage.get_experiments(pid)] == ["New audience"]


async def test_formula_kpis_upsert_keeps_order(storage: SqliteStorage) -> None:
    pid, other = await project(storage), await project(storage, "Other")
    weighted = FormulaKpi("Weighted ER", "(likes + comments*2) / reach * 100",
                          "higher_is_better", "%")
    await storage.save_formula_kpi(pid, weighted)
    await storage.save_formula_kpi(pid, FormulaKpi("AOV", "revenue / orders", "higher_is_better",
                                                   "₽"))
    await storage.save_formula_kpi(pid, FormulaKpi("Weighted ER", "likes / reach * 100",
                                                   "lower_is_better", "%"))
    kpis = await storage.get_formula_kpis(pid)
    assert [(k.name, k.formula, k.direction, k.position) for k in kpis] == [
        ("Weighted ER", "likes / reach * 100", "lower_is_better", 0),
        ("AOV", "revenue / orders", "higher_is_better", 1)]
    assert await storage.get_formula_kpis(other) == []
    assert not await storage.delete_formula_kpi(other, "AOV")
    assert await storage.delete_formula_kpi(pid, "AOV")
    assert [k.name for k in await storage.get_formula_kpis(pid)] == ["Weighted ER"]


async def test_everything_goes_with_the_project_and_forgotten_users(
        storage: SqliteStorage) -> None:
    pid = await project(storage)
    await storage.set_member_role(pid, EDITOR, "editor")
    await storage.add_note(pid, EDITOR, W1, "by editor")
    await storage.start_experiment(pid, EDITOR, "e", "reach", True, W1)
    await storage.save_formula_kpi(pid, FormulaKpi("k", "reach * 2"))
    await storage.delete_user(EDITOR)
    assert (await storage.get_notes(pid))[0].created_by == FORGOTTEN_USER_ID
    assert (await storage.get_experiments(pid))[0].created_by == FORGOTTEN_USER_ID
    await storage.delete_project(pid)
    assert await storage.get_notes(pid) == []
    assert await storage.get_experiments(pid) == []
    assert await storage.get_formula_kpis(pid) == []
