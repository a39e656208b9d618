"""A project's export file (/export in the chat, the dashboard's download): every stored weekly
number and each formula KPI's weekly value, and in XLSX the notes and posts on their own sheets
(the chat sends those as extra CSV files)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from bot.services.history import weekly_table
from kpi.exporting import (
    COLLECTED_SOURCE,
    FORMULA_SOURCE,
    ExportRow,
    NoteRow,
    PostRow,
    export_csv,
    export_xlsx,
)
from storage.base import Storage
from storage.models import Project


@dataclass(frozen=True, slots=True)
class Exported:
    data: bytes
    filename: str
    rows: int  # stored values in the file (formula rows are computed, not counted)
    notes: list[NoteRow]
    posts: list[PostRow]


async def export_file(storage: Storage, project: Project, fmt: str) -> Exported | None:
    """The CSV or XLSX document; None when the project has no numbers yet."""
    values = await storage.get_values(project.id, breakdown=True)  # every stored value
    if not values:
        return None
    stored = [ExportRow(project=project.name, week_start=v.week_start, metric=v.metric,
                        value=v.value, approximate=v.approximate, network=v.network,
                        campaign=v.campaign, source=COLLECTED_SOURCE if v.collected else "")
              for v in values]
    rows = with_formula_rows(stored, await formula_rows(storage, project))
    notes = [NoteRow(project.name, n.week_start, n.text)
             for n in await storage.get_notes(project.id)]
    posts = [PostRow(project.name, p.network, p.published, p.week_start, p.title, p.link,
                     p.metrics) for p in await storage.get_posts(project.id)]
    data = export_csv(rows) if fmt == "csv" else export_xlsx(rows, notes, posts)
    return Exported(data, f"{safe_filename(project.name)}-kpi.{fmt}", len(stored), notes, posts)


async def formula_rows(storage: Storage, project: Project) -> list[ExportRow]:
    """The formula KPIs' weekly values, marked `source=formula`: computed, not stored, so the
    importer skips them when the file comes back (docs/interface.md, "Export CSV")."""
    names = [f.name for f in await storage.get_formula_kpis(project.id)]
    if not names:
        return []
    return [ExportRow(project=project.name, week_start=row.week_start, metric=name,
                      value=row.values[name], source=FORMULA_SOURCE)
            for row in await weekly_table(storage, project.id)
            for name in names if name in row.values]


def with_formula_rows(stored: list[ExportRow], computed: list[ExportRow]) -> list[ExportRow]:
    """Each week's formula rows right after its stored rows (both lists are week-ordered)."""
    by_week: dict[date, list[ExportRow]] = defaultdict(list)
    for row in stored + computed:
        by_week[row.week_start].append(row)
    return [row for week in sorted(by_week) for row in by_week[week]]


def safe_filename(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return cleaned[:40] or "project"
