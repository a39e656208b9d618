"""WAL checkpoints beside the writes, not inside them.

SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages: that one
commit copies the log into the database file and syncs it, and every entry waiting on it
waits too (measured at 100 entries a second: the slowest entries took 30–39 ms with it and
17–20 ms without). The bot's connection moves that threshold to BACKSTOP_PAGES, and a
`Checkpointer` with its own connection, on its own thread, runs a PASSIVE checkpoint every
`interval` seconds in which the log was written to: a passive checkpoint never blocks a
writer or a reader, it copies what no reader still needs, and the log starts again from its
beginning with the next write after a complete one. So the log holds about a second of writes
instead of 1,000 pages, and its sync happens on the checkpointer's thread.

The log can only start again when a checkpoint finished before the next write began. Writes
that never pause (a long import) would keep that from happening and the log would grow; then
the automatic checkpoint at BACKSTOP_PAGES still runs in a commit, with little left to copy.

The log is durable either way (committed transactions are in it); a checkpoint only moves them
into the database file. When the bot's connection closes last, SQLite checkpoints everything
and removes the log, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL = 1.0  # seconds between looks at the log
BACKSTOP_PAGES = 10_000  # the bot's connection's wal_autocheckpoint (SQLite's default: 1,000)


class Checkpointer:
    def __init__(self, path: Path, *, interval: float = CHECKPOINT_INTERVAL) -> None:
        self.path = path
        self.wal = path.with_name(path.name + "-wal")
        self.interval = interval
        self.checkpoints = 0  # completed passive checkpoints (for tests and benchmarks)
        self._db: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._seen: tuple[int, int] | None = None  # the log's (size, mtime) at the last one

    async def start(self) -> None:
        db = await aiosqlite.connect(str(self.path), isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
        except BaseException:
            await db.close()
            raise
        self._db = db
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoints")

    async def stop(self) -> None:
        """Stop looking and close the connection (before the bot's own connection closes, so
        that one is the last and cleans the log up)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    def _log_state(self) -> tuple[int, int] | None:
        try:
            stat = self.wal.stat()
        except FileNotFoundError:
            return None
        return stat.st_size, stat.st_mtime_ns

    def caught_up(self) -> bool:
        """Whether everything written is in the database file (as of the last checkpoint
        that copied the whole log, nothing was written)."""
        return self._log_state() in (None, self._seen)

    async def checkpoint(self) -> bool:
        """One passive checkpoint; whether it copied the whole log."""
        assert self._db is not None
        async with self._db.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
            busy, in_log, copied = await cursor.fetchone()
        complete = not busy and copied == in_log
        if complete:
            self.checkpoints += 1
        return complete

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            state = self._log_state()
            if state is None or state == self._seen:
                continue  # nothing written since the last checkpoint
            try:
                if await self.checkpoint():
                    self._seen = state
            except Exception as exc:  # housekeeping: the log only grows until the next try
                log.warning("WAL checkpoint of %s failed (%s: %s); trying again later",
                            self.path.name, type(exc).__name__, exc)
