"""SqliteStorage against the Storage contract, plus url parsing and access rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from storage import open_storage
from storage.access import AccessDenied, DenyReason, require_role
from storage.models import (
    AlertThreshold,
    BatchSource,
    Membership,
    NewValue,
    ProjectKpi,
    Role,
    WeeklyValue,
)
from storage.sqlite import (
    FORGOTTEN_USER_ID,
    SqliteStorage,
    digest_moment,
    parse_timezone,
)
from storage.url import DatabaseUrlError, is_memory, sqlite_path_from_url
from tests.pg import integrity_errors, run_sql

W1 = date(2026, 11, 2)
W2 = date(2026, 11, 9)
W3 = date(2026, 11, 16)
OWNER = 100
EDITOR = 200
VIEWER = 300
STRANGER = 400
MSG = BatchSource.MESSAGE


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    """For the tests of SQLite's own mechanics (pragmas, its connection and lock)."""
    db = SqliteStorage(tmp_path / "test.db")
    await db.connect()
    try:
        yield db
    finally:
        await db.close()


async def new_project(storage: SqliteStorage, owner: int = OWNER, name: str = "Shop",
                      timezone: str = "Europe/Moscow"):
    return await storage.create_project(
        owner, name, "leads", timezone, "ru",
        [ProjectKpi("reach"), ProjectKpi("leads", target=20.0)])


async def values_of(storage: SqliteStorage, project_id: int) -> dict[tuple[date, str], float]:
    return {(v.week_start, v.metric): v.value for v in await storage.get_values(project_id)}


# --- url --------------------------------------------------------------------------------------

def test_url_relative_creates_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = sqlite_path_from_url("sqlite:///data/sub/bot.db")
    assert path == tmp_path / "data" / "sub" / "bot.db"
    assert path.parent.is_dir()


def test_url_absolute(tmp_path: Path) -> None:
    path = sqlite_path_from_url(f"sqlite:///{tmp_path}/x/bot.db")
    assert str(tmp_path).startswith("/")
    assert path == tmp_path / "x" / "bot.db"
    assert path.parent.is_dir()


@pytest.mark.parametrize("url", ["sqlite://:memory:", "sqlite:///:memory:", "sqlite://"])
def test_url_memory(url: str) -> None:
    assert is_memory(sqlite_path_from_url(url))


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "sqlite:///", "sqlite://host/x.db",
                                 "data.db", "sqlite:///x.db?mode=ro"])
def test_url_rejected(url: str) -> None:
    with pytest.raises(DatabaseUrlError):
        sqlite_path_from_url(url)


async def test_open_storage_memory() -> None:
    db = open_storage("sqlite://:memory:")
    assert isinstance(db, SqliteStorage)
    await db.connect()
    try:
        project = await new_project(db)
        assert (await db.get_project(project.id)) == project
    finally:
        await db.close()


# --- lifecycle --------------------------------------------------------------------------------

async def test_pragmas(sqlite_storage: SqliteStorage) -> None:
    async with sqlite_storage.reading() as db:
        pragmas = {}
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
            async with db.execute(f"PRAGMA {name}") as cursor:
                pragmas[name] = (await cursor.fetchone())[0]
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000,
                       "synchronous": 1}


async def test_not_connected_raises(tmp_path: Path) -> None:
    db = SqliteStorage(tmp_path / "x.db")
    with pytest.raises(RuntimeError, match="connect"):
        await db.get_user(1)
    await db.close()  # closing an unconnected storage is harmless


async def test_write_rolls_back_on_error(sqlite_storage: SqliteStorage) -> None:
    """SQLite's own transaction() helper (the contract's atomicity is tested on both backends
    by test_create_project_is_atomic)."""
    storage = sqlite_storage
    project = await new_project(storage)
    with pytest.raises(RuntimeError):
        async with storage.transaction() as db:
            await db.execute("UPDATE projects SET name = 'changed' WHERE id = ?", (project.id,))
            raise RuntimeError("boom")
    assert (await storage.get_project(project.id)).name == "Shop"


