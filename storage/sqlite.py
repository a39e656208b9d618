"""The storage contract on SQLite: one aiosqlite connection, explicit transactions.

The connection runs in autocommit mode; every write goes through `transaction()` (BEGIN
IMMEDIATE … COMMIT, ROLLBACK on error) and every read through `reading()`. Both hold one
asyncio.Lock, so coroutines sharing the connection never interleave inside a transaction (a
read never sees another coroutine's uncommitted writes either). The aiogram FSM storage
(`storage.fsm`) uses the same connection and lock.

Hot paths (a message's context, saving a batch, single statements, the FSM) do not await
statement by statement: `query_one`, `query_all` and `in_transaction` run a whole operation as
one plain-sqlite3 function on the connection's own thread — one hop between threads instead
of three per statement, which is most of what an update costs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from kpi import weeks
from kpi.breakdown import Part, project_totals
from storage.base import DIGEST_LEASE, Storage
from storage.cache import GenerationCache
from storage.group_commit import GroupCommit, Outcome, Write, apply_together
from storage.migrator import migrate
from storage.models import (
    AlertThreshold,
    Batch,
    BatchSource,
    Campaign,
    FormulaKpi,
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
from storage.sqlite_checkpoint import BACKSTOP_PAGES, Checkpointer
from storage.sqlite_experiments import SqliteExperimentsMixin, formula_kpis_of
from storage.sqlite_posts import SqlitePostsMixin
from storage.url import is_memory

log = logging.getLogger(__name__)
T = TypeVar("T")

ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.OWNER: 2}
# How long after its moment a digest missed across a week boundary is still worth sending.
LATE_DIGEST_GRACE = timedelta(hours=24)
# Stored in batches.user_id when the author used /forget.
FORGOTTEN_USER_ID = 0


class StorageError(RuntimeError):
    """The database cannot be used."""


class IntegrityCheckError(StorageError):
    """PRAGMA quick_check found the database file damaged."""


# --- conversions -------------------------------------------------------------------------------

def to_db_datetime(value: datetime) -> str:
    """Aware datetime → ISO string in UTC (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def from_db_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _time_to_db(value: time) -> str:
    return value.strftime("%H:%M")


def _time_from_db(value: str) -> time:
    return time.fromisoformat(value)


@functools.lru_cache(maxsize=1024)
def parse_timezone(name: str) -> tzinfo:
    """The project's zone; an unknown name falls back to UTC with a warning, so one bad row
    cannot stop the scheduler."""
    zone = weeks.parse_timezone(name or "")
    if zone is None:
        log.warning("unknown timezone %r, using UTC", name)
        return UTC
    return zone


def digest_moment(project: Project, now: datetime) -> tuple[date, datetime]:
    """(week_start, moment): the Monday of `now`'s ISO week in the project's timezone and that
    week's digest time in UTC."""
    return schedule_moment(project.timezone, project.schedule_weekday, project.schedule_time,
                           now)


def schedule_moment(timezone: str, weekday: int, at: time,
                    now: datetime) -> tuple[date, datetime]:
    """`digest_moment` for a schedule: (Monday of `now`'s week there, that week's moment)."""
    parse_timezone(timezone)  # warn once about an unknown zone
    monday = weeks.current_week(timezone, now)
    return monday, weeks.scheduled_moment(timezone, monday, weekday, at)


def due_week(timezone: str, weekday: int, at: time, now: datetime) -> date | None:
    """The week whose digest is due at `now` on this schedule, None when none is."""
    return _due_week(timezone, weekday, at, now, _weeks_around(timezone, now))


def _weeks_around(timezone: str, now: datetime) -> tuple[date, date]:
    """(Monday of `now`'s week, Monday of the week a week earlier) in the zone."""
    parse_timezone(timezone)  # warn once about an unknown zone
    return (weeks.current_week(timezone, now),
            weeks.current_week(timezone, now - timedelta(weeks=1)))


def _due_week(timezone: str, weekday: int, at: time, now: datetime,
              weeks_around: tuple[date, date]) -> date | None:
    this_week, last_week = weeks_around
    if weeks.scheduled_moment(timezone, this_week, weekday, at) <= now:
        return this_week
    # This week's is still ahead; last week's may have been missed across the week boundary
    # (bot down from Sunday night to Monday): it stays due for a while.
    moment = weeks.scheduled_moment(timezone, last_week, weekday, at)
    return last_week if now - moment <= LATE_DIGEST_GRACE else None


def reminder_week(timezone: str, weekday: int, at: time, hours: int,
                  now: datetime) -> date | None:
    """The digest week whose reminder window (`hours` before the digest) holds `now`."""
    # The window may start in the week before the digest's (Sunday for a Monday digest).
    for probe in (now, now + timedelta(weeks=1)):
        week, moment = schedule_moment(timezone, weekday, at, probe)
        if moment - timedelta(hours=hours) <= now < moment:
            return week
    return None


_PROJECT_COLUMNS = (
    "p.id, p.name, p.goal, p.timezone, p.created_at, p.channel_chat_id, p.channel_title, "
    "p.schedule_weekday, p.schedule_time, p.schedule_enabled, p.delivery_paused, "
    "p.reminder_hours, p.language"
)
_PROJECT_WIDTH = 13


def _project(row: Sequence[Any]) -> Project:
    return Project(
        id=row[0], name=row[1], goal=row[2], timezone=row[3],
        created_at=from_db_datetime(row[4]), channel_chat_id=row[5], channel_title=row[6],
        schedule_weekday=row[7], schedule_time=_time_from_db(row[8]),
        schedule_enabled=bool(row[9]), delivery_paused=bool(row[10]), reminder_hours=row[11],
        language=row[12],
    )


def _new_value(row: Sequence[Any]) -> NewValue:
    return NewValue(date.fromisoformat(row[0]), row[1], row[2], bool(row[3]),
                    network=row[4], campaign=row[5])


_ENTRY_COLUMNS = "week_start, metric, value, approximate, network, campaign"
_SEGMENT = "AND network = ? AND campaign = ?"


# --- functions that run on the connection's thread ---------------------------------------------

_USER_COLUMNS = "id, language, active_project_id, display_name"

def latest_values(values: Iterable[NewValue]) -> dict[tuple, NewValue]:
    """A batch's values, checked; the same week, metric and segment twice: the last wins."""
    latest: dict[tuple, NewValue] = {}
    for value in values:
        if not math.isfinite(value.value):
            raise ValueError(f"{value.metric}: value must be a finite number")
        if value.network and value.campaign:
            raise ValueError(f"{value.metric}: a value has a network or a campaign, not both")
        latest.pop(value.key, None)
        latest[value.key] = value
    return latest


def _fetch_one(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Any:
    return conn.execute(sql, params).fetchone()


def _fetch_all(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _rowcount(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    return conn.execute(sql, params).rowcount


def _execute_many(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    conn.executemany(sql, rows)


def _transact(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _read_context(conn: sqlite3.Connection, user_id: int,
                  display_name: str | None) -> tuple[User, Membership | None] | None:
    """The user and their active membership; None when the user is new or renamed (then
    `_write_context` runs instead)."""
    row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None or (display_name is not None and display_name != row[3]):
        return None
    user = User(*row)
    return user, _active_membership(conn, user)


def _write_context(conn: sqlite3.Connection, user_id: int, display_name: str | None,
                   now: str) -> tuple[User, Membership | None]:
    """Inside a write transaction: create or rename the user, then read as `_read_context`."""
    conn.execute("INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, now))
    if display_name is not None:
        conn.execute("UPDATE users SET display_name = ? WHERE id = ?", (display_name, user_id))
    user = User(*conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?",
                              (user_id,)).fetchone())
    return user, _active_membership(conn, user)


def _active_membership(conn: sqlite3.Connection, user: User) -> Membership | None:
    if user.active_project_id is None:
        return None
    row = conn.execute(
        f"SELECT {_PROJECT_COLUMNS}, m.role FROM members m JOIN projects p ON p.id = m.project_id "
        "WHERE m.user_id = ? AND m.project_id = ?", (user.id, user.active_project_id)).fetchone()
    return Membership(_project(row), Role(row[_PROJECT_WIDTH])) if row else None


def _kpis_of(conn: sqlite3.Connection, project_id: int) -> list[ProjectKpi]:
    rows = conn.execute(
        "SELECT metric, target, custom, direction, position FROM project_kpis "
        "WHERE project_id = ? ORDER BY position, metric", (project_id,)).fetchall()
    return [ProjectKpi(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]


def _networks_of(conn: sqlite3.Connection, project_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM project_networks WHERE project_id = ? ORDER BY created_at, name",
        (project_id,)).fetchall()
    return [r[0] for r in rows]


# What an update about a project reads next, fetched with its context in the same hop.
ProjectReads = tuple[list[ProjectKpi], list[str], list[FormulaKpi]]
Context = tuple[User, Membership | None]
ContextReads = tuple[Context, ProjectReads | None]


def _with_project_reads(context: Context, conn: sqlite3.Connection) -> ContextReads:
    membership = context[1]
    if membership is None:
        return context, None
    project_id = membership.project.id
    return context, (_kpis_of(conn, project_id), _networks_of(conn, project_id),
                     formula_kpis_of(conn, project_id))


def _read_context_and_project(conn: sqlite3.Connection, user_id: int,
                              display_name: str | None) -> ContextReads | None:
    context = _read_context(conn, user_id, display_name)
    return None if context is None else _with_project_reads(context, conn)


def _write_context_and_project(conn: sqlite3.Connection, user_id: int,
                               display_name: str | None, now: str) -> ContextReads:
    return _with_project_reads(_write_context(conn, user_id, display_name, now), conn)


_ON_SCHEDULE = ("p.schedule_enabled = 1 AND p.delivery_paused = 0 AND p.timezone = ? "
                "AND p.schedule_weekday = ? AND p.schedule_time = ?")


def _due_rows(conn: sqlite3.Connection, schedules: list[tuple[str, int, str, str]],
              now: str) -> list[Any]:
    """Projects on the given schedules with no digest sent or held by a live lease."""
    rows: list[Any] = []
    for timezone, weekday, at, week in schedules:
        # last_digest_week (kept by triggers on digests) narrows the schedule's index range
        # to the projects not sent this week; only those are checked for a live claim.
        rows += conn.execute(
            f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE {_ON_SCHEDULE} "
            "AND p.last_digest_week < ? "
            "AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.project_id = p.id "
            "AND d.week_start = ? AND (d.status = 'sent' OR d.lease_until > ?))",
            (timezone, weekday, at, week, week, now)).fetchall()
    return rows


def _save_batch(conn: sqlite3.Connection, project_id: int, user_id: int, source: str,
                values: list[NewValue], update_id: int | None, now: str,
                read_weeks: tuple[date, ...]) -> SavedBatch:
    cursor = conn.execute(
        "INSERT INTO batches (project_id, user_id, source, created_at, update_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, update_id) DO NOTHING",
        (project_id, user_id, source, now, update_id))
    if cursor.rowcount == 0:  # this update's batch is saved already
        row = conn.execute("SELECT id FROM batches WHERE project_id = ? AND update_id = ?",
                           (project_id, update_id)).fetchone()
        return SavedBatch(batch_id=row[0], duplicate=True,
                          weeks=_week_values(conn, project_id, read_weeks))
    batch_id = cursor.lastrowid
    assert batch_id is not None
    # One read of the weeks written and the weeks asked for: the values replaced, and (with
    # the new ones applied) the totals read back.
    weeks = tuple(sorted({v.week_start for v in values} | set(read_weeks)))
    stored = {(r[0], r[1], r[4], r[5]): r for r in _week_rows(conn, project_id, weeks)}
    replaced: dict[tuple, float | None] = {}
    entries, current = [], []
    for value in values:
        week_text = value.week_start.isoformat()
        key = (week_text, value.metric, value.network, value.campaign)
        number, approximate = float(value.value), int(value.approximate)
        old = stored.get(key)
        previous = old[2] if old else None
        entries.append((batch_id, project_id, week_text, value.metric, number, previous,
                        approximate, value.network, value.campaign))
        current.append((project_id, *key, number, approximate, batch_id))
        stored[key] = (week_text, value.metric, number, approximate, value.network,
                       value.campaign)
        replaced[value.key] = previous
    conn.executemany(
        "INSERT INTO entries (batch_id, project_id, week_start, metric, value, "
        "previous_value, approximate, network, campaign) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entries)
    conn.executemany(
        "INSERT INTO weekly_values (project_id, week_start, metric, network, campaign, "
        "value, approximate, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (project_id, week_start, metric, network, campaign) "
        "DO UPDATE SET value = excluded.value, approximate = excluded.approximate, "
        "batch_id = excluded.batch_id", current)
    added = 0
    for network in dict.fromkeys(v.network for v in values if v.network):
        added += conn.execute(
            "INSERT OR IGNORE INTO project_networks (project_id, name, created_at) "
            "VALUES (?, ?, ?)", (project_id, network, now)).rowcount
    for campaign in dict.fromkeys(v.campaign for v in values if v.campaign):
        added += conn.execute(
            "INSERT OR IGNORE INTO project_campaigns (project_id, name, created_at) "
            "VALUES (?, ?, ?)", (project_id, campaign, now)).rowcount
    wanted = {week.isoformat() for week in read_weeks}
    return SavedBatch(batch_id=batch_id, replaced=replaced,
                      weeks=_totals_by_week((r for r in stored.values() if r[0] in wanted),
                                            read_weeks),
                      new_segments=added > 0)


def _save_collected(conn: sqlite3.Connection, project_id: int, values: dict[tuple, NewValue],
                    now: str) -> bool:
    (value,) = values.values()
    row = conn.execute(
        "SELECT b.source FROM weekly_values v JOIN batches b ON b.id = v.batch_id "
        f"WHERE v.project_id = ? AND v.week_start = ? AND v.metric = ? {_SEGMENT}",
        (project_id, value.week_start.isoformat(), value.metric, value.network,
         value.campaign)).fetchone()
    if row is not None and row[0] != BatchSource.COLLECTED.value:
        return False  # a person's number for that week stays
    _save_batch(conn, project_id, FORGOTTEN_USER_ID, BatchSource.COLLECTED.value, [value],
                None, now, ())
    return True


def _week_values(conn: sqlite3.Connection, project_id: int,
                 weeks: tuple[date, ...]) -> dict[date, dict[str, float]]:
    return _totals_by_week(_week_rows(conn, project_id, weeks), weeks)


def _week_rows(conn: sqlite3.Connection, project_id: int, weeks: Sequence[date]) -> list[Any]:
    """(week_start, metric, value, approximate, network, campaign) of the weeks' values."""
    if not weeks:
        return []
    return conn.execute(
        "SELECT week_start, metric, value, approximate, network, campaign "
        "FROM weekly_values WHERE project_id = ? "
        f"AND week_start IN ({', '.join('?' * len(weeks))})",
        (project_id, *(w.isoformat() for w in weeks))).fetchall()


def _totals_by_week(rows: Iterable[Sequence[Any]],
                    weeks: Sequence[date]) -> dict[date, dict[str, float]]:
    found: dict[date, dict[str, float]] = {week: {} for week in weeks}
    for (week, metric), total in project_totals(_part(r) for r in rows).items():
        found[week][metric] = total.value
    return found


# Whether the bot recorded a value itself (a collected channel's followers), for /export; the
# same SQL on both backends.
COLLECTED_COLUMN = ("(SELECT source FROM batches WHERE batches.id = weekly_values.batch_id) "
                    f"= '{BatchSource.COLLECTED.value}'")


def _part(row: Sequence[Any]) -> Part:
    """(week_start, metric, value, approximate, network, campaign) as a kpi.breakdown part."""
    return Part(date.fromisoformat(row[0]), row[1], row[2], row[4], row[5], bool(row[3]))


def totals_as_values(project_id: int, parts: Iterable[Part]) -> list[WeeklyValue]:
    """Project totals as values, ordered by week then metric (both backends)."""
    totals = project_totals(parts)
    return [WeeklyValue(project_id, week, metric, total.value, approximate=total.approximate)
            for (week, metric), total in sorted(totals.items())]


class SqliteStorage(SqliteExperimentsMixin, SqlitePostsMixin, Storage):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Bumped after every write except saving/undoing numbers and dialog state, so the
        # per-update reads below (who is this, which project, which KPIs) are served from
        # memory until something they depend on changes; with other writers (`expect_other_writers`,
        # several instances on one file) also when another connection committed.
        self.generation = 0
        self._contexts: GenerationCache[int, tuple[User, Membership | None]] = GenerationCache()
        self._kpis: GenerationCache[int, list[ProjectKpi]] = GenerationCache()
        self._networks: GenerationCache[int, list[str]] = GenerationCache()
        self._formulas: GenerationCache[int, list[FormulaKpi]] = GenerationCache()
        self._group_commit = GroupCommit(self._apply_writes)
        self._data_version: int | None = None
        self.checkpointer: Checkpointer | None = None  # a file's WAL checkpoints, off the writes

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._db is not None

    async def connect(self) -> None:
        if self._db is not None:
            return
        target = ":memory:" if is_memory(self.path) else str(self.path)
        db = await aiosqlite.connect(target, isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            try:
                async with db.execute("PRAGMA quick_check") as cursor:
                    rows = await cursor.fetchall()
            except sqlite3.DatabaseError as exc:
                raise IntegrityCheckError(
                    f"{self.path}: not a usable SQLite database ({exc})") from exc
            if [tuple(r) for r in rows] != [("ok",)]:
                problems = "; ".join(str(r[0]) for r in rows[:5])
                raise IntegrityCheckError(f"{self.path}: database is damaged: {problems}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await migrate(db)
            if target != ":memory:":  # storage.sqlite_checkpoint: not inside a commit
                await db.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
                checkpointer = Checkpointer(self.path)
                await checkpointer.start()
                self.checkpointer = checkpointer
        except BaseException:
            await db.close()
            raise
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._group_commit.drain()
        checkpointer, self.checkpointer = self.checkpointer, None
        if checkpointer is not None:  # first: the last connection to close cleans the log up
            await checkpointer.stop()
        db, self._db = self._db, None
        if db is not None:
            async with self._lock:
                await db.close()

    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("storage is not connected: await connect() first")
        return self._db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), serialized with every other use
        of the connection; rolled back when the block raises."""
        db = self._conn()
        async with self._lock:
            try:
                await db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                    raise
                try:
                    await db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                    raise
            finally:
                self.generation += 1

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads, while no transaction of another coroutine is open."""
        db = self._conn()
        async with self._lock:
            yield db

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sqlite3_connection, *args)` on the connection's thread, in one round trip.
        The caller holds the lock. (aiosqlite's own queue: its `_execute` is what every
        aiosqlite call goes through; `aiosqlite` is pinned in pyproject.)"""
        db = self._conn()
        return await db._execute(fn, db._conn, *args)

    async def query_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of one read statement, in one round trip."""
        async with self._lock:
            return await self._run(_fetch_one, sql, params)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sqlite3_connection, *args)`, a read, on the connection's thread in one hop."""
        async with self._lock:
            return await self._run(fn, *args)

    async def query_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._lock:
            return await self._run(_fetch_all, sql, params)

    async def in_transaction(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sqlite3_connection, *args)` inside a transaction on the connection's thread
        (rolled back if it raises): a whole write in one round trip, committed before this
        returns. Writes queued meanwhile by other coroutines share the transaction and the
        round trip (`storage.group_commit`). `fn` must not touch the event loop."""
        return await self._group_commit.submit(fn, *args)

    async def _apply_writes(self, writes: list[Write]) -> list[Outcome]:
        async with self._lock:
            return await self._run(apply_together, writes)

    @staticmethod
    async def _one(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        async with db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    @staticmethod
    async def _all(db: aiosqlite.Connection, sql: str,
                   params: Sequence[Any] = ()) -> list[Any]:
        async with db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return await self.in_transaction(_rowcount, sql, params)
        finally:
            self.generation += 1

    @staticmethod
    def _now() -> str:
        return to_db_datetime(datetime.now(UTC))

    async def _touch_user(self, db: aiosqlite.Connection, user_id: int) -> None:
        await db.execute("INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)",
                         (user_id, self._now()))

    async def _fetch_project(self, db: aiosqlite.Connection, project_id: int) -> Project | None:
        row = await self._one(
            db, f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE p.id = ?", (project_id,))
        return _project(row) if row else None

    # --- users ---------------------------------------------------------------------------------
    async def get_user(self, user_id: int) -> User | None:
        row = await self.query_one(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?",
                                   (user_id,))
        return User(*row) if row else None

    async def ensure_user(self, user_id: int, display_name: str | None = None) -> User:
        user, _ = await self.load_context(user_id, display_name)
        return user

    async def sync_generation(self) -> None:
        """With other writers: a commit by another connection (PRAGMA data_version changed)
        makes every cached read stale, as this process's own writes do."""
        if not self.other_writers:
            return
        version = (await self.query_one("PRAGMA data_version"))[0]
        if version != self._data_version:
            self._data_version = version
            self.generation += 1

    async def load_context(self, user_id: int,
                           display_name: str | None = None) -> tuple[User, Membership | None]:
        await self.sync_generation()
        generation = self.generation
        hit, context = self._contexts.get(user_id, generation)
        if hit and context and (display_name is None or display_name == context[0].display_name):
            return context
        found = await self.read(_read_context_and_project, user_id, display_name)
        if found is None:  # a new user or name: a write, with the others of the moment
            found = await self.in_transaction(_write_context_and_project, user_id,
                                              display_name, self._now())
        context, project_reads = found
        # What it read is this user's state now. A user's own row changes no other cached
        # read, so the write bumps nothing: one new user used to make every cached context
        # and KPI list stale.
        self._contexts.put(user_id, context, generation)
        if project_reads is not None and context[1] is not None:
            project_id = context[1].project.id
            kpis, networks, formulas = project_reads
            self._kpis.put(project_id, kpis, generation)
            self._networks.put(project_id, networks, generation)
            self._formulas.put(project_id, formulas, generation)
        return context

    async def set_user_language(self, user_id: int, language: str | None) -> None:
        await self._write(
            "INSERT INTO users (id, language, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET language = excluded.language",
            (user_id, language, self._now()))

    async def set_active_project(self, user_id: int, project_id: int | None) -> None:
        await self._write(
            "INSERT INTO users (id, active_project_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET active_project_id = excluded.active_project_id",
            (user_id, project_id, self._now()))

    async def delete_user(self, user_id: int) -> list[int]:
        async with self.transaction() as db:
            rows = await self._all(
                db,
                "SELECT m.project_id FROM members m WHERE m.user_id = ? AND m.role = 'owner' "
                "AND NOT EXISTS (SELECT 1 FROM members o WHERE o.project_id = m.project_id "
                "AND o.role = 'owner' AND o.user_id != m.user_id) ORDER BY m.project_id",
                (user_id,))
            deleted = [row[0] for row in rows]
            await db.executemany("DELETE FROM projects WHERE id = ?", [(p,) for p in deleted])
            await db.execute("DELETE FROM members WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM invites WHERE created_by = ?", (user_id,))
            await db.execute("DELETE FROM fsm WHERE user_id = ?", (user_id,))
            # History in projects others keep stays, but no longer says who typed it.
            await db.execute("UPDATE batches SET user_id = ? WHERE user_id = ?",
                             (FORGOTTEN_USER_ID, user_id))
            for table in ("notes", "experiments"):
                await db.execute(f"UPDATE {table} SET created_by = ? WHERE created_by = ?",
                                 (FORGOTTEN_USER_ID, user_id))
            await db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return deleted

    # --- projects and members ------------------------------------------------------------------
    async def create_project(
        self, owner_id: int, name: str, goal: str, timezone: str, language: str,
        kpis: Sequence[ProjectKpi], *, update_id: int | None = None,
    ) -> Project:
        now = self._now()
        async with self.transaction() as db:
            if update_id is not None:
                made = await self._one(
                    db, "SELECT p.id FROM projects p JOIN members m ON m.project_id = p.id "
                    "WHERE p.creation_update_id = ? AND m.user_id = ?", (update_id, owner_id))
                if made:
                    project = await self._fetch_project(db, made[0])
                    assert project is not None
                    return project
            await self._touch_user(db, owner_id)
            async with db.execute(
                "INSERT INTO projects (name, goal, timezone, language, created_at, "
                "creation_update_id) VALUES (?, ?, ?, ?, ?, ?)",
                (name, goal, timezone, language, now, update_id),
            ) as cursor:
                project_id = cursor.lastrowid
            await db.execute(
                "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                (project_id, owner_id, Role.OWNER.value, now))
            await self._insert_kpis(db, project_id, kpis)
            await db.execute("UPDATE users SET active_project_id = ? WHERE id = ?",
                             (project_id, owner_id))
            project = await self._fetch_project(db, project_id)
        assert project is not None
        return project

    async def get_project(self, project_id: int) -> Project | None:
        async with self.reading() as db:
            return await self._fetch_project(db, project_id)

    async def delete_project(self, project_id: int) -> None:
        await self._write("DELETE FROM projects WHERE id = ?", (project_id,))

    async def rename_project(self, project_id: int, name: str) -> None:
        await self._write("UPDATE projects SET name = ? WHERE id = ?", (name, project_id))

    async def set_project_timezone(self, project_id: int, timezone: str) -> None:
        await self._write("UPDATE projects SET timezone = ? WHERE id = ?", (timezone, project_id))

    async def set_project_language(self, project_id: int, language: str) -> None:
        await self._write("UPDATE projects SET language = ? WHERE id = ?", (language, project_id))

    async def set_schedule(
        self, project_id: int, *, weekday: int, at: time, enabled: bool,
        reminder_hours: int | None,
    ) -> None:
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {weekday}")
        await self._write(
            "UPDATE projects SET schedule_weekday = ?, schedule_time = ?, schedule_enabled = ?, "
            "reminder_hours = ? WHERE id = ?",
            (weekday, _time_to_db(at), int(enabled), reminder_hours, project_id))

    async def set_channel(self, project_id: int, chat_id: int | None, title: str | None) -> None:
        await self._write(
            "UPDATE projects SET channel_chat_id = ?, channel_title = ?, delivery_paused = 0 "
            "WHERE id = ?", (chat_id, title if chat_id is not None else None, project_id))

    async def set_delivery_paused(self, project_id: int, paused: bool) -> None:
        await self._write("UPDATE projects SET delivery_paused = ? WHERE id = ?",
                          (int(paused), project_id))

    async def list_memberships(self, user_id: int) -> list[Membership]:
        rows = await self.query_all(
            f"SELECT {_PROJECT_COLUMNS}, m.role FROM members m "
            "JOIN projects p ON p.id = m.project_id WHERE m.user_id = ? "
            "ORDER BY m.joined_at, p.id", (user_id,))
        return [Membership(_project(r), Role(r[_PROJECT_WIDTH])) for r in rows]

    async def get_membership(self, user_id: int, project_id: int) -> Role | None:
        row = await self.query_one(
            "SELECT role FROM members WHERE project_id = ? AND user_id = ?",
            (project_id, user_id))
        return Role(row[0]) if row else None

    async def list_members(self, project_id: int) -> list[tuple[int, Role]]:
        rows = await self.query_all(
            "SELECT user_id, role FROM members WHERE project_id = ? ORDER BY "
            "CASE role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, joined_at, user_id",
            (project_id,))
        return [(r[0], Role(r[1])) for r in rows]

    async def set_member_role(self, project_id: int, user_id: int, role: Role | None) -> None:
        async with self.transaction() as db:
            if role is None:
                await db.execute("DELETE FROM members WHERE project_id = ? AND user_id = ?",
                                 (project_id, user_id))
                await db.execute(
                    "UPDATE users SET active_project_id = NULL "
                    "WHERE id = ? AND active_project_id = ?", (user_id, project_id))
                return
            await self._touch_user(db, user_id)
            await db.execute(
                "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                (project_id, user_id, Role(role).value, self._now()))

    async def projects_with_channel(self, chat_id: int) -> list[Project]:
        rows = await self.query_all(
            f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE p.channel_chat_id = ? "
            "ORDER BY p.id", (chat_id,))
        return [_project(r) for r in rows]

    # --- KPIs ----------------------------------------------------------------------------------
    async def cached(self, cache: GenerationCache[int, list[T]], project_id: int,
                     load: Callable[[int], Awaitable[list[T]]]) -> list[T]:
        """A per-project read served from `cache` until a write (or, with other writers, a
        commit elsewhere) bumps the generation; a copy, so callers may change it."""
        await self.sync_generation()
        generation = self.generation
        hit, items = cache.get(project_id, generation)
        if not hit or items is None:
            items = await load(project_id)
            cache.put(project_id, items, generation)
        return list(items)

    async def get_kpis(self, project_id: int) -> list[ProjectKpi]:
        return await self.cached(self._kpis, project_id, self._load_kpis)

    async def _load_kpis(self, project_id: int) -> list[ProjectKpi]:
        return await self.read(_kpis_of, project_id)

    @staticmethod
    async def _insert_kpis(db: aiosqlite.Connection, project_id: int,
                           kpis: Sequence[ProjectKpi]) -> None:
        # The list order is the user's order; explicit positions, when given, win.
        ordered = sorted(enumerate(kpis), key=lambda item: (item[1].position, item[0]))
        seen: set[str] = set()
        rows = []
        for kpi in (k for _, k in ordered):
            if kpi.metric in seen:
                continue
            seen.add(kpi.metric)
            rows.append((project_id, kpi.metric, kpi.target, int(kpi.custom), kpi.direction,
                         len(rows)))
        await db.executemany(
            "INSERT INTO project_kpis (project_id, metric, target, custom, direction, position) "
            "VALUES (?, ?, ?, ?, ?, ?)", rows)

    async def set_kpis(self, project_id: int, kpis: Sequence[ProjectKpi]) -> None:
        async with self.transaction() as db:
            await db.execute("DELETE FROM project_kpis WHERE project_id = ?", (project_id,))
            await self._insert_kpis(db, project_id, kpis)

    async def set_target(self, project_id: int, metric: str, target: float | None) -> None:
        """Set a KPI's target; a metric not yet among the KPIs is appended to them."""
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE project_kpis SET target = ? WHERE project_id = ? AND metric = ?",
                (target, project_id, metric),
            ) as cursor:
                updated = cursor.rowcount
            if not updated:
                await db.execute(
                    "INSERT INTO project_kpis (project_id, metric, target, position) "
                    "SELECT ?, ?, ?, COALESCE(MAX(position) + 1, 0) FROM project_kpis "
                    "WHERE project_id = ?", (project_id, metric, target, project_id))

    async def get_thresholds(self, project_id: int) -> list[AlertThreshold]:
        rows = await self.query_all(
            "SELECT metric, warning_pct, critical_pct FROM alert_thresholds "
            "WHERE project_id = ? ORDER BY metric", (project_id,))
        return [AlertThreshold(*r) for r in rows]

    async def set_threshold(self, project_id: int, threshold: AlertThreshold | None,
                            metric: str) -> None:
        if threshold is None:
            await self._write(
                "DELETE FROM alert_thresholds WHERE project_id = ? AND metric = ?",
                (project_id, metric))
            return
        await self._write(
            "INSERT INTO alert_thresholds (project_id, metric, warning_pct, critical_pct) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, metric) DO UPDATE SET "
            "warning_pct = excluded.warning_pct, critical_pct = excluded.critical_pct",
            (project_id, metric, threshold.warning_pct, threshold.critical_pct))

    async def get_alert_acks(self, project_id: int) -> dict[str, date]:
        rows = await self.query_all(
            "SELECT metric, since_week FROM alert_acks WHERE project_id = ?", (project_id,))
        return {metric: date.fromisoformat(week) for metric, week in rows}

    async def set_alert_ack(self, project_id: int, metric: str, since_week: date | None,
                            user_id: int) -> None:
        if since_week is None:
            await self._write("DELETE FROM alert_acks WHERE project_id = ? AND metric = ?",
                              (project_id, metric))
            return
        await self._write(
            "INSERT INTO alert_acks (project_id, metric, since_week, user_id, acked_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, metric) DO UPDATE SET "
            "since_week = excluded.since_week, user_id = excluded.user_id, "
            "acked_at = excluded.acked_at",
            (project_id, metric, since_week.isoformat(), user_id,
             datetime.now(UTC).isoformat()))

    # --- weekly values -------------------------------------------------------------------------
    async def save_batch(
        self, project_id: int, user_id: int, source: BatchSource, values: Iterable[NewValue],
        *, update_id: int | None = None, read_weeks: Sequence[date] = (),
    ) -> SavedBatch:
        latest = latest_values(values)
        saved = await self.in_transaction(
            _save_batch, project_id, user_id, BatchSource(source).value, list(latest.values()),
            update_id, self._now(), tuple(read_weeks))
        if saved.new_segments:
            self.generation += 1
        return saved

    async def undo_last_batch(self, project_id: int, user_id: int | None = None, *,
                              update_id: int | None = None) -> Batch | None:
        sql = "SELECT id FROM batches WHERE project_id = ? AND undone_at IS NULL"
        params: list[Any] = [project_id]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        async with self.transaction() as db:
            if update_id is not None:
                done = await self._one(
                    db, "SELECT id FROM batches WHERE project_id = ? AND undo_update_id = ?",
                    (project_id, update_id))
                if done:
                    return await self._batch(db, done[0])
            row = await self._one(db, sql + " ORDER BY id DESC LIMIT 1", params)
            if not row:
                return None
            batch = await self._undo(db, row[0])
            if update_id is not None:
                await db.execute("UPDATE batches SET undo_update_id = ? WHERE id = ?",
                                 (update_id, row[0]))
            return batch

    async def undo_batch(self, project_id: int, batch_id: int) -> Batch | None:
        async with self.transaction() as db:
            row = await self._one(
                db, "SELECT id FROM batches WHERE id = ? AND project_id = ? "
                "AND undone_at IS NULL", (batch_id, project_id))
            return await self._undo(db, batch_id) if row else None

    async def _undo(self, db: aiosqlite.Connection, batch_id: int) -> Batch:
        """Inside a transaction: revert every value the batch set that is still its value to
        the newest earlier value not itself undone (or remove it), and mark the batch undone.
        Values a later batch replaced are left alone."""
        batch = await self._one(
            db, "SELECT project_id, user_id, source, created_at FROM batches WHERE id = ?",
            (batch_id,))
        project_id = batch[0]
        entries = await self._all(
            db, f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE batch_id = ? ORDER BY id",
            (batch_id,))
        where = f"project_id = ? AND week_start = ? AND metric = ? {_SEGMENT}"
        for week_text, metric, _value, _approximate, network, campaign in entries:
            key = (project_id, week_text, metric, network, campaign)
            current = await self._one(
                db, f"SELECT batch_id FROM weekly_values WHERE {where}", key)
            if current is None or current[0] != batch_id:
                continue
            before = await self._one(
                db, "SELECT e.value, e.approximate, e.batch_id FROM entries e "
                "JOIN batches b ON b.id = e.batch_id "
                "WHERE e.project_id = ? AND e.week_start = ? AND e.metric = ? "
                "AND e.network = ? AND e.campaign = ? "
                "AND e.batch_id < ? AND b.undone_at IS NULL "
                "ORDER BY e.batch_id DESC LIMIT 1", (*key, batch_id))
            if before is None:
                await db.execute(f"DELETE FROM weekly_values WHERE {where}", key)
            else:
                await db.execute(
                    f"UPDATE weekly_values SET value = ?, approximate = ?, batch_id = ? "
                    f"WHERE {where}", (*before, *key))
        await db.execute("UPDATE batches SET undone_at = ? WHERE id = ?",
                         (self._now(), batch_id))
        return Batch(
            id=batch_id, project_id=project_id, user_id=batch[1], source=BatchSource(batch[2]),
            created_at=from_db_datetime(batch[3]),
            values=tuple(_new_value(e) for e in entries), undone=True)

    async def get_batch(self, batch_id: int) -> Batch | None:
        """One batch with the values it wrote (not part of the abstract contract)."""
        async with self.reading() as db:
            return await self._batch(db, batch_id)

    async def _batch(self, db: aiosqlite.Connection, batch_id: int) -> Batch | None:
        batch = await self._one(
            db, "SELECT project_id, user_id, source, created_at, undone_at FROM batches "
            "WHERE id = ?", (batch_id,))
        if batch is None:
            return None
        entries = await self._all(
            db, f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE batch_id = ? ORDER BY id",
            (batch_id,))
        return Batch(id=batch_id, project_id=batch[0], user_id=batch[1],
                     source=BatchSource(batch[2]), created_at=from_db_datetime(batch[3]),
                     values=tuple(_new_value(e) for e in entries), undone=batch[4] is not None)

    async def get_values(
        self, project_id: int, *, since: date | None = None, until: date | None = None,
        metrics: Sequence[str] | None = None, breakdown: bool = False,
    ) -> list[WeeklyValue]:
        columns = "week_start, metric, value, approximate, network, campaign"
        if breakdown:
            columns += ", " + COLLECTED_COLUMN
        sql = f"SELECT {columns} FROM weekly_values WHERE project_id = ?"
        params: list[Any] = [project_id]
        if since is not None:
            sql += " AND week_start >= ?"
            params.append(since.isoformat())
        if until is not None:
            sql += " AND week_start <= ?"
            params.append(until.isoformat())
        if metrics is not None:
            metrics = list(dict.fromkeys(metrics))
            if not metrics:
                return []
            sql += f" AND metric IN ({', '.join('?' * len(metrics))})"
            params.extend(metrics)
        rows = await self.query_all(
            sql + " ORDER BY week_start, metric, network, campaign", params)
        if not breakdown:
            return totals_as_values(project_id, (_part(r) for r in rows))
        return [WeeklyValue(project_id, date.fromisoformat(r[0]), r[1], r[2],
                            approximate=bool(r[3]), network=r[4], campaign=r[5],
                            collected=bool(r[6])) for r in rows]

    async def get_all_values(self) -> list[tuple[str, WeeklyValue]]:
        rows = await self.query_all(
            "SELECT p.name, v.project_id, v.week_start, v.metric, v.value, v.approximate, "
            "v.network, v.campaign FROM weekly_values v JOIN projects p ON p.id = v.project_id "
            "ORDER BY v.project_id, v.week_start, v.metric, v.network, v.campaign")
        return [(r[0], WeeklyValue(r[1], date.fromisoformat(r[2]), r[3], r[4],
                                   approximate=bool(r[5]), network=r[6], campaign=r[7]))
                for r in rows]

    async def save_collected(self, project_id: int, value: NewValue) -> bool:
        try:
            return await self.in_transaction(_save_collected, project_id,
                                             latest_values([value]), self._now())
        finally:
            if value.network or value.campaign:  # it may have added one
                self.generation += 1

    async def get_networks(self, project_id: int) -> list[str]:
        return await self.cached(self._networks, project_id, self._load_networks)

    async def _load_networks(self, project_id: int) -> list[str]:
        return await self.read(_networks_of, project_id)

    async def get_campaigns(self, project_id: int) -> list[Campaign]:
        rows = await self.query_all(
            "SELECT name, start_week, end_week FROM project_campaigns WHERE project_id = ? "
            "ORDER BY created_at, name", (project_id,))
        return [Campaign(r[0], date.fromisoformat(r[1]) if r[1] else None,
                         date.fromisoformat(r[2]) if r[2] else None) for r in rows]

    async def set_campaign(self, project_id: int, name: str, start_week: date | None,
                           end_week: date | None) -> None:
        if start_week and end_week and end_week < start_week:
            raise ValueError("a campaign cannot end before it starts")
        await self._write(
            "INSERT INTO project_campaigns (project_id, name, start_week, end_week, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO UPDATE SET "
            "start_week = excluded.start_week, end_week = excluded.end_week",
            (project_id, name, start_week.isoformat() if start_week else None,
             end_week.isoformat() if end_week else None, self._now()))

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
            "max_uses, uses) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (token, project_id, role.value, created_by, self._now(),
             to_db_datetime(expires_at), max_uses))
        return Invite(token=token, project_id=project_id, role=role, created_by=created_by,
                      expires_at=from_db_datetime(to_db_datetime(expires_at)),
                      max_uses=max_uses, uses=0)

    async def redeem_invite(self, token: str, user_id: int, now: datetime) -> Membership | None:
        """A member whose role is already at least the invite's keeps it, and the invite is
        not used up by them."""
        async with self.transaction() as db:
            row = await self._one(
                db, "SELECT project_id, role, expires_at, max_uses, uses FROM invites "
                "WHERE token = ?", (token,))
            if row is None:
                return None
            project_id, invite_role, expires_at, max_uses, uses = row
            if from_db_datetime(expires_at) <= from_db_datetime(to_db_datetime(now)):
                return None
            if uses >= max_uses:
                return None
            role = Role(invite_role)
            current = await self._one(
                db, "SELECT role FROM members WHERE project_id = ? AND user_id = ?",
                (project_id, user_id))
            if current is not None and ROLE_RANK[Role(current[0])] >= ROLE_RANK[role]:
                role = Role(current[0])
            else:
                await self._touch_user(db, user_id)
                await db.execute(
                    "INSERT INTO members (project_id, user_id, role, joined_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, user_id) DO UPDATE SET "
                    "role = excluded.role", (project_id, user_id, role.value, self._now()))
                await db.execute("UPDATE invites SET uses = uses + 1 WHERE token = ?", (token,))
            project = await self._fetch_project(db, project_id)
        assert project is not None
        return Membership(project, role)

    # --- digests and reminders -----------------------------------------------------------------
    async def due_projects(self, now: datetime) -> list[Project]:
        """Projects whose digest is due and neither sent nor being sent. Moments are worked
        out once per distinct schedule (zone, weekday, time) — a few hundred at most, read
        from an index — and only the projects of due schedules are fetched."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        schedules = await self.query_all(
            "SELECT DISTINCT timezone, schedule_weekday, schedule_time FROM projects "
            "WHERE schedule_enabled = 1 AND delivery_paused = 0")
        due = []
        zones: dict[str, tuple[date, date]] = {}
        for timezone, weekday, at in schedules:
            if timezone not in zones:
                zones[timezone] = _weeks_around(timezone, now)
            week = _due_week(timezone, weekday, _time_from_db(at), now, zones[timezone])
            if week is not None:
                due.append((timezone, weekday, at, week.isoformat()))
        if not due:
            return []
        async with self._lock:
            rows = await self._run(_due_rows, due, to_db_datetime(now))
        return sorted((_project(r) for r in rows), key=lambda p: p.id)

    async def claim_digest(self, project_id: int, week_start: date, *,
                           boot: str | None = None, lease: timedelta = DIGEST_LEASE) -> bool:
        now = datetime.now(UTC)
        # INSERT OR IGNORE semantics; a 'sending' claim whose lease ran out is taken over.
        changed = await self._write(
            "INSERT INTO digests (project_id, week_start, status, claimed_at, boot_id, "
            "lease_until) VALUES (?, ?, 'sending', ?, ?, ?) "
            "ON CONFLICT (project_id, week_start) DO UPDATE SET "
            "claimed_at = excluded.claimed_at, boot_id = excluded.boot_id, "
            "lease_until = excluded.lease_until, send_started_at = NULL "
            "WHERE digests.status = 'sending' "
            "AND (digests.lease_until IS NULL OR digests.lease_until <= excluded.claimed_at)",
            (project_id, week_start.isoformat(), to_db_datetime(now), boot,
             to_db_datetime(now + lease)))
        return changed == 1

    async def renew_digest_claims(self, boot: str, lease: timedelta = DIGEST_LEASE) -> int:
        return await self._write(
            "UPDATE digests SET lease_until = ? WHERE status = 'sending' AND boot_id = ?",
            (to_db_datetime(datetime.now(UTC) + lease), boot))

    async def finish_digest(self, project_id: int, week_start: date, *, sent: bool,
                            boot: str | None = None) -> None:
        if sent:
            await self._write(
                "UPDATE digests SET status = 'sent', sent_at = ? "
                "WHERE project_id = ? AND week_start = ?",
                (self._now(), project_id, week_start.isoformat()))
        else:
            await self._write(
                "DELETE FROM digests WHERE project_id = ? AND week_start = ? "
                "AND status = 'sending' AND (? IS NULL OR boot_id = ?)",
                (project_id, week_start.isoformat(), boot, boot))

    async def start_digest_send(self, project_id: int, week_start: date, *,
                                boot: str | None = None) -> bool:
        return await self._write(
            "UPDATE digests SET send_started_at = coalesce(send_started_at, ?) "
            "WHERE project_id = ? AND week_start = ? AND status = 'sending' "
            "AND (? IS NULL OR boot_id = ?)",
            (self._now(), project_id, week_start.isoformat(), boot, boot)) == 1

    async def release_digest_claims(self, boot: str) -> list[tuple[int, date, bool]]:
        expired = ("status = 'sending' AND (boot_id IS NULL OR boot_id <> ?) "
                   "AND (lease_until IS NULL OR lease_until <= ?)")
        params = (boot, self._now())
        async with self.transaction() as db:
            rows = await self._all(
                db, "SELECT project_id, week_start, send_started_at IS NOT NULL FROM digests "
                f"WHERE {expired} ORDER BY project_id, week_start", params)
            await db.execute(f"DELETE FROM digests WHERE {expired}", params)
        return [(row[0], date.fromisoformat(row[1]), bool(row[2])) for row in rows]

    async def mark_updates_handled(self, update_ids: Sequence[int]) -> None:
        if update_ids:
            now = self._now()
            await self.in_transaction(
                _execute_many, "INSERT OR IGNORE INTO handled_updates (update_id, handled_at) "
                "VALUES (?, ?)", [(update_id, now) for update_id in update_ids])

    async def handled_updates(self) -> set[int]:
        return {r[0] for r in await self.query_all("SELECT update_id FROM handled_updates")}

    async def update_was_handled(self, update_id: int) -> bool:
        return await self.query_one(
            "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)) is not None

    async def ping(self) -> None:
        await self.query_one("SELECT 1")

    async def forget_updates_below(self, update_id: int) -> None:
        await self.in_transaction(
            _rowcount, "DELETE FROM handled_updates WHERE update_id < ?", (update_id,))

    async def reminder_projects(self, now: datetime) -> list[tuple[Project, date]]:
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        schedules = await self.query_all(
            "SELECT DISTINCT timezone, schedule_weekday, schedule_time, reminder_hours "
            "FROM projects WHERE schedule_enabled = 1 AND delivery_paused = 0 "
            "AND reminder_hours IS NOT NULL")
        found = []
        for timezone, weekday, at, hours in schedules:
            week = reminder_week(timezone, weekday, _time_from_db(at), hours, now)
            if week is None:
                continue
            rows = await self.query_all(
                f"SELECT {_PROJECT_COLUMNS} FROM projects p WHERE {_ON_SCHEDULE} "
                "AND p.reminder_hours = ?", (timezone, weekday, at, hours))
            found += [(_project(r), week) for r in rows]
        return sorted(found, key=lambda item: item[0].id)

    async def claim_reminder(self, project_id: int, week_start: date, user_id: int) -> bool:
        changed = await self._write(
            "INSERT OR IGNORE INTO reminders (project_id, week_start, user_id, sent_at) "
            "VALUES (?, ?, ?, ?)", (project_id, week_start.isoformat(), user_id, self._now()))
        return changed == 1
