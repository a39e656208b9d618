"""SQLite side of notes, experiments and formula KPIs (migration 0011), mixed into SqliteStorage."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any

from storage.models import Experiment, FormulaKpi, Note

_NOTE_COLUMNS = "id, project_id, week_start, text, created_by, created_at"
_EXPERIMENT_COLUMNS = ("id, project_id, name, metric, want_up, start_week, end_week, "
                       "created_by, created_at")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _note(row: Any) -> Note:
    return Note(row[0], row[1], date.fromisoformat(row[2]), row[3], row[4],
                datetime.fromisoformat(row[5]))


def _experiment(row: Any) -> Experiment:
    return Experiment(row[0], row[1], row[2], row[3], bool(row[4]), date.fromisoformat(row[5]),
                      date.fromisoformat(row[6]) if row[6] else None, row[7],
                      datetime.fromisoformat(row[8]))


def _insert_once(conn: sqlite3.Connection, table: str, columns: str, select: str,
                 values: dict[str, Any]) -> Any:
    """Insert a row unless this project already has one made by the same update; the row."""
    if values["update_id"] is not None:
        row = conn.execute(f"SELECT {select} FROM {table} WHERE project_id = ? AND update_id = ?",
                           (values["project_id"], values["update_id"])).fetchone()
        if row:
            return row
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(values.values()))
    return conn.execute(f"SELECT {select} FROM {table} WHERE id = ?",
                        (cursor.lastrowid,)).fetchone()


def _save_formula(conn: sqlite3.Connection, project_id: int, kpi: FormulaKpi, now: str) -> None:
    conn.execute(
        "INSERT INTO formula_kpis (project_id, name, formula, direction, unit, position, "
        "created_at) SELECT ?, ?, ?, ?, ?, COALESCE(MAX(position) + 1, 0), ? FROM formula_kpis "
        "WHERE project_id = ? ON CONFLICT (project_id, name) DO UPDATE SET "
        "formula = excluded.formula, direction = excluded.direction, unit = excluded.unit",
        (project_id, kpi.name, kpi.formula, kpi.direction, kpi.unit, now, project_id))


def formula_kpis_of(conn: sqlite3.Connection, project_id: int) -> list[FormulaKpi]:
    rows = conn.execute(
        "SELECT name, formula, direction, unit, position FROM formula_kpis "
        "WHERE project_id = ? ORDER BY position, name", (project_id,)).fetchall()
    return [FormulaKpi(*r) for r in rows]


class SqliteExperimentsMixin:
    """Needs SqliteStorage's `in_transaction`, `query_all`, `_write`, `cached`, `read`,
    `generation` and `_formulas`."""

    in_transaction: Any
    query_all: Any
    _write: Any
    cached: Any
    read: Any
    generation: int
    _formulas: Any

    async def add_note(self, project_id: int, user_id: int, week_start: date, text: str, *,
                       update_id: int | None = None) -> Note:
        row = await self.in_transaction(_insert_once, "notes", _NOTE_COLUMNS, _NOTE_COLUMNS, {
            "project_id": project_id, "week_start": week_start.isoformat(), "text": text,
            "created_by": user_id, "created_at": _iso(datetime.now(UTC)),
            "update_id": update_id})
        return _note(row)

    async def get_notes(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Note]:
        rows = await self.query_all(
            f"SELECT {_NOTE_COLUMNS} FROM notes WHERE project_id = ? AND week_start >= ? "
            "AND week_start <= ? ORDER BY week_start, id",
            (project_id, (since or date.min).isoformat(), (until or date.max).isoformat()))
        return [_note(r) for r in rows]

    async def delete_note(self, project_id: int, note_id: int) -> bool:
        return bool(await self._write("DELETE FROM notes WHERE project_id = ? AND id = ?",
                                      (project_id, note_id)))

    async def start_experiment(
        self, project_id: int, user_id: int, name: str, metric: str, want_up: bool,
        start_week: date, end_week: date | None = None, *, update_id: int | None = None,
    ) -> Experiment:
        if end_week is not None and end_week < start_week:
            raise ValueError("an experiment cannot end before it starts")
        row = await self.in_transaction(
            _insert_once, "experiments", _EXPERIMENT_COLUMNS, _EXPERIMENT_COLUMNS, {
                "project_id": project_id, "name": name, "metric": metric,
                "want_up": int(want_up), "start_week": start_week.isoformat(),
                "end_week": end_week.isoformat() if end_week else None,
                "created_by": user_id, "created_at": _iso(datetime.now(UTC)),
                "update_id": update_id})
        return _experiment(row)

    async def get_experiments(self, project_id: int) -> list[Experiment]:
        rows = await self.query_all(
            f"SELECT {_EXPERIMENT_COLUMNS} FROM experiments WHERE project_id = ? "
            "ORDER BY start_week DESC, id DESC", (project_id,))
        return [_experiment(r) for r in rows]

    async def end_experiment(self, project_id: int, experiment_id: int, end_week: date) -> bool:
        return bool(await self._write(
            "UPDATE experiments SET end_week = ? WHERE project_id = ? AND id = ? "
            "AND start_week <= ?",
            (end_week.isoformat(), project_id, experiment_id, end_week.isoformat())))

    async def delete_experiment(self, project_id: int, experiment_id: int) -> bool:
        return bool(await self._write(
            "DELETE FROM experiments WHERE project_id = ? AND id = ?",
            (project_id, experiment_id)))

    async def save_formula_kpi(self, project_id: int, kpi: FormulaKpi) -> None:
        try:
            await self.in_transaction(_save_formula, project_id, kpi, _iso(datetime.now(UTC)))
        finally:
            self.generation += 1

    async def get_formula_kpis(self, project_id: int) -> list[FormulaKpi]:
        return await self.cached(self._formulas, project_id, self._load_formula_kpis)

    async def _load_formula_kpis(self, project_id: int) -> list[FormulaKpi]:
        return await self.read(formula_kpis_of, project_id)

    async def delete_formula_kpi(self, project_id: int, name: str) -> bool:
        return bool(await self._write(
            "DELETE FROM formula_kpis WHERE project_id = ? AND name = ?", (project_id, name)))