async def test_concurrent_writes_do_not_interleave(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    batches = [[NewValue(W1, f"m{i}", float(j)) for j in range(3)] for i in range(20)]
    results = await asyncio.gather(*(
        storage.save_batch(project.id, OWNER, MSG, b, update_id=i)
        for i, b in enumerate(batches)))
    assert len({r.batch_id for r in results}) == 20
    assert len(await storage.get_values(project.id)) == 20


# --- users ------------------------------------------------------------------------------------

async def test_users(storage: SqliteStorage) -> None:
    assert await storage.get_user(1) is None
    user = await storage.ensure_user(1)
    assert (user.id, user.language, user.active_project_id) == (1, None, None)
    assert await storage.ensure_user(1) == user
    await storage.set_user_language(1, "en")
    assert (await storage.get_user(1)).language == "en"
    await storage.set_user_language(1, None)
    assert (await storage.get_user(1)).language is None
    await storage.set_user_language(2, "ru")  # unknown user is created
    assert (await storage.get_user(2)).language == "ru"
    project = await new_project(storage, owner=1)
    await storage.set_active_project(1, None)
    assert (await storage.get_user(1)).active_project_id is None
    await storage.set_active_project(1, project.id)
    assert (await storage.get_user(1)).active_project_id == project.id


async def test_delete_user(storage: SqliteStorage) -> None:
    alone = await new_project(storage, name="alone")
    shared = await new_project(storage, owner=EDITOR, name="shared")
    co_owned = await new_project(storage, name="co-owned")
    await storage.set_member_role(shared.id, OWNER, Role.EDITOR)
    await storage.set_member_role(co_owned.id, EDITOR, Role.OWNER)
    await storage.set_member_role(alone.id, VIEWER, Role.VIEWER)
    saved = await storage.save_batch(shared.id, OWNER, MSG, [NewValue(W1, "reach", 5)])
    await storage.save_batch(alone.id, OWNER, MSG, [NewValue(W1, "reach", 7)])
    await storage.create_invite(alone.id, Role.EDITOR, OWNER, datetime.now(UTC) + timedelta(1), 1)
    await storage.claim_reminder(shared.id, W1, OWNER)

    deleted = await storage.delete_user(OWNER)

    assert deleted == [alone.id]
    assert await storage.get_user(OWNER) is None
    assert await storage.get_project(alone.id) is None
    assert await storage.get_values(alone.id) == []
    assert await storage.list_memberships(VIEWER) == []
    assert await storage.get_membership(OWNER, shared.id) is None
    assert await storage.list_members(co_owned.id) == [(EDITOR, Role.OWNER)]
    assert (await storage.get_batch(saved.batch_id)).user_id == FORGOTTEN_USER_ID
    assert len(await storage.get_values(shared.id)) == 1
    for table, column in (("members", "user_id"), ("reminders", "user_id"),
                          ("invites", "created_by"), ("batches", "user_id")):
        assert await run_sql(storage, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?",
                             OWNER) == [(0,)], table
    assert await run_sql(storage, "SELECT COUNT(*) FROM entries WHERE project_id = ?",
                         alone.id) == [(0,)]
    assert await storage.delete_user(OWNER) == []


# --- projects and members ---------------------------------------------------------------------

async def test_create_and_get_project(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    assert project.name == "Shop" and project.timezone == "Europe/Moscow"
    assert project.created_at.tzinfo is not None
    assert project.schedule_weekday == 0 and project.schedule_time == time(10, 0)
    assert project.schedule_enabled and not project.delivery_paused
    assert project.reminder_hours == 24 and project.language == "ru"
    assert await storage.get_project(project.id) == project
    assert await storage.get_project(9999) is None
    assert await storage.get_membership(OWNER, project.id) is Role.OWNER
    assert (await storage.get_user(OWNER)).active_project_id == project.id
    assert [k.metric for k in await storage.get_kpis(project.id)] == ["reach", "leads"]


async def test_create_project_is_atomic(storage: SqliteStorage) -> None:
    broken = ProjectKpi("reach", direction=None)  # type: ignore[arg-type]  # NOT NULL fails
    with pytest.raises(integrity_errors()):
        await storage.create_project(OWNER, "x", "g", "UTC", "ru", [ProjectKpi("a"), broken])
    assert await storage.list_memberships(OWNER) == []
    assert await storage.get_user(OWNER) is None
    assert await run_sql(storage, "SELECT COUNT(*) FROM projects") == [(0,)]


async def test_project_settings(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    await storage.rename_project(project.id, "New")
    await storage.set_project_timezone(project.id, "UTC+03:00")
    await storage.set_project_language(project.id, "en")
    await storage.set_schedule(project.id, weekday=4, at=time(18, 30), enabled=False,
                               reminder_hours=None)
    await storage.set_delivery_paused(project.id, True)
    p = await storage.get_project(project.id)
    assert (p.name, p.timezone, p.language) == ("New", "UTC+03:00", "en")
    assert (p.schedule_weekday, p.schedule_time, p.schedule_enabled, p.reminder_hours) == \
        (4, time(18, 30), False, None)
    assert p.delivery_paused
    await storage.set_channel(project.id, -1001, "Channel")
    p = await storage.get_project(project.id)
    assert (p.channel_chat_id, p.channel_title, p.delivery_paused) == (-1001, "Channel", False)
    assert [x.id for x in await storage.projects_with_channel(-1001)] == [project.id]
    assert await storage.projects_with_channel(-2) == []
    await storage.set_channel(project.id, None, None)
    p = await storage.get_project(project.id)
    assert (p.channel_chat_id, p.channel_title) == (None, None)
    with pytest.raises(ValueError):
        await storage.set_schedule(project.id, weekday=7, at=time(1), enabled=True,
                                   reminder_hours=1)


async def test_members(storage: SqliteStorage) -> None:
    first = await new_project(storage, name="first")
    second = await new_project(storage, owner=EDITOR, name="second")
    await storage.set_member_role(first.id, EDITOR, Role.EDITOR)
    await storage.set_member_role(first.id, VIEWER, Role.VIEWER)
    assert await storage.list_members(first.id) == [
        (OWNER, Role.OWNER), (EDITOR, Role.EDITOR), (VIEWER, Role.VIEWER)]
    memberships = await storage.list_memberships(EDITOR)
    assert [(m.project.name, m.role) for m in memberships] == [
        ("second", Role.OWNER), ("first", Role.EDITOR)]
    await storage.set_member_role(first.id, VIEWER, Role.EDITOR)
    assert await storage.get_membership(VIEWER, first.id) is Role.EDITOR
    await storage.set_active_project(VIEWER, first.id)
    await storage.set_member_role(first.id, VIEWER, None)
    assert await storage.get_membership(VIEWER, first.id) is None
    assert (await storage.get_user(VIEWER)).active_project_id is None
    assert await storage.get_membership(STRANGER, second.id) is None


async def test_delete_project_cascades(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    other = await new_project(storage, name="other")
    await storage.set_member_role(project.id, EDITOR, Role.EDITOR)
    await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 1)], update_id=1)
    await storage.save_batch(other.id, OWNER, MSG, [NewValue(W1, "reach", 2)])
    await storage.set_threshold(project.id, AlertThreshold("reach", 10, 20), "reach")
    await storage.create_invite(project.id, Role.VIEWER, OWNER, datetime.now(UTC), 1)
    await storage.claim_digest(project.id, W1)
    await storage.claim_reminder(project.id, W1, OWNER)
    await storage.set_active_project(EDITOR, project.id)

    await storage.delete_project(project.id)

    assert await storage.get_project(project.id) is None
    assert (await storage.get_user(EDITOR)).active_project_id is None
    for table in ("members", "project_kpis", "batches", "entries", "weekly_values",
                  "invites", "alert_thresholds", "digests", "reminders"):
        assert await run_sql(storage, f"SELECT COUNT(*) FROM {table} WHERE project_id = ?",
                             project.id) == [(0,)], table
    assert len(await storage.get_values(other.id)) == 1
    # update_id uniqueness is per project: a new project can reuse ids freely
    again = await new_project(storage)
    assert not (await storage.save_batch(again.id, OWNER, MSG, [], update_id=1)).duplicate


# --- KPIs and thresholds ----------------------------------------------------------------------

async def test_kpis(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    await storage.set_kpis(project.id, [
        ProjectKpi("leads", 30.0), ProjectKpi("my metric", None, True, "lower_is_better"),
        ProjectKpi("reach"), ProjectKpi("leads", 1.0)])
    kpis = await storage.get_kpis(project.id)
    assert kpis == [
        ProjectKpi("leads", 30.0, False, "higher_is_better", 0),
        ProjectKpi("my metric", None, True, "lower_is_better", 1),
        ProjectKpi("reach", None, False, "higher_is_better", 2)]
    await storage.set_target(project.id, "reach", 5000.0)
    await storage.set_target(project.id, "leads", None)
    await storage.set_target(project.id, "clicks", 10.0)  # not a KPI yet: appended
    kpis = {k.metric: k for k in await storage.get_kpis(project.id)}
    assert kpis["reach"].target == 5000.0 and kpis["leads"].target is None
    assert kpis["clicks"].target == 10.0 and kpis["clicks"].position == 3
    # explicit positions win over list order
    await storage.set_kpis(project.id, [ProjectKpi("a", position=2), ProjectKpi("b", position=1)])
    assert [k.metric for k in await storage.get_kpis(project.id)] == ["b", "a"]
    await storage.set_kpis(project.id, [])
    assert await storage.get_kpis(project.id) == []


async def test_thresholds(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    assert await storage.get_thresholds(project.id) == []
    await storage.set_threshold(project.id, AlertThreshold("reach", 20, 35), "reach")
    await storage.set_threshold(project.id, AlertThreshold("leads", 10, 25), "leads")
    await storage.set_threshold(project.id, AlertThreshold("reach", 15, 30), "reach")
    assert await storage.get_thresholds(project.id) == [
        AlertThreshold("leads", 10, 25), AlertThreshold("reach", 15, 30)]
    await storage.set_threshold(project.id, None, "reach")
    assert await storage.get_thresholds(project.id) == [AlertThreshold("leads", 10, 25)]


# --- weekly values and undo -------------------------------------------------------------------

async def test_save_and_get_values(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    saved = await storage.save_batch(project.id, OWNER, MSG, [
        NewValue(W1, "reach", 1000), NewValue(W2, "reach", 1200),
        NewValue(W2, "leads", 10, approximate=True), NewValue(W3, "reach", 900)])
    assert not saved.duplicate
    assert saved.replaced == {(W1, "reach"): None, (W2, "reach"): None, (W2, "leads"): None,
                              (W3, "reach"): None}
    values = await storage.get_values(project.id)
    assert values == [
        WeeklyValue(project.id, W1, "reach", 1000.0),
        WeeklyValue(project.id, W2, "leads", 10.0, approximate=True),
        WeeklyValue(project.id, W2, "reach", 1200.0),
        WeeklyValue(project.id, W3, "reach", 900.0)]
    assert [v.week_start for v in await storage.get_values(project.id, since=W2)] == [W2, W2, W3]
    assert [v.week_start for v in await storage.get_values(project.id, until=W2)] == [W1, W2, W2]
    assert [(v.week_start, v.metric) for v in
            await storage.get_values(project.id, since=W2, until=W2, metrics=["leads"])] == \
        [(W2, "leads")]
    assert await storage.get_values(project.id, metrics=[]) == []
    other = await new_project(storage, name="Other")
    await storage.save_batch(other.id, OWNER, MSG, [NewValue(W1, "reach", 5)])
    everything = await storage.get_all_values()
    assert [(name, v.project_id) for name, v in everything] == \
        [("Shop", project.id)] * 4 + [("Other", other.id)]
    with pytest.raises(ValueError):
        await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", float("nan"))])


async def test_replace_keeps_history_and_undo_restores(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    first = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 1000)])
    second = await storage.save_batch(project.id, EDITOR, BatchSource.GUIDED, [
        NewValue(W1, "reach", 1500), NewValue(W1, "leads", 7)])
    assert second.replaced == {(W1, "reach"): 1000.0, (W1, "leads"): None}
    assert await values_of(storage, project.id) == {(W1, "reach"): 1500, (W1, "leads"): 7}
    assert await run_sql(
        storage,
        "SELECT batch_id, value, previous_value FROM entries WHERE metric = 'reach' ORDER BY id",
    ) == [(first.batch_id, 1000.0, None), (second.batch_id, 1500.0, 1000.0)]

    undone = await storage.undo_last_batch(project.id)
    assert undone is not None and undone.id == second.batch_id and undone.undone
    assert undone.user_id == EDITOR and undone.source is BatchSource.GUIDED
    assert set(undone.values) == {NewValue(W1, "reach", 1500), NewValue(W1, "leads", 7)}
    assert await values_of(storage, project.id) == {(W1, "reach"): 1000}
    # idempotent: undoing the same batch again does nothing
    assert await storage.undo_batch(project.id, second.batch_id) is None
    assert await values_of(storage, project.id) == {(W1, "reach"): 1000}
    assert (await storage.undo_last_batch(project.id)).id == first.batch_id
    assert await values_of(storage, project.id) == {}
    assert await storage.undo_last_batch(project.id) is None
    assert (await storage.get_batch(first.batch_id)).undone


async def test_undo_after_later_overlapping_batch(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    a = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 100)])
    b = await storage.save_batch(project.id, OWNER, MSG, [
        NewValue(W1, "reach", 200), NewValue(W1, "leads", 5)])
    c = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 300)])
    # Undo b: reach now belongs to c and stays; leads (still b's) goes away.
    assert (await storage.undo_batch(project.id, b.batch_id)).id == b.batch_id
    assert await values_of(storage, project.id) == {(W1, "reach"): 300}
    # Undo c: reach goes back past the undone b to a's value.
    await storage.undo_batch(project.id, c.batch_id)
    assert await values_of(storage, project.id) == {(W1, "reach"): 100}
    await storage.undo_batch(project.id, a.batch_id)
    assert await values_of(storage, project.id) == {}


