"""The storage contract on PostgreSQL (``DATABASE_URL=postgresql://user@host:port/db``).

An asyncpg pool; every write that SQLite does in one transaction is one transaction here too.
Several bot instances may share the database, so nothing is cached in the process: every read
goes to the database. Claims (digests, reminders, the update journal, per-update idempotency
keys) are single atomic statements (`INSERT … ON CONFLICT`) or row locks, so two instances
never both win one. asyncpg is imported on connect, so SQLite deployments never load it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kpi.breakdown import Part, project_totals
from storage.base import DIGEST_LEASE, Storage
from storage.models import (
    AlertThreshold,
    Batch,
    BatchSource,
    Campaign,
    Invite,
    Membership,
    NewValue,
    Project,
    ProjectKpi,
    Role,
    SavedBatch,
    User,
    WeeklyValue,
)
from storage.postgres_experiments import PostgresExperimentsMixin
from storage.postgres_migrator import migrate_postgres
from storage.postgres_posts import PostgresPostsMixin
from storage.sqlite import (
    COLLECTED_COLUMN,
    FORGOTTEN_USER_ID,
    ROLE_RANK,
    StorageError,
    _due_week,
    _time_from_db,
    _time_to_db,
    _weeks_around,
    latest_values,
    reminder_week,
    totals_as_values,
)

POOL_SIZE = 10

_PROJECT_COLUMNS = (
    "p.id, p.name, p.goal, p.timezone, p.created_at, p.channel_chat_id, p.channel_title, "
    "p.schedule_weekday, p.schedule_time, p.schedule_enabled, p.delivery_paused, "
    "p.reminder_hours, p.language"
)
_PROJECT_WIDTH = 13
_USER_COLUMNS = "u.id, u.language, u.active_project_id, u.display_name"
_ON_SCHEDULE = ("p.schedule_enabled AND NOT p.delivery_paused AND p.timezone = $1 "
                "AND p.schedule_weekday = $2 AND p.schedule_time = $3")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _project(row: Sequence[Any]) -> Project:
    return Project(
        id=row[0], name=row[1], goal=row[2], timezone=row[3], created_at=_utc(row[4]),
        channel_chat_id=row[5], channel_title=row[6], schedule_weekday=row[7],
        schedule_time=_time_from_db(row[8]), schedule_enabled=row[9], delivery_paused=row[10],
        reminder_hours=row[11], language=row[12],
    )


class _KeptPersonsNumber(Exception):
    """Rolls back a collected number's transaction when a person's number is stored."""


def _new_value(row: Sequence[Any]) -> NewValue:
    return NewValue(row[0], row[1], row[2], row[3], network=row[4], campaign=row[5])


def _part(row: Sequence[Any]) -> Part:
    """(week_start, metric, value, approximate, network, campaign) as a kpi.breakdown part."""
    return Part(row[0], row[1], row[2], row[4], row[5], bool(row[3]))


_ENTRY_COLUMNS = "week_start, metric, value, approximate, network, campaign"


def _count(status: str) -> int:
    """Rows touched, from asyncpg's command status ('UPDATE 1', 'INSERT 0 1')."""
    return int(status.rsplit(" ", 1)[-1]) if status and status[-1].isdigit() else 0


# save_batch's values in two round trips, however many there are (not three each): the
# values they replace, locked, then the entries and the current values.
_LOCK_PREVIOUS = """
SELECT w.week_start, w.metric, w.network, w.campaign, w.value FROM weekly_values w
JOIN unnest($2::date[], $3::text[], $4::text[], $5::text[])
     AS i (week_start, metric, network, campaign) USING (week_start, metric, network, campaign)
WHERE w.project_id = $1 FOR UPDATE OF w
"""
_WRITE_VALUES = """
WITH input AS (
    SELECT * FROM unnest($3::date[], $4::text[], $5::text[], $6::text[], $7::float8[],
                         $8::bool[], $9::float8[])
           AS i (week_start, metric, network, campaign, value, approximate, previous)
), logged AS (
    INSERT INTO entries (batch_id, project_id, week_start, metric, network, campaign, value,
                         previous_value, approximate)
    SELECT $2, $1, week_start, metric, network, campaign, value, previous, approximate
    FROM input
)
INSERT INTO weekly_values (project_id, week_start, metric, network, campaign, value,
                           approximate, batch_id)
SELECT $1, week_start, metric, network, campaign, value, approximate, $2 FROM input
ON CONFLICT (project_id, week_start, metric, network, campaign)
DO UPDATE SET value = excluded.value, approximate = excluded.approximate,
              batch_id = excluded.batch_id
"""


