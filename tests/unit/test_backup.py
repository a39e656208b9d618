"""Online backup and restore (storage.backup) and their CLI subcommands."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from storage.backup import (
    InvalidBackupError,
    backup_database,
    backup_database_async,
    check_database,
    restore_database,
)
from storage.migrator import latest_version
from storage.models import BatchSource, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage
from tests.paths import PACKAGE_ROOT

W1 = date(2026, 11, 2)


def counts(path: Path) -> tuple[int, int, float]:
    with sqlite3.connect(path) as conn:
        batches = conn.execute("SELECT count(*) FROM batches").fetchone()[0]
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        total = conn.execute("SELECT coalesce(sum(value), 0) FROM weekly_values").fetchone()[0]
    return batches, entries, total


async def make_db(path: Path, batches: int = 3) -> SqliteStorage:
    storage = SqliteStorage(path)
    await storage.connect()
    project = await storage.create_project(1, "Shop", "leads", "UTC", "en", [ProjectKpi("reach")])
    for i in range(batches):
        await storage.save_batch(project.id, 1, BatchSource.MESSAGE,
                                 [NewValue(W1 + timedelta(weeks=i), "reach", 100 + i)],
                                 update_id=i)
    return storage


async def test_backup_of_a_live_database_is_a_consistent_snapshot(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    storage = await make_db(live)
    project_id = (await storage.list_memberships(1))[0].project.id
    stop = asyncio.Event()

    async def writer() -> int:
        n = 1000
        while not stop.is_set():  # every batch writes one entry and one weekly value
            await storage.save_batch(project_id, 1, BatchSource.MESSAGE,
                                     [NewValue(W1 + timedelta(weeks=n), "reach", 1)],
                                     update_id=n)
            n += 1
        return n

    task = asyncio.create_task(writer())
    try:
        copies = []
        for i in range(5):
            target = tmp_path / f"copy{i}.db"
            info = await backup_database_async(live, target)
            assert info.schema_version == latest_version()
            copies.append(target)
    finally:
        stop.set()
        written = await task
        await storage.close()
    assert written > 1000  # the bot kept writing while the copies were taken
    for copy in copies:
        assert check_database(copy) == latest_version()
        batches, entries, _ = counts(copy)
        assert batches == entries  # never half a batch
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not Path(f"{copy}-wal").exists()
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


async def test_restore_brings_the_backup_back_and_drops_a_stale_wal(tmp_path: Path) -> None:
    live = tmp_path / "data" / "bot.db"
    live.parent.mkdir()
    storage = await make_db(live, batches=2)
    await storage.close()
    backup = tmp_path / "b.db"
    backup_database(live, backup)
    before = counts(backup)

    storage = await make_db(live, batches=0)  # more data after the backup
    await storage.save_batch(1, 1, BatchSource.MESSAGE, [NewValue(W1, "reach", 999)],
                             update_id=77)
    await storage.close()
    assert counts(live) != before
    Path(f"{live}-wal").write_bytes(b"stale wal of the old database")  # as after a crash

    info = restore_database(backup, live)
    assert info.path == live
    assert counts(live) == before
    assert not Path(f"{live}-wal").exists()
    again = SqliteStorage(live)  # the bot opens it normally
    await again.connect()
    try:
        assert [v.value for v in await again.get_values(1)] == [100, 101]
    finally:
        await again.close()


async def test_restore_accepts_a_cold_copy_of_a_wal_mode_database(tmp_path: Path) -> None:
    storage = await make_db(tmp_path / "a.db")
    await storage.close()
    cold = tmp_path / "cold.db"
    cold.write_bytes((tmp_path / "a.db").read_bytes())  # header still says WAL
    restore_database(cold, tmp_path / "new" / "b.db")
    assert counts(tmp_path / "new" / "b.db") == counts(tmp_path / "a.db")


async def test_restore_refuses_what_is_not_a_usable_bot_database(tmp_path: Path) -> None:
    target = tmp_path / "bot.db"
    storage = await make_db(target)
    await storage.close()
    original = target.read_bytes()

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    newer = tmp_path / "newer.db"
    newer.write_bytes(original)
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    damaged = tmp_path / "damaged.db"
    data = bytearray(original)
    page = 4096
    data[page * 2 + 8:page * 2 + 200] = b"\xff" * 192  # scribble over a b-tree page
    damaged.write_bytes(bytes(data))

    cases = {tmp_path / "missing.db": "no such file", garbage: None, foreign: "not an smm-kpi",
             newer: "newer than this program", damaged: None}
    for path, message in cases.items():
        with pytest.raises(InvalidBackupError, match=message):
            restore_database(path, target)
    assert target.read_bytes() == original  # untouched by every refusal
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "LOG_LEVEL")}
    clean["PYTHONPATH"] = str(PACKAGE_ROOT)
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bot.db'}"
    return clean


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


async def test_cli_backup_and_restore(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    storage = await make_db(db)
    await storage.close()
    before = counts(db)
    backup = tmp_path / "backup.db"

    result = cli("backup", str(backup), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "backup written" in result.stdout
    db.unlink()
    result = cli("restore", str(backup), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert counts(db) == before

    (tmp_path / "junk.db").write_text("junk")
    result = cli("restore", str(tmp_path / "junk.db"), env=env, cwd=tmp_path)
    assert result.returncode == 2
    one_line(result)
    result = cli("backup", str(tmp_path / "nowhere" / "b.db"), env=env, cwd=tmp_path)
    assert result.returncode == 2 and "no such folder" in one_line(result)
    assert counts(db) == before
    db.unlink()
    result = cli("backup", str(backup), env=env, cwd=tmp_path)
    assert result.returncode == 2 and "no such database file" in one_line(result)
    env["DATABASE_URL"] = "sqlite://:memory:"
    result = cli("backup", str(backup), env=env, cwd=tmp_path)
    assert result.returncode == 2 and "in-memory" in one_line(result)


async def test_migrate_and_run_refuse_a_newer_database_with_one_line(
        env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    storage = await make_db(db)
    await storage.close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 5}")
    result = cli("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "newer than this program" in one_line(result)
    env["BOT_TOKEN"] = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
    result = cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "newer than this program" in one_line(result)
    assert env["BOT_TOKEN"] not in result.stderr
