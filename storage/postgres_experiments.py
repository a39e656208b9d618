"""PostgreSQL side of notes, experiments and formula KPIs (migration 0011), mixed into
PostgresStorage. Same semantics as storage.sqlite_experiments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from storage.models import Experiment, FormulaKpi, Note

_NOTE_COLUMNS = "id, project_id, week_start, text, created_by, created_at"
_EXPERIMENT_COLUMNS = ("id, project_id, name, metric, want_up, start_week, end_week, "
                       "created_by, created_at")


def _note(row: Any) -> Note:
    return Note(row[0], row[1], row[2], row[3], row[4], row[5].astimezone(UTC))


def _experiment(row: Any) -> Experiment:
    return Experiment(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                      row[8].astimezone(UTC))


async def _insert_once(db: Any, table: str, select: str, values: dict[str, Any]) -> Any:
    """Insert a row unless this project already has one made by the same update (the unique
    (project_id, update_id) index decides, across instances); the row either way."""
    names = ", ".join(values)
    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await db.fetchrow(
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "
        f"ON CONFLICT (project_id, update_id) DO NOTHING RETURNING {select}", *values.values())
    if row is None:
        row = await db.fetchrow(
            f"SELECT {select} FROM {table} WHERE project_id = $1 AND update_id = $2",
            values["project_id"], values["update_id"])
    return row


class PostgresExperimentsMixin:
    """Needs PostgresStorage's `_db`, `query_all` and `_write`."""

    _db: Any
    query_all: Any
    _write: Any

    async def add_note(self, project_id: int, user_id: int, week_start: date, text: str, *,
                       update_id: int | None = None) -> Note:
        return _note(await _insert_once(self._db(), "notes", _NOTE_COLUMNS, {
            "project_id": project_id, "week_start": week_start, "text": text,
            "created_by": user_id, "created_at": datetime.now(UTC), "update_id": update_id}))

    async def get_notes(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Note]:
        rows = await self.query_all(
            f"SELECT {_NOTE_COLUMNS} FROM notes WHERE project_id = $1 AND week_start >= $2 "
            "AND week_start <= $3 ORDER BY week_start, id",
            (project_id, since or date.min, until or date.max))
        return [_note(r) for r in rows]

    async def delete_note(self, project_id: int, note_id: int) -> bool:
        return bool(await self._write("DELETE FROM notes WHERE project_id = $1 AND id = $2",
                                      (project_id, note_id)))

    async def start_experiment(
        self, project_id: int, user_id: int, name: str, metric: str, want_up: bool,
        start_week: date, end_week: date | None = None, *, update_id: int | None = None,
    ) -> Experiment:
        if end_week is not None and end_week < start_week:
            raise ValueError("an experiment cannot end before it starts")
        return _experiment(await _insert_once(self._db(), "experiments", _EXPERIMENT_COLUMNS, {
            "project_id": project_id, "name": name, "metric": metric, "want_up": bool(want_up),
            "start_week": start_week, "end_week": end_week, "created_by": user_id,
            "created_at": datetime.now(UTC), "update_id": update_id}))

    async def get_experiments(self, project_id: int) -> list[Experiment]:
        rows = await self.query_all(
            f"SELECT {_EXPERIMENT_COLUMNS} FROM experiments WHERE project_id = $1 "
            "ORDER BY start_week DESC, id DESC", (project_id,))
        return [_experiment(r) for r in rows]

    async def end_experiment(self, project_id: int, experiment_id: int, end_week: date) -> bool:
        return bool(await self._write(
            "UPDATE experiments SET end_week = $1 WHERE project_id = $2 AND id = $3 "
            "AND start_week <= $1", (end_week, project_id, experiment_id)))

    async def delete_experiment(self, project_id: int, experiment_id: int) -> bool:
        return bool(await self._write(
            "DELETE FROM experiments WHERE project_id = $1 AND id = $2",
            (project_id, experiment_id)))

    async def save_formula_kpi(self, project_id: int, kpi: FormulaKpi) -> None:
        await self._write(
            "INSERT INTO formula_kpis (project_id, name, formula, direction, unit, position, "
            "created_at) SELECT $1, $2, $3, $4, $5, COALESCE(MAX(position) + 1, 0), $6 "
            "FROM formula_kpis WHERE project_id = $1 ON CONFLICT (project_id, name) DO UPDATE "
            "SET formula = excluded.formula, direction = excluded.direction, "
            "unit = excluded.unit",
            (project_id, kpi.name, kpi.formula, kpi.direction, kpi.unit, datetime.now(UTC)))

    async def get_formula_kpis(self, project_id: int) -> list[FormulaKpi]:
        rows = await self.query_all(
            "SELECT name, formula, direction, unit, position FROM formula_kpis "
            "WHERE project_id = $1 ORDER BY position, name", (project_id,))
        return [FormulaKpi(*r) for r in rows]

    async def delete_formula_kpi(self, project_id: int, name: str) -> bool:
        return bool(await self._write(
            "DELETE FROM formula_kpis WHERE project_id = $1 AND name = $2", (project_id, name)))