async def _keep_session(conn: Any) -> None:
    """The pool's reset of a connection it takes back, beyond asyncpg's own (which rolls back
    a transaction left open and drops listeners): nothing. By default asyncpg also sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release — a
    round trip for each query made through the pool, 15 per text entry. This storage leaves
    no session state behind: it never runs SET or LISTEN, declares no cursor outside a
    transaction, and the migrator releases its advisory lock itself (tests/unit/
    test_postgres_storage.py checks a released connection has no such state)."""


class PostgresStorage(PostgresExperimentsMixin, PostgresPostsMixin, Storage):
    def __init__(self, dsn: str, *, pool_size: int = POOL_SIZE) -> None:
        self.dsn = dsn
        self.pool_size = pool_size
        self._pool: Any = None

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._pool is not None

    async def connect(self) -> None:
        if self._pool is not None:
            return
        import asyncpg

        try:
            pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.pool_size,
                                             reset=_keep_session)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await migrate_postgres(conn)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    def _db(self) -> Any:
        if self._pool is None:
            raise StorageError("storage is not connected: await connect() first")
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A pooled connection inside one transaction (rolled back when the block raises)."""
        async with self._db().acquire() as conn, conn.transaction():
            yield conn

    async def query_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self._db().fetchrow(sql, *params)

    async def query_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(await self._db().fetch(sql, *params))

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _count(await self._db().execute(sql, *params))

    @staticmethod
    async def _touch_user(conn: Any, user_id: int) -> None:
        await conn.execute("INSERT INTO users (id, created_at) VALUES ($1, $2) "
                           "ON CONFLICT (id) DO NOTHING", user_id, _now())

    @staticmethod
    async def _fetch_project(conn: Any, project_id: int) -> Project | None:
        row = await conn.fetchrow(f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE p.id = $1",
                                  project_id)
        return _project(row) if row else None

    # --- users ---------------------------------------------------------------------------------
    async def get_user(self, user_id: int) -> User | None:
        row = await self.query_one(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = $1",
                                   (user_id,))
        return User(*row) if row else None

    async def ensure_user(self, user_id: int, display_name: str | None = None) -> User:
        user, _ = await self.load_context(user_id, display_name)
        return user

    async def load_context(self, user_id: int,
                           display_name: str | None = None) -> tuple[User, Membership | None]:
        sql = (f"SELECT {_USER_COLUMNS}, {_PROJECT_COLUMNS}, m.role FROM users u "
               "LEFT JOIN members m ON m.user_id = u.id AND m.project_id = u.active_project_id "
               "LEFT JOIN projects p ON p.id = m.project_id WHERE u.id = $1")
        row = await self.query_one(sql, (user_id,))
        if row is None or (display_name is not None and display_name != row[3]):
            await self._write(
                "INSERT INTO users (id, created_at, display_name) VALUES ($1, $2, $3) "
                "ON CONFLICT (id) DO UPDATE SET display_name = "
                "COALESCE(excluded.display_name, users.display_name)",
                (user_id, _now(), display_name))
            row = await self.query_one(sql, (user_id,))
        user = User(*row[:4])
        if row[4] is None:
            return user, None
        return user, Membership(_project(row[4:4 + _PROJECT_WIDTH]), Role(row[4 + _PROJECT_WIDTH]))

    async def set_user_language(self, user_id: int, language: str | None) -> None:
        await self._write(
            "INSERT INTO users (id, language, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (id) DO UPDATE SET language = excluded.language",
            (user_id, language, _now()))

    async def set_active_project(self, user_id: int, project_id: int | None) -> None:
        await self._write(
            "INSERT INTO users (id, active_project_id, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (id) DO UPDATE SET active_project_id = excluded.active_project_id",
            (user_id, project_id, _now()))

    async def delete_user(self, user_id: int) -> list[int]:
        async with self.transaction() as conn:
            rows = await conn.fetch(
                "SELECT m.project_id FROM members m WHERE m.user_id = $1 AND m.role = 'owner' "
                "AND NOT EXISTS (SELECT 1 FROM members o WHERE o.project_id = m.project_id "
                "AND o.role = 'owner' AND o.user_id <> m.user_id) ORDER BY m.project_id",
                user_id)
            deleted = [row[0] for row in rows]
            await conn.execute("DELETE FROM projects WHERE id = ANY($1::bigint[])", deleted)
            await conn.execute("DELETE FROM members WHERE user_id = $1", user_id)
            await conn.execute("DELETE FROM reminders WHERE user_id = $1", user_id)
            await conn.execute("DELETE FROM invites WHERE created_by = $1", user_id)
            await conn.execute("DELETE FROM fsm WHERE user_id = $1", user_id)
            await conn.execute("UPDATE batches SET user_id = $1 WHERE user_id = $2",
                               FORGOTTEN_USER_ID, user_id)
            for table in ("notes", "experiments"):
                await conn.execute(f"UPDATE {table} SET created_by = $1 WHERE created_by = $2",
                                   FORGOTTEN_USER_ID, user_id)
            await conn.execute("DELETE FROM users WHERE id = $1", user_id)
        return deleted

    # --- projects and members ------------------------------------------------------------------
    async def create_project(
        self, owner_id: int, name: str, goal: str, timezone: str, language: str,
        kpis: Sequence[ProjectKpi], *, update_id: int | None = None,
    ) -> Project:
        now = _now()
        async with self.transaction() as conn:
            if update_id is not None:
                made = await conn.fetchval(
                    "SELECT p.id FROM projects p JOIN members m ON m.project_id = p.id "
                    "WHERE p.creation_update_id = $1 AND m.user_id = $2", update_id, owner_id)
                if made is not None:
                    project = await self._fetch_project(conn, made)
                    assert project is not None
                    return project
            await self._touch_user(conn, owner_id)
            # Another instance handling the same update at this moment: the unique index
            # makes this wait for its commit, then DO NOTHING; its project is returned.
            project_id = await conn.fetchval(
                "INSERT INTO projects (name, goal, timezone, language, created_at, "
                "creation_update_id) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (creation_update_id) WHERE creation_update_id IS NOT NULL "
                "DO NOTHING RETURNING id",
                name, goal, timezone, language, now, update_id)
            if project_id is None:
                project = await self._fetch_project(conn, await conn.fetchval(
                    "SELECT id FROM projects WHERE creation_update_id = $1", update_id))
                assert project is not None
                return project
            await conn.execute(
                "INSERT INTO members (project_id, user_id, role, joined_at) "
                "VALUES ($1, $2, $3, $4)", project_id, owner_id, Role.OWNER.value, now)
            await self._insert_kpis(conn, project_id, kpis)
            await conn.execute("UPDATE users SET active_project_id = $1 WHERE id = $2",
                               project_id, owner_id)
            project = await self._fetch_project(conn, project_id)
        assert project is not None
        return project

    async def get_project(self, project_id: int) -> Project | None:
        return await self._fetch_project(self._db(), project_id)

    async def delete_project(self, project_id: int) -> None:
        await self._write("DELETE FROM projects WHERE id = $1", (project_id,))

    async def rename_project(self, project_id: int, name: str) -> None:
        await self._write("UPDATE projects SET name = $1 WHERE id = $2", (name, project_id))

    async def set_project_timezone(self, project_id: int, timezone: str) -> None:
        await self._write("UPDATE projects SET timezone = $1 WHERE id = $2",
                          (timezone, project_id))

    async def set_project_language(self, project_id: int, language: str) -> None:
        await self._write("UPDATE projects SET language = $1 WHERE id = $2",
                          (language, project_id))

    async def set_schedule(
        self, project_id: int, *, weekday: int, at: time, enabled: bool,
        reminder_hours: int | None,
    ) -> None:
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {weekday}")
        await self._write(
            "UPDATE projects SET schedule_weekday = $1, schedule_time = $2, "
            "schedule_enabled = $3, reminder_hours = $4 WHERE id = $5",
            (weekday, _time_to_db(at), bool(enabled), reminder_hours, project_id))

    async def set_channel(self, project_id: int, chat_id: int | None, title: str | None) -> None:
        await self._write(
            "UPDATE projects SET channel_chat_id = $1, channel_title = $2, "
            "delivery_paused = FALSE WHERE id = $3",
            (chat_id, title if chat_id is not None else None, project_id))

    async def set_delivery_paused(self, project_id: int, paused: bool) -> None:
        await self._write("UPDATE projects SET delivery_paused = $1 WHERE id = $2",
                          (bool(paused), project_id))

    async def list_memberships(self, user_id: int) -> list[Membership]:
        rows = await self.query_all(
            f"SELECT {_PROJECT_COLUMNS}, m.role FROM members m "
            "JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1 "
            "ORDER BY m.joined_at, p.id", (user_id,))
        return [Membership(_project(r), Role(r[_PROJECT_WIDTH])) for r in rows]

    async def get_membership(self, user_id: int, project_id: int) -> Role | None:
        role = await self._db().fetchval(
            "SELECT role FROM members WHERE project_id = $1 AND user_id = $2",
            project_id, user_id)
        return Role(role) if role else None

    async def list_members(self, project_id: int) -> list[tuple[int, Role]]:
        rows = await self.query_all(
            "SELECT user_id, role FROM members WHERE project_id = $1 ORDER BY "
            "CASE role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, joined_at, user_id",
            (project_id,))
        return [(r[0], Role(r[1])) for r in rows]

    async def set_member_role(self, project_id: int, user_id: int, role: Role | None) -> None:
        async with self.transaction() as conn:
            if role is None:
                await conn.execute("DELETE FROM members WHERE project_id = $1 AND user_id = $2",
                                   project_id, user_id)
                await conn.execute(
                    "UPDATE users SET active_project_id = NULL "
                    "WHERE id = $1 AND active_project_id = $2", user_id, project_id)
                return
            await self._touch_user(conn, user_id)
            await conn.execute(
                "INSERT INTO members (project_id, user_id, role, joined_at) "
                "VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                project_id, user_id, Role(role).value, _now())

    async def projects_with_channel(self, chat_id: int) -> list[Project]:
        rows = await self.query_all(
            f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE p.channel_chat_id = $1 "
            "ORDER BY p.id", (chat_id,))
        return [_project(r) for r in rows]

    # --- KPIs ----------------------------------------------------------------------------------
    async def get_kpis(self, project_id: int) -> list[ProjectKpi]:
        rows = await self.query_all(
            "SELECT metric, target, custom, direction, position FROM project_kpis "
            "WHERE project_id = $1 ORDER BY position, metric", (project_id,))
        return [ProjectKpi(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    @staticmethod
    async def _insert_kpis(conn: Any, project_id: int, kpis: Sequence[ProjectKpi]) -> None:
        ordered = sorted(enumerate(kpis), key=lambda item: (item[1].position, item[0]))
        seen: set[str] = set()
        rows = []
        for kpi in (k for _, k in ordered):
            if kpi.metric in seen:
                continue
            seen.add(kpi.metric)
            rows.append((project_id, kpi.metric, kpi.target, bool(kpi.custom), kpi.direction,
                         len(rows)))
        await conn.executemany(
            "INSERT INTO project_kpis (project_id, metric, target, custom, direction, position) "
            "VALUES ($1, $2, $3, $4, $5, $6)", rows)

    async def set_kpis(self, project_id: int, kpis: Sequence[ProjectKpi]) -> None:
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM project_kpis WHERE project_id = $1", project_id)
            await self._insert_kpis(conn, project_id, kpis)

    async def set_target(self, project_id: int, metric: str, target: float | None) -> None:
        async with self.transaction() as conn:
            updated = _count(await conn.execute(
                "UPDATE project_kpis SET target = $1 WHERE project_id = $2 AND metric = $3",
                target, project_id, metric))
            if not updated:
                await conn.execute(
                    "INSERT INTO project_kpis (project_id, metric, target, position) "
                    "SELECT $1, $2, $3::double precision, COALESCE(MAX(position) + 1, 0) "
                    "FROM project_kpis WHERE project_id = $1 "
                    "ON CONFLICT (project_id, metric) DO UPDATE SET target = excluded.target",
                    project_id, metric, target)

    async def get_thresholds(self, project_id: int) -> list[AlertThreshold]:
        rows = await self.query_all(
            "SELECT metric, warning_pct, critical_pct FROM alert_thresholds "
            "WHERE project_id = $1 ORDER BY metric", (project_id,))
        return [AlertThreshold(*r) for r in rows]

    async def set_threshold(self, project_id: int, threshold: AlertThreshold | None,
                            metric: str) -> None:
        if threshold is None:
            await self._write(
                "DELETE FROM alert_thresholds WHERE project_id = $1 AND metric = $2",
                (project_id, metric))
            return
        await self._write(
            "INSERT INTO alert_thresholds (project_id, metric, warning_pct, critical_pct) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, metric) DO UPDATE SET "
            "warning_pct = excluded.warning_pct, critical_pct = excluded.critical_pct",
            (project_id, metric, threshold.warning_pct, threshold.critical_pct))

    async def get_alert_acks(self, project_id: int) -> dict[str, date]:
        rows = await self.query_all(
            "SELECT metric, since_week FROM alert_acks WHERE project_id = $1", (project_id,))
        return {metric: week for metric, week in rows}

    async def set_alert_ack(self, project_id: int, metric: str, since_week: date | None,
                            user_id: int) -> None:
        if since_week is None:
            await self._write("DELETE FROM alert_acks WHERE project_id = $1 AND metric = $2",
                              (project_id, metric))
            return
        await self._write(
            "INSERT INTO alert_acks (project_id, metric, since_week, user_id, acked_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, metric) DO UPDATE SET "
            "since_week = excluded.since_week, user_id = excluded.user_id, "
            "acked_at = excluded.acked_at", (project_id, metric, since_week, user_id, _now()))

    # --- weekly values -------------------------------------------------------------------------
    async def save_batch(
        self, project_id: int, user_id: int, source: BatchSource, values: Iterable[NewValue],
        *, update_id: int | None = None, read_weeks: Sequence[date] = (),
    ) -> SavedBatch:
        latest = latest_values(values)
        source_text = BatchSource(source).value
        async with self.transaction() as conn:
            # The idempotency key: a second instance handling the same update waits on the
            # unique index until the first commits, then sees the conflict.
            batch_id = await conn.fetchval(
                "INSERT INTO batches (project_id, user_id, source, created_at, update_id) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, update_id) DO NOTHING "
                "RETURNING id", project_id, user_id, source_text, _now(), update_id)
            if batch_id is None:
                existing = await conn.fetchval(
                    "SELECT id FROM batches WHERE project_id = $1 AND update_id = $2",
                    project_id, update_id)
                return SavedBatch(batch_id=existing, duplicate=True,
                                  weeks=await _week_values(conn, project_id, read_weeks))
            items = list(latest.values())
            weeks, metrics = [v.week_start for v in items], [v.metric for v in items]
            networks, campaigns = [v.network for v in items], [v.campaign for v in items]
            rows = await conn.fetch(_LOCK_PREVIOUS, project_id, weeks, metrics, networks,
                                    campaigns)
            previous = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
            replaced: dict[tuple, float | None] = {
                v.key: previous.get((v.week_start, v.metric, v.network, v.campaign))
                for v in items}
            await conn.execute(
                _WRITE_VALUES, project_id, batch_id, weeks, metrics, networks, campaigns,
                [float(v.value) for v in items], [bool(v.approximate) for v in items],
                [replaced[v.key] for v in items])
            now = _now()
            for network in dict.fromkeys(v.network for v in latest.values() if v.network):
                await conn.execute(
                    "INSERT INTO project_networks (project_id, name, created_at) "
                    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", project_id, network, now)
            for campaign in dict.fromkeys(v.campaign for v in latest.values() if v.campaign):
                await conn.execute(
                    "INSERT INTO project_campaigns (project_id, name, created_at) "
                    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", project_id, campaign, now)
            return SavedBatch(batch_id=batch_id, replaced=replaced,
                              weeks=await _week_values(conn, project_id, read_weeks))

    async def undo_last_batch(self, project_id: int, user_id: int | None = None, *,
                              update_id: int | None = None) -> Batch | None:
        sql = "SELECT id FROM batches WHERE project_id = $1 AND undone_at IS NULL"
        params: list[Any] = [project_id]
        if user_id is not None:
            sql += " AND user_id = $2"
            params.append(user_id)
        async with self.transaction() as conn:
            # One undo per project at a time: two instances never undo the same batch twice.
            await conn.execute("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", project_id)
            if update_id is not None:
                done = await conn.fetchval(
                    "SELECT id FROM batches WHERE project_id = $1 AND undo_update_id = $2",
                    project_id, update_id)
                if done is not None:
                    return await self._batch(conn, done)
            found = await conn.fetchval(sql + " ORDER BY id DESC LIMIT 1", *params)
            if found is None:
                return None
            batch = await self._undo(conn, found)
            if update_id is not None:
                await conn.execute("UPDATE batches SET undo_update_id = $1 WHERE id = $2",
                                   update_id, found)
            return batch

    async def undo_batch(self, project_id: int, batch_id: int) -> Batch | None:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", project_id)
            found = await conn.fetchval(
                "SELECT id FROM batches WHERE id = $1 AND project_id = $2 "
                "AND undone_at IS NULL", batch_id, project_id)
            return await self._undo(conn, batch_id) if found is not None else None

    async def _undo(self, conn: Any, batch_id: int) -> Batch:
        """As SqliteStorage._undo, inside the caller's transaction."""
        batch = await conn.fetchrow(
            "SELECT project_id, user_id, source, created_at FROM batches WHERE id = $1",
            batch_id)
        project_id = batch[0]
        entries = await conn.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE batch_id = $1 ORDER BY id", batch_id)
        where = ("project_id = $1 AND week_start = $2 AND metric = $3 AND network = $4 "
                 "AND campaign = $5")
        for week, metric, _value, _approximate, network, campaign in entries:
            key = (project_id, week, metric, network, campaign)
            current = await conn.fetchval(
                f"SELECT batch_id FROM weekly_values WHERE {where} FOR UPDATE", *key)
            if current != batch_id:
                continue
            before = await conn.fetchrow(
                "SELECT e.value, e.approximate, e.batch_id FROM entries e "
                "JOIN batches b ON b.id = e.batch_id "
                "WHERE e.project_id = $1 AND e.week_start = $2 AND e.metric = $3 "
                "AND e.network = $4 AND e.campaign = $5 "
                "AND e.batch_id < $6 AND b.undone_at IS NULL "
                "ORDER BY e.batch_id DESC LIMIT 1", *key, batch_id)
            if before is None:
                await conn.execute(f"DELETE FROM weekly_values WHERE {where}", *key)
            else:
                await conn.execute(
                    "UPDATE weekly_values SET value = $6, approximate = $7, batch_id = $8 "
                    f"WHERE {where}", *key, *before)
        await conn.execute("UPDATE batches SET undone_at = $1 WHERE id = $2", _now(), batch_id)
        return Batch(
            id=batch_id, project_id=project_id, user_id=batch[1], source=BatchSource(batch[2]),
            created_at=_utc(batch[3]), values=tuple(_new_value(e) for e in entries),
            undone=True)

    async def get_batch(self, batch_id: int) -> Batch | None:
        """One batch with the values it wrote (not part of the abstract contract)."""
        async with self._db().acquire() as conn:
            return await self._batch(conn, batch_id)

    @staticmethod
    async def _batch(conn: Any, batch_id: int) -> Batch | None:
        batch = await conn.fetchrow(
            "SELECT project_id, user_id, source, created_at, undone_at FROM batches "
            "WHERE id = $1", batch_id)
        if batch is None:
            return None
        entries = await conn.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE batch_id = $1 ORDER BY id", batch_id)
        return Batch(id=batch_id, project_id=batch[0], user_id=batch[1],
                     source=BatchSource(batch[2]), created_at=_utc(batch[3]),
                     values=tuple(_new_value(e) for e in entries), undone=batch[4] is not None)

    async def get_values(
        self, project_id: int, *, since: date | None = None, until: date | None = None,
        metrics: Sequence[str] | None = None, breakdown: bool = False,
    ) -> list[WeeklyValue]:
        columns = "week_start, metric, value, approximate, network, campaign"
        if breakdown:
            columns += ", " + COLLECTED_COLUMN
        sql = f"SELECT {columns} FROM weekly_values WHERE project_id = $1"
        params: list[Any] = [project_id]
        if since is not None:
            params.append(since)
            sql += f" AND week_start >= ${len(params)}"
        if until is not None:
            params.append(until)
            sql += f" AND week_start <= ${len(params)}"
        if metrics is not None:
            metrics = list(dict.fromkeys(metrics))
            if not metrics:
                return []
            params.append(metrics)
            sql += f" AND metric = ANY(${len(params)}::text[])"
        # COLLATE "C": the same order as SQLite's byte order, whatever the database's locale.
        rows = await self.query_all(
            sql + ' ORDER BY week_start, metric COLLATE "C", network COLLATE "C", '
            'campaign COLLATE "C"', params)
        if not breakdown:
            return totals_as_values(project_id, (_part(r) for r in rows))
        return [WeeklyValue(project_id, r[0], r[1], r[2], approximate=r[3], network=r[4],
                            campaign=r[5], collected=bool(r[6])) for r in rows]

    async def get_all_values(self) -> list[tuple[str, WeeklyValue]]:
        rows = await self.query_all(
            "SELECT p.name, v.project_id, v.week_start, v.metric, v.value, v.approximate, "
            "v.network, v.campaign FROM weekly_values v JOIN projects p ON p.id = v.project_id "
            'ORDER BY v.project_id, v.week_start, v.metric COLLATE "C", v.network COLLATE "C", '
            'v.campaign COLLATE "C"')
        return [(r[0], WeeklyValue(r[1], r[2], r[3], r[4], approximate=r[5], network=r[6],
                                   campaign=r[7])) for r in rows]

    async def save_collected(self, project_id: int, value: NewValue) -> bool:
        (value,) = latest_values([value]).values()
        key = (project_id, value.week_start, value.metric, value.network, value.campaign)
        try:
            async with self.transaction() as conn:
                batch_id = await conn.fetchval(
                    "INSERT INTO batches (project_id, user_id, source, created_at) "
                    "VALUES ($1, $2, $3, $4) RETURNING id", project_id, FORGOTTEN_USER_ID,
                    BatchSource.COLLECTED.value, _now())
                previous = await conn.fetchval(
                    "SELECT value FROM weekly_values WHERE project_id = $1 AND week_start = $2 "
                    "AND metric = $3 AND network = $4 AND campaign = $5", *key)
                # The upsert itself decides: a row a person's batch wrote (even one committed
                # by another instance a moment ago) is left as it is.
                written = await conn.fetchval(
                    "INSERT INTO weekly_values (project_id, week_start, metric, network, "
                    "campaign, value, approximate, batch_id) "
                    "VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) "
                    "ON CONFLICT (project_id, week_start, metric, network, campaign) "
                    "DO UPDATE SET value = excluded.value, approximate = FALSE, "
                    "batch_id = excluded.batch_id WHERE EXISTS (SELECT 1 FROM batches b "
                    "WHERE b.id = weekly_values.batch_id AND b.source = $8) RETURNING 1",
                    *key, float(value.value), batch_id, BatchSource.COLLECTED.value)
                if written is None:
                    raise _KeptPersonsNumber
                await conn.execute(
                    "INSERT INTO entries (batch_id, project_id, week_start, metric, network, "
                    "campaign, value, previous_value, approximate) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)",
                    batch_id, *key, float(value.value), previous)
                if value.network:
                    await conn.execute(
                        "INSERT INTO project_networks (project_id, name, created_at) "
                        "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        project_id, value.network, _now())
        except _KeptPersonsNumber:
            return False  # the transaction rolled back: no batch, no entry
        return True

    async def get_networks(self, project_id: int) -> list[str]:
        rows = await self.query_all(
            "SELECT name FROM project_networks WHERE project_id = $1 "
            'ORDER BY created_at, name COLLATE "C"', (project_id,))
        return [r[0] for r in rows]

    async def get_campaigns(self, project_id: int) -> list[Campaign]:
        rows = await self.query_all(
            "SELECT name, start_week, end_week FROM project_campaigns WHERE project_id = $1 "
            'ORDER BY created_at, name COLLATE "C"', (project_id,))
        return [Campaign(r[0], r[1], r[2]) for r in rows]

    async def set_campaign(self, project_id: int, name: str, start_week: date | None,
                           end_week: date | None) -> None:
        if start_week and end_week and end_week < start_week:
            raise ValueError("a campaign cannot end before it starts")
        await self._write(
            "INSERT INTO project_campaigns (project_id, name, start_week, end_week, created_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, name) DO UPDATE SET "
            "start_week = excluded.start_week, end_week = excluded.end_week",
            (project_id, name, start_week, end_week, _now()))

    # --- invites -------------------------------------------------------------------------------
    async def create_invite(
        self, project_id: int, role: Role, created_by: int, expires_at: datetime, max_uses: int,
    ) -> Invite:
        if max_uses < 1:
            raise ValueError("an invite must allow at least one use")
        role = Role(role)
        token = secrets.token_urlsafe(16)
        await self._write(
            "INSERT INTO invites (token, project_id, role, created_by, created_at, expires_at, "
            "max_uses, uses) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
            (token, project_id, role.value, created_by, _now(), _utc(expires_at), max_uses))
        return Invite(token=token, project_id=project_id, role=role, created_by=created_by,
                      expires_at=_utc(expires_at), max_uses=max_uses, uses=0)

    async def redeem_invite(self, token: str, user_id: int, now: datetime) -> Membership | None:
        async with self.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT project_id, role, expires_at, max_uses, uses FROM invites "
                "WHERE token = $1 FOR UPDATE", token)
            if row is None:
                return None
            project_id, invite_role, expires_at, max_uses, uses = row
            if _utc(expires_at) <= _utc(now) or uses >= max_uses:
                return None
            role = Role(invite_role)
            current = await conn.fetchval(
                "SELECT role FROM members WHERE project_id = $1 AND user_id = $2",
                project_id, user_id)
            if current is not None and ROLE_RANK[Role(current)] >= ROLE_RANK[role]:
                role = Role(current)
            else:
                await self._touch_user(conn, user_id)
                await conn.execute(
                    "INSERT INTO members (project_id, user_id, role, joined_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, user_id) DO UPDATE SET "
                    "role = excluded.role", project_id, user_id, role.value, _now())
                await conn.execute("UPDATE invites SET uses = uses + 1 WHERE token = $1", token)
            project = await self._fetch_project(conn, project_id)
        assert project is not None
        return Membership(project, role)

    # --- digests and reminders -----------------------------------------------------------------
    async def due_projects(self, now: datetime) -> list[Project]:
        now = _utc(now)
        schedules = await self.query_all(
            "SELECT DISTINCT timezone, schedule_weekday, schedule_time FROM projects "
            "WHERE schedule_enabled AND NOT delivery_paused")
        zones: dict[str, tuple[date, date]] = {}
        found: list[Project] = []
        async with self._db().acquire() as conn:
            for timezone, weekday, at in schedules:
                if timezone not in zones:
                    zones[timezone] = _weeks_around(timezone, now)
                week = _due_week(timezone, weekday, _time_from_db(at), now, zones[timezone])
                if week is None:
                    continue
                rows = await conn.fetch(
                    f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE {_ON_SCHEDULE} "
                    "AND p.last_digest_week < $4 "
                    "AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.project_id = p.id "
                    "AND d.week_start = $4 AND (d.status = 'sent' OR d.lease_until > $5))",
                    timezone, weekday, at, week, now)
                found += (_project(r) for r in rows)
        return sorted(found, key=lambda p: p.id)

    async def claim_digest(self, project_id: int, week_start: date, *,
                           boot: str | None = None, lease: timedelta = DIGEST_LEASE) -> bool:
        """One atomic statement: the insert wins, or the conflicting row is locked and taken
        over only when its 'sending' claim's lease has run out — by exactly one instance."""
        now = _now()
        won = await self._db().fetchval(
            "INSERT INTO digests (project_id, week_start, status, claimed_at, boot_id, "
            "lease_until) VALUES ($1, $2, 'sending', $3, $4, $5) "
            "ON CONFLICT (project_id, week_start) DO UPDATE "
            "SET claimed_at = excluded.claimed_at, boot_id = excluded.boot_id, "
            "lease_until = excluded.lease_until, send_started_at = NULL "
            "WHERE digests.status = 'sending' "
            "AND (digests.lease_until IS NULL OR digests.lease_until <= excluded.claimed_at) "
            "RETURNING 1",
            project_id, week_start, now, boot, now + lease)
        return won is not None

    async def renew_digest_claims(self, boot: str, lease: timedelta = DIGEST_LEASE) -> int:
        return await self._write(
            "UPDATE digests SET lease_until = $1 WHERE status = 'sending' AND boot_id = $2",
            (_now() + lease, boot))

    async def finish_digest(self, project_id: int, week_start: date, *, sent: bool,
                            boot: str | None = None) -> None:
        if sent:
            await self._write(
                "UPDATE digests SET status = 'sent', sent_at = $1 "
                "WHERE project_id = $2 AND week_start = $3", (_now(), project_id, week_start))
        else:
            await self._write(
                "DELETE FROM digests WHERE project_id = $1 AND week_start = $2 "
                "AND status = 'sending' AND ($3::text IS NULL OR boot_id = $3)",
                (project_id, week_start, boot))

    async def start_digest_send(self, project_id: int, week_start: date, *,
                                boot: str | None = None) -> bool:
        return await self._write(
            "UPDATE digests SET send_started_at = coalesce(send_started_at, $1) "
            "WHERE project_id = $2 AND week_start = $3 AND status = 'sending' "
            "AND ($4::text IS NULL OR boot_id = $4)",
            (_now(), project_id, week_start, boot)) == 1

    async def release_digest_claims(self, boot: str) -> list[tuple[int, date, bool]]:
        """Several instances share the database, so another boot's claim may be live: only
        claims of other boots whose lease has run out are released."""
        rows = await self.query_all(
            "DELETE FROM digests WHERE status = 'sending' "
            "AND (boot_id IS NULL OR boot_id <> $1) "
            "AND (lease_until IS NULL OR lease_until <= $2) "
            "RETURNING project_id, week_start, send_started_at IS NOT NULL",
            (boot, _now()))
        return sorted((r[0], r[1], r[2]) for r in rows)

    async def mark_updates_handled(self, update_ids: Sequence[int]) -> None:
        if update_ids:
            await self._write(
                "INSERT INTO handled_updates (update_id, handled_at) "
                "SELECT unnest($1::bigint[]), $2 ON CONFLICT (update_id) DO NOTHING",
                (list(update_ids), _now()))

    async def handled_updates(self) -> set[int]:
        return {r[0] for r in await self.query_all("SELECT update_id FROM handled_updates")}

    async def update_was_handled(self, update_id: int) -> bool:
        return await self.query_one(
            "SELECT 1 FROM handled_updates WHERE update_id = $1", (update_id,)) is not None

    async def ping(self) -> None:
        await self.query_one("SELECT 1")

    async def forget_updates_below(self, update_id: int) -> None:
        await self._write("DELETE FROM handled_updates WHERE update_id < $1", (update_id,))

    async def reminder_projects(self, now: datetime) -> list[tuple[Project, date]]:
        now = _utc(now)
        schedules = await self.query_all(
            "SELECT DISTINCT timezone, schedule_weekday, schedule_time, reminder_hours "
            "FROM projects WHERE schedule_enabled AND NOT delivery_paused "
            "AND reminder_hours IS NOT NULL")
        found = []
        for timezone, weekday, at, hours in schedules:
            week = reminder_week(timezone, weekday, _time_from_db(at), hours, now)
            if week is None:
                continue
            rows = await self.query_all(
                f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE {_ON_SCHEDULE} "
                "AND p.reminder_hours = $4", (timezone, weekday, at, hours))
            found += [(_project(r), week) for r in rows]
        return sorted(found, key=lambda item: item[0].id)

    async def claim_reminder(self, project_id: int, week_start: date, user_id: int) -> bool:
        return bool(await self._write(
            "INSERT INTO reminders (project_id, week_start, user_id, sent_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            (project_id, week_start, user_id, _now())))


async def _week_values(conn: Any, project_id: int,
                       weeks: Sequence[date]) -> dict[date, dict[str, float]]:
    found: dict[date, dict[str, float]] = {week: {} for week in weeks}
    if weeks:
        rows = await conn.fetch(
            "SELECT week_start, metric, value, approximate, network, campaign "
            "FROM weekly_values WHERE project_id = $1 "
            "AND week_start = ANY($2::date[])", project_id, list(weeks))
        for (week, metric), total in project_totals(_part(r) for r in rows).items():
            found[week][metric] = total.value
    return found
