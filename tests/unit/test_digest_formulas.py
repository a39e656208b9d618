"""The digest input carries formula KPIs with their own direction, notes and verdict lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.digest import build_digest, load_digest_input
from kpi.catalogue import Direction
from kpi.weeks import current_week
from storage.models import BatchSource, FormulaKpi, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_formula_kpi_series_direction_notes_and_experiments(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "d.db")
    await storage.connect()
    try:
        project = await storage.create_project(1, "Shop", "sales", "UTC", "en",
                                               [ProjectKpi("spend"), ProjectKpi("orders")])
        week = current_week("UTC", NOW)
        values = [NewValue(week - timedelta(weeks=i), m, v)
                  for i in range(1, 9) for m, v in (("spend", 1000.0 + i), ("orders", 10.0))]
        await storage.save_batch(project.id, 1, BatchSource.IMPORT, values)
        await storage.save_formula_kpi(project.id, FormulaKpi("Cost/order", "spend / orders",
                                                              "lower_is_better", "₽"))
        await storage.add_note(project.id, 1, week - timedelta(weeks=2), "new creative")
        await storage.start_experiment(project.id, 1, "Cheaper <ads>", "spend", False,
                                       week - timedelta(weeks=2))
        data = await load_digest_input(storage, project, now=NOW)
        series = data.series["Cost/order"]
        assert series.direction is Direction.LOWER
        assert series.values[-1] == 100.1
        assert data.kpi_count == 3
        assert data.notes == ((week - timedelta(weeks=2), "new creative"),)
        [line] = data.experiments
        assert "Cheaper &lt;ads&gt;" in line and "2 of 4 weeks so far" in line
        digest = build_digest(data)
        assert "🧪 Experiments:" in digest.text and "Cost/order" in digest.text
    finally:
        await storage.close()
