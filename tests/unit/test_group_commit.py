"""Group commit: writes queued while the connection is busy share one transaction, each in its
own savepoint; a failing write is rolled back alone; callers hear back only after COMMIT."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from storage.group_commit import apply_together
from storage.models import BatchSource, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage

WEEK = date(2026, 11, 23)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    storage = SqliteStorage(tmp_path / "group.db")
    await storage.connect()
    yield storage
    await storage.close()


def test_a_failing_write_is_rolled_back_alone() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER UNIQUE)")

    def insert(c: sqlite3.Connection, x: int) -> int:
        c.execute("INSERT INTO t VALUES (?)", (x,))
        return x

    def insert_twice(c: sqlite3.Connection, x: int) -> None:
        c.execute("INSERT INTO t VALUES (?)", (x,))
        c.execute("INSERT INTO t VALUES (?)", (1,))  # violates UNIQUE: the whole write goes

    outcomes = apply_together(conn, [(insert, (1,)), (insert_twice, (2,)), (insert, (3,))])
    assert [ok for ok, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], sqlite3.IntegrityError)
    assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    assert not conn.in_transaction


async def test_concurrent_saves_share_transactions_and_all_land(
        storage: SqliteStorage, tmp_path: Path) -> None:
    projects = [await storage.create_project(100 + i, f"p{i}", "leads", "UTC", "ru",
                                             [ProjectKpi("reach")]) for i in range(50)]
    before = storage._group_commit.groups
    saved = await asyncio.gather(*(
        storage.save_batch(p.id, 100 + i, BatchSource.MESSAGE, [NewValue(WEEK, "reach", i)],
                           update_id=i, read_weeks=(WEEK,))
        for i, p in enumerate(projects)))
    groups = storage._group_commit.groups - before
    assert groups < 50  # grouped: 50 writes did not take 50 transactions
    assert [s.weeks[WEEK]["reach"] for s in saved] == list(range(50))
    # what each caller was told is in the file, read by another connection
    other = sqlite3.connect(tmp_path / "group.db")
    assert other.execute("SELECT COUNT(*) FROM weekly_values").fetchone()[0] == 50


async def test_one_bad_write_in_a_group_fails_alone(storage: SqliteStorage) -> None:
    project = await storage.create_project(1, "p", "leads", "UTC", "ru", [ProjectKpi("reach")])
    good = [storage.save_batch(project.id, 1, BatchSource.MESSAGE,
                               [NewValue(WEEK, "reach", i)], update_id=i) for i in range(5)]
    bad = storage.save_batch(999_999, 1, BatchSource.MESSAGE,  # no such project: FK fails
                             [NewValue(WEEK, "reach", 1)], update_id=99)
    results = await asyncio.gather(*good[:2], bad, *good[2:], return_exceptions=True)
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert all(not isinstance(r, BaseException) for i, r in enumerate(results) if i != 2)
    rows = await storage.query_all("SELECT COUNT(*) FROM batches")
    assert rows[0][0] == 5


async def test_close_waits_for_queued_writes(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "close.db")
    await storage.connect()
    project = await storage.create_project(1, "p", "leads", "UTC", "ru", [ProjectKpi("reach")])
    pending = [asyncio.create_task(storage.save_batch(
        project.id, 1, BatchSource.MESSAGE, [NewValue(WEEK, "reach", i)], update_id=i))
        for i in range(20)]
    await asyncio.sleep(0)  # queued, not yet written
    await storage.close()
    assert all(t.done() and not t.exception() for t in pending)
    again = SqliteStorage(tmp_path / "close.db")
    await again.connect()
    assert (await again.query_one("SELECT COUNT(*) FROM batches"))[0] == 20
    await again.close()