async def test_undo_older_batch_first_then_newer(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    a = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 100)])
    b = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 200)])
    await storage.undo_batch(project.id, a.batch_id)  # reach is b's: untouched
    assert await values_of(storage, project.id) == {(W1, "reach"): 200}
    await storage.undo_batch(project.id, b.batch_id)  # a is undone too: nothing left
    assert await values_of(storage, project.id) == {}


async def test_undo_last_batch_of_user_and_wrong_project(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    other = await new_project(storage, name="other")
    mine = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 1)])
    await storage.save_batch(project.id, EDITOR, MSG, [NewValue(W2, "reach", 2)])
    assert (await storage.undo_last_batch(project.id, OWNER)).id == mine.batch_id
    assert await values_of(storage, project.id) == {(W2, "reach"): 2}
    assert await storage.undo_last_batch(project.id, STRANGER) is None
    assert await storage.undo_last_batch(other.id) is None
    theirs = await storage.save_batch(other.id, OWNER, MSG, [NewValue(W1, "reach", 3)])
    assert await storage.undo_batch(project.id, theirs.batch_id) is None
    assert await storage.undo_batch(project.id, 99999) is None
    assert await values_of(storage, other.id) == {(W1, "reach"): 3}


async def test_duplicate_update_id(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    other = await new_project(storage, name="other")
    first = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 1)],
                                     update_id=42)
    again = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 999)],
                                     update_id=42)
    assert again.duplicate and again.batch_id == first.batch_id and again.replaced == {}
    assert await values_of(storage, project.id) == {(W1, "reach"): 1}
    elsewhere = await storage.save_batch(other.id, OWNER, MSG, [NewValue(W1, "reach", 5)],
                                         update_id=42)
    assert not elsewhere.duplicate
    # without update_id nothing is deduplicated
    a = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "leads", 1)])
    b = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "leads", 1)])
    assert a.batch_id != b.batch_id


