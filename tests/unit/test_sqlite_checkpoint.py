"""storage.sqlite_checkpoint: the bot's connection never checkpoints inside a commit; the
checkpointer's own connection keeps the WAL short, and closing leaves no log behind."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from storage.sqlite import SqliteStorage
from storage.sqlite_checkpoint import BACKSTOP_PAGES


async def _write_users(storage: SqliteStorage, first: int, count: int) -> None:
    # one transaction each (awaited in turn), as a stream of small entries would come
    for user_id in range(first, first + count):
        await storage.set_user_language(user_id, "en")


async def _until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_the_bots_connection_leaves_checkpoints_to_the_checkpointer(
        tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    try:
        assert (await storage.query_one("PRAGMA wal_autocheckpoint"))[0] == BACKSTOP_PAGES
        assert storage.checkpointer is not None
        storage.checkpointer.interval = 0.05
        await _write_users(storage, 1, 50)
        await _until(storage.checkpointer.caught_up)
        assert storage.checkpointer.checkpoints >= 1
        with sqlite3.connect(tmp_path / "bot.db") as other:  # everything is in the file now
            busy, in_log, copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and in_log == copied
    finally:
        await storage.close()


async def test_the_log_starts_again_between_bursts(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    wal = tmp_path / "bot.db-wal"
    try:
        checkpointer = storage.checkpointer
        assert checkpointer is not None
        checkpointer.interval = 0.05
        sizes = []
        for burst in range(4):  # about 600 pages each; without checkpoints: 2,400 in the log
            await _write_users(storage, burst * 1000, 300)
            await _until(checkpointer.caught_up)  # a checkpoint after the burst's last write
            sizes.append(wal.stat().st_size)
        assert max(sizes) < 1.5 * sizes[0]  # each burst wrote the log again from its start
    finally:
        await storage.close()


async def test_close_leaves_no_log_and_keeps_every_write(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    await _write_users(storage, 1, 120)
    await storage.close()
    assert not (tmp_path / "bot.db-wal").exists()
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT count(*) FROM users WHERE language = 'en'").fetchone() == (120,)


async def test_an_in_memory_database_has_no_checkpointer() -> None:
    storage = SqliteStorage(":memory:")
    await storage.connect()
    try:
        assert storage.checkpointer is None
    finally:
        await storage.close()
