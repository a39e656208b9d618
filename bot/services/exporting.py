"""A project's export file (/export in the chat, the dashboard's download): every stored weekly
number, and in XLSX the notes on their own sheet."""

from __future__ import annotations

from dataclasses import dataclass

from kpi.exporting import ExportRow, NoteRow, export_csv, export_xlsx
from storage.base import Storage
from storage.models import Project


@dataclass(frozen=True, slots=True)
class Exported:
    data: bytes
    filename: str
    rows: int
    notes: list[NoteRow]


async def export_file(storage: Storage, project: Project, fmt: str) -> Exported | None:
    """The CSV or XLSX document; None when the project has no numbers yet."""
    values = await storage.get_values(project.id)
    if not values:
        return None
    rows = [ExportRow(project=project.name, week_start=v.week_start, metric=v.metric,
                      value=v.value, approximate=v.approximate) for v in values]
    notes = [NoteRow(project.name, n.week_start, n.text)
             for n in await storage.get_notes(project.id)]
    data = export_csv(rows) if fmt == "csv" else export_xlsx(rows, notes)
    return Exported(data, f"{safe_filename(project.name)}-kpi.{fmt}", len(rows), notes)


def safe_filename(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return cleaned[:40] or "project"