async def test_save_batch_reads_weeks_back_in_the_same_transaction(
        storage: SqliteStorage) -> None:
    project = await new_project(storage)
    before = W1 - timedelta(days=7)
    await storage.save_batch(project.id, OWNER, MSG, [NewValue(before, "reach", 80),
                                                      NewValue(W1, "leads", 3)])
    saved = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 100)],
                                     update_id=7, read_weeks=(before, W1))
    assert saved.weeks == {before: {"reach": 80}, W1: {"reach": 100, "leads": 3}}
    again = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 5)],
                                     update_id=7, read_weeks=(W1,))
    assert again.duplicate and again.weeks == {W1: {"reach": 100, "leads": 3}}
    plain = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "reach", 1)])
    assert plain.weeks == {}


async def test_same_metric_twice_in_batch_last_wins(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    saved = await storage.save_batch(project.id, OWNER, MSG, [
        NewValue(W1, "reach", 1), NewValue(W1, "reach", 2)])
    assert saved.replaced == {(W1, "reach"): None}
    assert await values_of(storage, project.id) == {(W1, "reach"): 2}


# --- invites ----------------------------------------------------------------------------------

async def test_invites(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    invite = await storage.create_invite(project.id, Role.EDITOR, OWNER, now + timedelta(days=7),
                                         2)
    assert len(invite.token) >= 20 and invite.uses == 0 and invite.role is Role.EDITOR
    assert invite.expires_at == now + timedelta(days=7)

    joined = await storage.redeem_invite(invite.token, EDITOR, now)
    assert joined == Membership(await storage.get_project(project.id), Role.EDITOR)
    assert await storage.get_membership(EDITOR, project.id) is Role.EDITOR
    assert await storage.redeem_invite(invite.token, VIEWER, now) is not None
    # used up
    assert await storage.redeem_invite(invite.token, STRANGER, now) is None
    assert await storage.get_membership(STRANGER, project.id) is None
    # unknown
    assert await storage.redeem_invite("nope", STRANGER, now) is None
    # expired (at the expiry moment already)
    late = await storage.create_invite(project.id, Role.VIEWER, OWNER, now, 5)
    assert await storage.redeem_invite(late.token, STRANGER, now) is None
    assert await storage.redeem_invite(late.token, STRANGER, now - timedelta(seconds=1))

    # never lowers a role, and an existing member does not use the invite up
    viewer_link = await storage.create_invite(project.id, Role.VIEWER, OWNER,
                                              now + timedelta(days=1), 1)
    kept = await storage.redeem_invite(viewer_link.token, OWNER, now)
    assert kept is not None and kept.role is Role.OWNER
    assert await storage.get_membership(OWNER, project.id) is Role.OWNER
    assert (await storage.redeem_invite(viewer_link.token, EDITOR, now)).role is Role.EDITOR
    assert await storage.redeem_invite(viewer_link.token, 555, now) is not None  # still 1 use
    assert await storage.redeem_invite(viewer_link.token, 556, now) is None
    # raises a lower role
    promote = await storage.create_invite(project.id, Role.EDITOR, OWNER,
                                          now + timedelta(days=1), 1)
    assert (await storage.redeem_invite(promote.token, 555, now)).role is Role.EDITOR
    assert await storage.get_membership(555, project.id) is Role.EDITOR


async def test_redeem_invite_concurrently_counts_each_use(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    now = datetime.now(UTC)
    invite = await storage.create_invite(project.id, Role.VIEWER, OWNER,
                                         now + timedelta(days=1), 3)
    results = await asyncio.gather(*(storage.redeem_invite(invite.token, 1000 + i, now)
                                     for i in range(10)))
    assert sum(r is not None for r in results) == 3


# --- digests and reminders --------------------------------------------------------------------

async def scheduled(storage: SqliteStorage, timezone: str, weekday: int, at: time):
    project = await new_project(storage, timezone=timezone, name=timezone)
    await storage.set_schedule(project.id, weekday=weekday, at=at, enabled=True,
                               reminder_hours=24)
    return await storage.get_project(project.id)


async def test_due_projects_moscow_and_offset(storage: SqliteStorage) -> None:
    moscow = await scheduled(storage, "Europe/Moscow", 0, time(10, 0))
    offset = await scheduled(storage, "UTC+03:00", 0, time(10, 0))
    # Monday 2026-11-23 10:00 at +03:00 is 07:00 UTC
    before = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)
    at = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert await storage.due_projects(before) == []
    assert {p.id for p in await storage.due_projects(at)} == {moscow.id, offset.id}
    # stays due the rest of the week until claimed
    later = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Sunday 23:00 Moscow
    assert {p.id for p in await storage.due_projects(later)} == {moscow.id, offset.id}
    week = date(2026, 11, 23)
    assert await storage.claim_digest(moscow.id, week)
    assert not await storage.claim_digest(moscow.id, week)
    assert [p.id for p in await storage.due_projects(at)] == [offset.id]
    # a new local week (Monday 00:30 Moscow) starts before this week's digest time
    next_week = datetime(2026, 11, 29, 21, 30, tzinfo=UTC)
    assert await storage.due_projects(next_week) == []


async def test_due_projects_new_york_dst(storage: SqliteStorage) -> None:
    # US DST 2026: starts Sunday March 8, ends Sunday November 1.
    ny = await scheduled(storage, "America/New_York", 0, time(9, 0))
    # Monday 2026-03-09 09:00 EDT (UTC-4) = 13:00 UTC, not 14:00 as in winter.
    assert await storage.due_projects(datetime(2026, 3, 9, 12, 59, tzinfo=UTC)) == []
    assert [p.id for p in await storage.due_projects(
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC))] == [ny.id]
    # Monday 2026-11-02 09:00 EST (UTC-5) = 14:00 UTC
    assert await storage.due_projects(datetime(2026, 11, 2, 13, 30, tzinfo=UTC)) == []
    assert [p.id for p in await storage.due_projects(
        datetime(2026, 11, 2, 14, 0, tzinfo=UTC))] == [ny.id]
    # Sunday 2026-03-08 02:30 does not exist in New York; it is read as 03:30 EDT = 07:30 UTC
    await storage.set_schedule(ny.id, weekday=6, at=time(2, 30), enabled=True,
                               reminder_hours=None)
    assert await storage.due_projects(datetime(2026, 3, 8, 7, 29, tzinfo=UTC)) == []
    assert [p.id for p in await storage.due_projects(
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC))] == [ny.id]


