"""Group commit: the writes that queue up while the connection is busy go to the database
together, in one transaction and one hop to the connection's thread.

Under a burst (a Monday morning, hundreds of people typing their numbers) this replaces a
transaction and two thread switches per write with one per group; a write that arrives on an
idle connection goes alone, at once, so nothing waits for a batch to fill. A write that
raises is rolled back alone and gets its exception, the others commit (`apply_together`).
Every caller learns its result only after COMMIT returned — a reply that says "saved" is never
sent for a number that is not in the database yet.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

Write = tuple[Callable[..., Any], tuple[Any, ...]]
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception it raised)


def apply_together(conn: sqlite3.Connection, writes: list[Write]) -> list[Outcome]:
    """On the connection's thread: the writes in one transaction. Writes almost never fail, so
    they first run side by side; if one raises, that attempt is rolled back and the group runs
    again with every write in its own savepoint, so only the failing one is undone (the writes
    are plain functions of the connection and their arguments: running one again after a
    rollback does the same)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        try:
            outcomes: list[Outcome] = [(True, fn(conn, *args)) for fn, args in writes]
        except Exception:
            conn.execute("ROLLBACK")
            conn.execute("BEGIN IMMEDIATE")
            outcomes = _each_in_a_savepoint(conn, writes)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _each_in_a_savepoint(conn: sqlite3.Connection, writes: list[Write]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for fn, args in writes:
        conn.execute("SAVEPOINT one_write")
        try:
            outcomes.append((True, fn(conn, *args)))
        except Exception as exc:  # this write's own failure: undo it, keep the others
            conn.execute("ROLLBACK TO one_write")
            outcomes.append((False, exc))
        conn.execute("RELEASE one_write")
    return outcomes


Runner = Callable[[list[Write]], Awaitable[list[Outcome]]]


class GroupCommit:
    """Queues writes and hands each group to `run` (which holds the connection) in turn."""

    def __init__(self, run: Runner) -> None:
        self._run = run
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.groups = 0  # how many transactions the writes took (for tests and benchmarks)
        self.writes = 0

    async def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, args, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="storage-group-commit")
        return await future

    async def drain(self) -> None:
        """Wait until every queued write is done (before closing the connection)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            self.groups += 1
            self.writes += len(group)
            try:
                outcomes = await self._run([(fn, args) for fn, args, _ in group])
            except BaseException as exc:  # the transaction itself failed: nothing was written
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, _, future), (ok, value) in zip(group, outcomes, strict=True):
                if future.done():  # its caller was cancelled; the write stands
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
