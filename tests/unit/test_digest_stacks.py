"""The digest's count and money panels stack their total by network; rates stay a line."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.digest import build_digest, digest_analysis, digest_chart, load_digest_input
from kpi.weeks import current_week
from storage.models import BatchSource, FormulaKpi, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_count_panels_are_stacked_by_network_rates_are_not(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "d.db")
    await storage.connect()
    try:
        kpis = [ProjectKpi(k) for k in ("reach", "leads", "er_reach", "cpl", "spend")]
        project = await storage.create_project(1, "Shop", "leads", "UTC", "ru", kpis)
        week = current_week("UTC", NOW)
        values = []
        for i in range(1, 9):
            w = week - timedelta(weeks=i)
            values += [NewValue(w, "reach", 5000.0 + i, network="vk"),
                       NewValue(w, "reach", 3000.0, network="instagram"),
                       NewValue(w, "likes", 300.0, network="vk"),
                       NewValue(w, "leads", 10.0, network="vk"),
                       NewValue(w, "leads", 4.0, network="Дзен"),
                       NewValue(w, "spend", 1000.0)]  # the project's only: nothing to stack
        values.append(NewValue(week - timedelta(weeks=1), "reach", 9000.0))  # a typed total
        await storage.save_batch(project.id, 1, BatchSource.IMPORT, values)
        await storage.save_formula_kpi(project.id, FormulaKpi("Лиды на охват", "leads / reach",
                                                              "higher_is_better", ""))
        data = await load_digest_input(storage, project, now=NOW)
        assert set(data.networks) == {"reach", "leads"}  # never a rate or a formula KPI
        chart = digest_chart(data, digest_analysis(data))
        panels = {p.title: p for p in chart.panels}
        reach, leads = panels["Охват"], panels["Лиды"]
        assert [label for label, _ in reach.stacks] == ["ВК", "Instagram", "Другое"]
        assert reach.stack_rest
        for i, total in enumerate(reach.values):
            parts = [values[i] for _, values in reach.stacks]
            assert (sum(parts) == total) if total is not None else parts == [None] * 3
        assert reach.stacks[-1][1][-1] == 9000.0 - 5001.0 - 3000.0  # the typed total's rest
        assert [label for label, _ in leads.stacks] == ["ВК", "Дзен"] and not leads.stack_rest
        for title in ("ER по охвату (ERR)", "CPL", "Бюджет", "Лиды на охват"):
            assert panels[title].stacks == (), title
        pickle.dumps(data)  # crosses to the rendering process
        digest = build_digest(data)
        assert digest.png.startswith(b"\x89PNG")
    finally:
        await storage.close()