async def test_due_projects_filters(storage: SqliteStorage) -> None:
    channel = await scheduled(storage, "UTC", 2, time(12, 0))
    await storage.set_channel(channel.id, -100, "c")
    no_channel = await scheduled(storage, "Europe/London", 2, time(12, 0))
    paused = await scheduled(storage, "Asia/Tokyo", 0, time(0, 0))
    await storage.set_delivery_paused(paused.id, True)
    off = await scheduled(storage, "Asia/Kolkata", 0, time(0, 0))
    await storage.set_schedule(off.id, weekday=0, at=time(0, 0), enabled=False,
                               reminder_hours=None)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday
    assert {p.id for p in await storage.due_projects(now)} == {channel.id, no_channel.id}
    await storage.set_channel(paused.id, -200, "relinked")  # un-pauses
    assert paused.id in {p.id for p in await storage.due_projects(now)}


async def test_claim_and_finish_digest(storage: SqliteStorage) -> None:
    project = await scheduled(storage, "UTC", 0, time(0, 0))
    week = date(2026, 11, 23)
    now = datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert await storage.claim_digest(project.id, week)
    await storage.finish_digest(project.id, week, sent=False)  # released
    assert [p.id for p in await storage.due_projects(now)] == [project.id]
    assert await storage.claim_digest(project.id, week)
    await storage.finish_digest(project.id, week, sent=True)
    assert await storage.due_projects(now) == []
    assert not await storage.claim_digest(project.id, week)
    await storage.finish_digest(project.id, week, sent=False)  # a sent digest stays sent
    assert await storage.due_projects(now) == []
    assert await run_sql(storage, "SELECT status, sent_at IS NOT NULL FROM digests") == [
        ("sent", 1)]


