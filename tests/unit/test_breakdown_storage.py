"""Networks and campaigns in storage (issue 13), on both backends: values per segment, project
totals, undo, idempotent batches, and migration 0010 keeping every stored value."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import aiosqlite
import pytest

from storage.base import Storage
from storage.migrator import load_migrations, migrate
from storage.models import BatchSource, Campaign, NewValue, ProjectKpi
from storage.postgres_migrator import PG_MIGRATIONS_DIR
from storage.sqlite import SqliteStorage
from tests.pg import BACKENDS, PG_URL, _admin, _with_database, integrity_errors, run_sql

W1 = date(2026, 11, 2)
W2 = date(2026, 11, 9)
MSG = BatchSource.MESSAGE


async def _project(storage: Storage) -> int:
    project = await storage.create_project(1, "Shop", "leads", "UTC", "en",
                                           [ProjectKpi("reach"), ProjectKpi("leads")])
    return project.id


def _totals(values: list) -> dict[tuple[date, str], float]:
    return {(v.week_start, v.metric): v.value for v in values}


async def test_networks_sum_to_the_project_total(storage: Storage) -> None:
    pid = await _project(storage)
    saved = await storage.save_batch(pid, 1, MSG, [
        NewValue(W1, "reach", 5000, network="vk"),
        NewValue(W1, "reach", 7200, network="instagram", approximate=True),
        NewValue(W1, "leads", 4, network="vk"),
        NewValue(W1, "er_reach", 4.0, network="vk"),
    ], read_weeks=(W1,))
    assert saved.replaced == {(W1, "reach", "vk", ""): None, (W1, "reach", "instagram", ""): None,
                              (W1, "leads", "vk", ""): None, (W1, "er_reach", "vk", ""): None}
    # a typed rate of one network is not the project's: it is recomputed from counts instead
    assert saved.weeks[W1] == {"reach": 12200.0, "leads": 4.0}
    totals = await storage.get_values(pid)
    assert [(v.metric, v.value, v.approximate, v.network) for v in totals] == [
        ("leads", 4.0, False, ""), ("reach", 12200.0, True, "")]
    stored = await storage.get_values(pid, breakdown=True)
    assert [(v.metric, v.network, v.value) for v in stored] == [
        ("er_reach", "vk", 4.0), ("leads", "vk", 4.0), ("reach", "instagram", 7200.0),
        ("reach", "vk", 5000.0)]
    assert await storage.get_networks(pid) == ["instagram", "vk"] or \
        set(await storage.get_networks(pid)) == {"vk", "instagram"}


async def test_a_project_wide_value_is_the_total_and_the_breakdown_stays(
        storage: Storage) -> None:
    pid = await _project(storage)
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 12000)])
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 5000, network="vk"),
                                           NewValue(W1, "reach", 7200, network="instagram")])
    assert _totals(await storage.get_values(pid)) == {(W1, "reach"): 12000.0}
    assert len(await storage.get_values(pid, breakdown=True)) == 3


async def test_campaigns_are_the_total_only_without_networks(storage: Storage) -> None:
    pid = await _project(storage)
    await storage.save_batch(pid, 1, MSG, [
        NewValue(W1, "spend", 20000, campaign="Чёрная пятница"),
        NewValue(W1, "spend", 5000, campaign="Зима"),
        NewValue(W1, "leads", 31, campaign="Чёрная пятница"),
        NewValue(W1, "leads", 10, network="vk"),
    ])
    assert _totals(await storage.get_values(pid)) == {(W1, "spend"): 25000.0,
                                                      (W1, "leads"): 10.0}
    assert [c.name for c in await storage.get_campaigns(pid)] == ["Зима", "Чёрная пятница"] or \
        {c.name for c in await storage.get_campaigns(pid)} == {"Зима", "Чёрная пятница"}
    await storage.set_campaign(pid, "Зима", W1, W2)
    campaigns = {c.name: c for c in await storage.get_campaigns(pid)}
    assert campaigns["Зима"] == Campaign("Зима", W1, W2)
    assert campaigns["Чёрная пятница"] == Campaign("Чёрная пятница")
    with pytest.raises(ValueError):
        await storage.set_campaign(pid, "Зима", W2, W1)


async def test_same_network_replaces_other_networks_do_not(storage: Storage) -> None:
    pid = await _project(storage)
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 5000, network="vk"),
                                           NewValue(W1, "reach", 100)])
    second = await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 6000, network="vk"),
                                                    NewValue(W1, "reach", 10, network="tg")])
    assert second.replaced == {(W1, "reach", "vk", ""): 5000.0, (W1, "reach", "tg", ""): None}
    stored = {(v.network, v.metric): v.value
              for v in await storage.get_values(pid, breakdown=True)}
    assert stored == {("", "reach"): 100.0, ("vk", "reach"): 6000.0, ("tg", "reach"): 10.0}


async def test_undo_of_a_batch_with_network_values(storage: Storage) -> None:
    pid = await _project(storage)
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 5000, network="vk"),
                                           NewValue(W1, "reach", 12000)])
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "reach", 6000, network="vk"),
                                           NewValue(W1, "reach", 300, network="instagram")])
    undone = await storage.undo_last_batch(pid)
    assert undone is not None
    assert {(v.network, v.value) for v in undone.values} == {("vk", 6000.0),
                                                            ("instagram", 300.0)}
    stored = {(v.network, v.metric): v.value
              for v in await storage.get_values(pid, breakdown=True)}
    assert stored == {("", "reach"): 12000.0, ("vk", "reach"): 5000.0}
    await storage.undo_last_batch(pid)
    assert await storage.get_values(pid, breakdown=True) == []


async def test_a_redelivered_update_with_network_values_counts_once(storage: Storage) -> None:
    pid = await _project(storage)
    values = [NewValue(W1, "leads", 4, network="vk"), NewValue(W1, "leads", 3, network="ig")]
    first = await storage.save_batch(pid, 1, MSG, values, update_id=77, read_weeks=(W1,))
    again = await storage.save_batch(pid, 1, MSG, values, update_id=77, read_weeks=(W1,))
    assert again.duplicate and again.batch_id == first.batch_id
    assert again.weeks[W1] == {"leads": 7.0}
    assert _totals(await storage.get_values(pid)) == {(W1, "leads"): 7.0}


async def test_a_value_cannot_have_both_a_network_and_a_campaign(storage: Storage) -> None:
    pid = await _project(storage)
    with pytest.raises(ValueError):
        await storage.save_batch(pid, 1, MSG, [NewValue(W1, "leads", 4, network="vk",
                                                        campaign="BF")])
    batch = await storage.save_batch(pid, 1, MSG, [NewValue(W1, "leads", 4)])
    with pytest.raises(integrity_errors()):
        await run_sql(storage, "INSERT INTO weekly_values (project_id, week_start, metric, "
                      "network, campaign, value, approximate, batch_id) "
                      "VALUES (?, ?, 'leads', 'vk', 'BF', 1, ?, ?)",
                      pid, W1, False if "Postgres" in type(storage).__name__ else 0,
                      batch.batch_id)


# --- migration 0010 keeps every stored value ----------------------------------------------------

OLD_ROWS = [(W1, "reach", 1000.0, None, 1), (W2, "reach", 1500.0, 1000.0, 2),
            (W2, "leads", 7.0, None, 2)]


async def _check_migrated(storage: Storage, pid: int) -> None:
    values = await storage.get_values(pid, breakdown=True)
    assert [(v.week_start, v.metric, v.value, v.network, v.campaign) for v in values] == [
        (W1, "reach", 1000.0, "", ""), (W2, "leads", 7.0, "", ""), (W2, "reach", 1500.0, "", "")]
    # undo still walks the old history, and new breakdown values sit next to the old ones
    await storage.undo_last_batch(pid)
    assert _totals(await storage.get_values(pid)) == {(W1, "reach"): 1000.0,
                                                      (W2, "reach"): 1000.0}
    await storage.save_batch(pid, 1, MSG, [NewValue(W2, "reach", 40, network="vk")])
    assert _totals(await storage.get_values(pid))[(W2, "reach")] == 1000.0


async def test_sqlite_migration_keeps_values(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, load_migrations()[:9])
        await db.execute("INSERT INTO projects (id, name, timezone, created_at) "
                         "VALUES (1, 'Shop', 'UTC', '2026-11-01T00:00:00+00:00')")
        for batch in (1, 2):
            await db.execute("INSERT INTO batches (id, project_id, user_id, source, created_at) "
                             "VALUES (?, 1, 1, 'message', '2026-11-10T00:00:00+00:00')",
                             (batch,))
        for week, metric, value, previous, batch in OLD_ROWS:
            await db.execute("INSERT INTO entries (batch_id, project_id, week_start, metric, "
                             "value, previous_value) VALUES (?, 1, ?, ?, ?, ?)",
                             (batch, week.isoformat(), metric, value, previous))
        await db.execute("INSERT INTO entries (batch_id, project_id, week_start, metric, value) "
                         "VALUES (1, 1, ?, 'reach', 1000)", (W2.isoformat(),))
        for week, metric, value, _previous, batch in OLD_ROWS:
            await db.execute("INSERT INTO weekly_values (project_id, week_start, metric, value, "
                             "batch_id) VALUES (1, ?, ?, ?, ?)",
                             (week.isoformat(), metric, value, batch))
    storage = SqliteStorage(path)
    await storage.connect()
    try:
        await _check_migrated(storage, 1)
    finally:
        await storage.close()


@pytest.fixture
def old_pg(pg_url: str) -> Iterator[str]:
    """A database of its own, to be migrated step by step."""
    name = pg_url.rsplit("/", 1)[1] + "_bd"
    _admin(PG_URL, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(PG_URL, name)
    finally:
        _admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL left out")
async def test_postgres_migration_keeps_values(old_pg: str) -> None:
    import asyncpg

    from storage.postgres import PostgresStorage
    from storage.postgres_migrator import migrate_postgres

    pg_url = old_pg
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate_postgres(conn, load_migrations(PG_MIGRATIONS_DIR)[:9])
        await conn.execute("INSERT INTO projects (id, name, timezone, created_at) "
                           "VALUES (1, 'Shop', 'UTC', now())")
        for batch in (1, 2):  # identity ids: 1 and 2 in a fresh database
            assert await conn.fetchval("INSERT INTO batches (project_id, user_id, source, "
                                       "created_at) VALUES (1, 1, 'message', now()) "
                                       "RETURNING id") == batch
        for week, metric, value, previous, batch in OLD_ROWS:
            await conn.execute("INSERT INTO entries (batch_id, project_id, week_start, metric, "
                               "value, previous_value) VALUES ($1, 1, $2, $3, $4, $5)",
                               batch, week, metric, value, previous)
        await conn.execute("INSERT INTO entries (batch_id, project_id, week_start, metric, "
                           "value) VALUES (1, 1, $1, 'reach', 1000)", W2)
        for week, metric, value, _previous, batch in OLD_ROWS:
            await conn.execute("INSERT INTO weekly_values (project_id, week_start, metric, "
                               "value, batch_id) VALUES (1, $1, $2, $3, $4)",
                               week, metric, value, batch)
    finally:
        await conn.close()
    storage = PostgresStorage(pg_url)
    await storage.connect()
    try:
        await _check_migrated(storage, 1)
    finally:
        await storage.close()


async def test_a_collected_number_never_overwrites_a_persons(storage: Storage) -> None:
    pid = await _project(storage)
    collected = NewValue(W1, "followers", 3400, network="telegram")
    assert await storage.save_collected(pid, collected)
    # collected again the same week: the newer count replaces the bot's own
    assert await storage.save_collected(pid, NewValue(W1, "followers", 3410, network="telegram"))
    values = await storage.get_values(pid, breakdown=True)
    assert [(v.network, v.value) for v in values] == [("telegram", 3410.0)]
    # a person types the number: it replaces the collected one, and stays from then on
    await storage.save_batch(pid, 1, MSG, [NewValue(W1, "followers", 3500, network="telegram")])
    assert not await storage.save_collected(pid, NewValue(W1, "followers", 9, network="telegram"))
    values = await storage.get_values(pid, breakdown=True)
    assert [(v.network, v.value) for v in values] == [("telegram", 3500.0)]
    sources = await run_sql(storage, "SELECT source, count(*) FROM batches WHERE project_id = ? "
                            "GROUP BY source ORDER BY source", pid)
    assert sources == [("collected", 2), ("message", 1)]  # the refused one left no batch
    assert await storage.get_networks(pid) == ["telegram"]
    # the person's /undo brings the bot's count back
    await storage.undo_last_batch(pid, 1)
    assert [v.value for v in await storage.get_values(pid, breakdown=True)] == [3410.0]