async def expire_claims(storage: SqliteStorage, at: datetime) -> None:
    await run_sql(storage, "UPDATE digests SET lease_until = ?", at)


async def test_abandoned_digest_claim_is_retried_once_its_lease_ran_out(
        storage: SqliteStorage) -> None:
    project = await scheduled(storage, "UTC", 0, time(0, 0))
    week = date(2026, 11, 23)
    assert await storage.claim_digest(project.id, week, boot="dead")
    lease_end = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    await expire_claims(storage, lease_end)
    assert await storage.due_projects(lease_end - timedelta(minutes=1)) == []
    assert [p.id for p in await storage.due_projects(lease_end)] == [project.id]
    assert await storage.claim_digest(project.id, week, boot="b")  # taken over (lease is over)
    assert not await storage.claim_digest(project.id, week, boot="c")  # …by one instance


async def test_a_renewed_lease_keeps_the_claim_and_a_lost_one_sends_nothing(
        storage: SqliteStorage) -> None:
    project = await scheduled(storage, "UTC", 0, time(0, 0))
    week = date(2026, 11, 23)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    assert await storage.claim_digest(project.id, week, boot="a", lease=timedelta(seconds=5))
    await expire_claims(storage, long_ago)
    assert await storage.renew_digest_claims("a", timedelta(minutes=1)) == 1  # the heartbeat
    assert await storage.renew_digest_claims("other") == 0
    assert not await storage.claim_digest(project.id, week, boot="b")  # held again
    assert not await storage.start_digest_send(project.id, week, boot="b")
    assert await storage.start_digest_send(project.id, week, boot="a")

    await expire_claims(storage, long_ago)  # "a" stalled past its lease: "b" takes over
    assert await storage.claim_digest(project.id, week, boot="b")
    assert not await storage.start_digest_send(project.id, week, boot="a")  # a sends nothing
    await storage.finish_digest(project.id, week, sent=False, boot="a")  # …nor drops b's claim
    assert await run_sql(storage, "SELECT boot_id, send_started_at FROM digests") == [
        ("b", None)]
    assert await storage.start_digest_send(project.id, week, boot="b")

    # At start, only claims of other boots whose lease ran out are released.
    assert await storage.release_digest_claims("c") == []
    await expire_claims(storage, long_ago)
    assert await storage.release_digest_claims("b") == []  # its own
    assert await storage.release_digest_claims("c") == [(project.id, week, True)]
    assert await storage.claim_digest(project.id, week, boot="c")
    await storage.finish_digest(project.id, week, sent=True, boot="c")
    await expire_claims(storage, long_ago)
    assert not await storage.claim_digest(project.id, week, boot="d")  # sent stays sent


async def test_claim_reminder(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    assert await storage.claim_reminder(project.id, W1, OWNER)
    assert not await storage.claim_reminder(project.id, W1, OWNER)
    assert await storage.claim_reminder(project.id, W1, EDITOR)
    assert await storage.claim_reminder(project.id, W2, OWNER)


def test_parse_timezone() -> None:
    moment = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert parse_timezone("UTC+03:00").utcoffset(moment) == timedelta(hours=3)
    assert parse_timezone("UTC+3").utcoffset(moment) == timedelta(hours=3)
    assert parse_timezone("UTC-05:30").utcoffset(moment) == -timedelta(hours=5, minutes=30)
    assert parse_timezone("UTC").utcoffset(moment) == timedelta(0)
    assert parse_timezone("Europe/Moscow").utcoffset(moment) == timedelta(hours=3)
    assert parse_timezone("Not/AZone").utcoffset(moment) == timedelta(0)


async def test_digest_moment_week_start(storage: SqliteStorage) -> None:
    project = await scheduled(storage, "Pacific/Auckland", 6, time(23, 0))
    # Sunday 2026-11-22 20:00 UTC is already Monday 09:00 (UTC+13) in Auckland
    week, moment = digest_moment(project, datetime(2026, 11, 22, 20, tzinfo=UTC))
    assert week == date(2026, 11, 23)
    assert moment == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


# --- access -----------------------------------------------------------------------------------

async def test_require_role(storage: SqliteStorage) -> None:
    project = await new_project(storage)
    await storage.set_member_role(project.id, EDITOR, Role.EDITOR)
    await storage.set_member_role(project.id, VIEWER, Role.VIEWER)

    with pytest.raises(AccessDenied) as denied:
        await require_role(storage, STRANGER, project.id)
    assert denied.value.reason is DenyReason.NOT_MEMBER and denied.value.code == "not_member"
    assert await require_role(storage, VIEWER, project.id) is Role.VIEWER
    with pytest.raises(AccessDenied) as denied:
        await require_role(storage, VIEWER, project.id, edit=True)
    assert denied.value.reason is DenyReason.READ_ONLY
    assert await require_role(storage, EDITOR, project.id, edit=True) is Role.EDITOR
    with pytest.raises(AccessDenied) as denied:
        await require_role(storage, EDITOR, project.id, owner=True)
    assert denied.value.reason is DenyReason.NOT_OWNER
    assert await require_role(storage, OWNER, project.id, owner=True) is Role.OWNER
    assert await require_role(storage, OWNER, project.id, edit=True, owner=True) is Role.OWNER
    with pytest.raises(AccessDenied):
        await require_role(storage, OWNER, 9999)


async def test_load_context_membership(storage: SqliteStorage) -> None:
    assert (await storage.load_context(STRANGER))[1] is None
    await storage.ensure_user(STRANGER)
    assert (await storage.load_context(STRANGER))[1] is None
    project = await new_project(storage)
    membership = (await storage.load_context(OWNER))[1]
    assert membership == Membership(project, Role.OWNER)
    await storage.set_member_role(project.id, EDITOR, Role.EDITOR)
    await storage.set_active_project(EDITOR, project.id)
    assert ((await storage.load_context(EDITOR))[1]).role is Role.EDITOR
    # removed from the project while it was active (row kept by hand to test the check)
    await run_sql(storage, "DELETE FROM members WHERE user_id = ?", EDITOR)
    assert (await storage.get_user(EDITOR)).active_project_id == project.id
    assert (await storage.load_context(EDITOR))[1] is None



async def test_undo_redelivered_with_the_same_update_id_undoes_once(
        storage: SqliteStorage) -> None:
    project = await new_project(storage)
    first = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "leads", 10)])
    second = await storage.save_batch(project.id, OWNER, MSG, [NewValue(W1, "leads", 20)])
    undone = await storage.undo_last_batch(project.id, OWNER, update_id=77)
    assert undone.id == second.batch_id
    again = await storage.undo_last_batch(project.id, OWNER, update_id=77)
    assert again.id == second.batch_id and again.undone
    assert await values_of(storage, project.id) == {(W1, "leads"): 10}
    assert (await storage.undo_last_batch(project.id, OWNER, update_id=78)).id == first.batch_id
    assert await values_of(storage, project.id) == {}


async def test_update_journal(storage: SqliteStorage) -> None:
    assert await storage.handled_updates() == set()
    for update_id in (5, 7, 9, 7):
        await storage.mark_update_handled(update_id)
    assert await storage.handled_updates() == {5, 7, 9}
    await storage.forget_updates_below(8)
    assert await storage.handled_updates() == {9}
    # many at once, one already noted and one twice in the list: each noted once
    await storage.mark_updates_handled([9, 11, 12, 11])
    await storage.mark_updates_handled([])
    assert await storage.handled_updates() == {9, 11, 12}


async def test_create_project_is_idempotent_per_update(storage: SqliteStorage) -> None:
    kpis = [ProjectKpi("reach")]
    first = await storage.create_project(OWNER, "Кофейня", "leads", "UTC", "ru", kpis,
                                         update_id=77)
    again = await storage.create_project(OWNER, "Кофейня", "leads", "UTC", "ru", kpis,
                                         update_id=77)
    assert again == first
    assert [m.project.id for m in await storage.list_memberships(OWNER)] == [first.id]
    other = await storage.create_project(OWNER, "Кофейня", "leads", "UTC", "ru", kpis,
                                         update_id=78)
    plain = await storage.create_project(OWNER, "Кофейня", "leads", "UTC", "ru", kpis)
    assert len({first.id, other.id, plain.id}) == 3


async def test_one_update_is_looked_up_in_the_journal_and_the_database_answers_a_ping(
        storage: SqliteStorage) -> None:
    await storage.ping()
    assert not await storage.update_was_handled(501)
    await storage.mark_update_handled(501)
    assert await storage.update_was_handled(501)
    assert not await storage.update_was_handled(502)
    await storage.forget_updates_below(502)
    assert not await storage.update_was_handled(501)
