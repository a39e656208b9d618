"""Long polling that confirms an update to Telegram only after it was handled.

aiogram's own polling passes `offset = last fetched update_id + 1` with the very next
getUpdates, while the handlers of the fetched updates still run as tasks: a process killed
then loses them, because Telegram never delivers a confirmed update again. Here the offset
never passes an update whose handler has not finished. It is the lowest update_id still being
handled (or cancelled unfinished at shutdown), or one past the last one fetched when nothing
is pending. Handlers still run concurrently, one task per update, through aiogram's
`Dispatcher.feed_update`; a handler that raises counts as handled (logged), so one bad update
cannot come back forever.

Telegram returns every unconfirmed update from the offset on, so a poll brings the updates
still being handled again: they are recognised by update_id in the raw answer
(`RawGetUpdates`) and neither validated again nor started twice. Such a poll returns at
once; when it brought nothing new, or a full page (nothing more can come before the offset
moves), the next one waits until the lowest pending update is finished (the offset can move)
or BUSY_POLL_INTERVAL passed, so a slow handler costs a few cheap polls a second, not a busy
loop, and a burst's page is not fetched twice in a row. getUpdates returns at most 100
updates, so a handler that is still running when 100 later updates arrive delays the ones
after them; it never loses them. A handler running longer than MAX_HOLD seconds (hung, which
no handler should be) stops holding the offset back, so it cannot stall the bot for good.

Telegram learns the offset only with the next getUpdates, so a crash can also bring back
updates that were already handled. With a `journal` (the storage), every finished update is
remembered durably until Telegram confirmed it, and such updates are skipped after a restart:
a handler that is not idempotent by itself (/new, an invite, a setting) runs once per update,
unless the process dies in the NOTE_GATHER seconds between its end and that note. The note
is written behind the handler, not awaited by it: the offset does not wait for its commit (a
confirmed update never comes again, so a note that lands after the confirmation changes
nothing), and the notes of NOTE_GATHER seconds go in one write.

Network and API errors are retried with aiogram's backoff. `stop()` (the signal handlers in
`bot.app` call it) ends `run()` at once, without taking further updates; the caller lets the
running handlers finish (`running()`), then `confirm()` tells Telegram what was handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

POLL_TIMEOUT = 10  # seconds a long poll waits at Telegram (aiogram's start_polling default)
BUSY_POLL_INTERVAL = 0.2  # seconds between polls that only bring updates still being handled
CONFIRM_TIMEOUT = 5  # seconds for the last getUpdates that confirms the handled updates
MAX_HOLD = 300.0  # seconds a running handler may keep later updates unconfirmed
UPDATES_PER_POLL = 100  # what getUpdates returns at most (its default and largest limit)
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)  # aiogram's
NOTE_GATHER = 0.05  # seconds the journal writer gathers finished updates into one note
JOURNAL_PRUNE_INTERVAL = 30.0  # seconds between deletions of confirmed journal entries


class RawGetUpdates(GetUpdates):
    """getUpdates whose answer stays plain JSON objects. In a burst most updates of a poll are
    still being handled from an earlier one; validating them again as `Update` models took
    most of the poller's time, so only the fresh ones become models (`Poller._poll`)."""

    __returning__ = list[dict[str, Any]]


class UpdateJournal(Protocol):
    """Durable note of handled updates (`storage.base.Storage` implements it)."""

    async def mark_updates_handled(self, update_ids: Sequence[int]) -> None: ...

    async def handled_updates(self) -> set[int]: ...

    async def forget_updates_below(self, update_id: int) -> None: ...


class Poller:
    """Fetch updates for one bot and feed them to the dispatcher, see the module docstring."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *,
                 allowed_updates: list[str] | None = None, timeout: int = POLL_TIMEOUT,
                 backoff: BackoffConfig = BACKOFF, max_hold: float = MAX_HOLD,
                 journal: UpdateJournal | None = None, **data: Any) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.backoff = backoff
        self.max_hold = max_hold
        self.journal = journal
        self._pruned_at = -JOURNAL_PRUNE_INTERVAL  # monotonic time of the last journal pruning
        self.data = data  # extra keyword data for handlers, as start_polling's **kwargs
        self._tasks: dict[int, asyncio.Task[None]] = {}  # update_id -> its running handler
        self._to_note: list[int] = []  # finished updates the next journal note will take
        self._noter: asyncio.Task[None] | None = None  # the one writing journal notes
        self._started: dict[int, float] = {}  # update_id -> when its handler started
        self._unfinished: set[int] = set()  # cancelled before the end: must come again
        self._finished: set[int] = set()  # done, but a lower update is still pending
        self._next: int | None = None  # one past the last update_id fetched
        self._confirmed: int | None = None  # the offset Telegram last received
        self._progress = asyncio.Event()  # the lowest pending update finished
        self._stop = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """What getUpdates may confirm: every update below it was handled."""
        held_since = time.monotonic() - self.max_hold
        pending = {i for i in self._tasks if self._started[i] > held_since} | self._unfinished
        return min(pending) if pending else self._next

    def running(self) -> list[asyncio.Task[None]]:
        """Handlers still running, and journal notes not yet written (a stop waits for both)."""
        return [task for task in [*self._tasks.values(), self._noter]
                if task is not None and not task.done()]

    def stop(self) -> None:
        """Take no more updates; `run()` returns soon. Safe to call more than once."""
        self._stop.set()

    async def run(self) -> None:
        """Poll and dispatch until `stop()`. Handlers still running are left to the caller."""
        backoff = Backoff(self.backoff)
        failed = False
        if self.journal is not None:
            self._finished |= await self.journal.handled_updates()
        log.info("polling for updates (allowed: %s)", self.allowed_updates or "all")
        while not self._stop.is_set():
            try:
                updates = await self._unless_stopped(self._poll())
            except Exception as exc:  # any failure: wait, then poll again
                failed = True
                log.error("failed to fetch updates - %s: %s", type(exc).__name__, exc)
                log.warning("sleep for %.1f s and try again (tryings = %d)",
                            backoff.next_delay, backoff.counter)
                await self._unless_stopped(backoff.asleep())
                continue
            if updates is None or self._stop.is_set():
                break
            if failed:
                log.info("connection established (tryings = %d)", backoff.counter)
                backoff.reset()
                failed = False
            fresh = self._fresh(updates)
            for update in fresh:
                self._start(update)
            if updates and (not fresh or len(updates) >= UPDATES_PER_POLL):
                # Only updates still being handled came back, or a full page: then nothing
                # more can come before the offset moves (the next poll would only bring this
                # page again), so wait until the lowest pending update is done.
                with contextlib.suppress(TimeoutError):
                    await self._unless_stopped(
                        asyncio.wait_for(self._progress.wait(), BUSY_POLL_INTERVAL))
        log.info("polling stopped; %d update(s) still being handled", len(self.running()))

    async def confirm(self, timeout: int = CONFIRM_TIMEOUT) -> None:
        """After the handlers were drained: confirm the handled updates with one getUpdates
        that does not wait. Updates not handled (cancelled, never started) stay unconfirmed
        and come again after a restart."""
        offset = self.offset
        if offset is None or offset == self._confirmed:
            return
        method = GetUpdates(offset=offset, limit=1, timeout=0,
                            allowed_updates=self.allowed_updates)
        try:
            await self.bot(method, request_timeout=timeout)
        except Exception as exc:  # they come again after a restart: safe, just noisy
            log.warning("could not confirm handled updates below %d (%s: %s); Telegram will "
                        "deliver them again", offset, type(exc).__name__, exc)
            return
        self._confirmed = offset
        log.info("confirmed updates below %d", offset)

    # --- internals -------------------------------------------------------------------------------
    def _known(self, update_id: int) -> bool:
        return (update_id in self._tasks or update_id in self._finished
                or update_id in self._unfinished)

    def _fresh(self, raw: list[dict[str, Any]]) -> list[Update]:
        """The updates of a poll not seen before, as models; moves `_next` past all of them
        (handled before a restart or not, the offset may pass them now)."""
        if raw:
            self._next = max(self._next or 0, int(raw[-1]["update_id"]) + 1)
        return [Update.model_validate(item, context={"bot": self.bot}) for item in raw
                if not self._known(int(item["update_id"]))]

    async def _poll(self) -> list[dict[str, Any]]:
        offset = self.offset
        if offset is not None:  # what lies below is confirmed by this very request
            self._finished = {i for i in self._finished if i >= offset}
        self._progress.clear()
        method = RawGetUpdates(offset=offset, timeout=self.timeout,
                               allowed_updates=self.allowed_updates)
        # Wait longer than Telegram holds the long poll, as aiogram does.
        request_timeout = int(self.bot.session.timeout + self.timeout)
        updates = await self.bot(method, request_timeout=request_timeout)
        self._confirmed = offset
        await self._prune_journal()
        return updates

    async def _prune_journal(self) -> None:
        offset = self._confirmed
        if (self.journal is None or offset is None
                or time.monotonic() - self._pruned_at < JOURNAL_PRUNE_INTERVAL):
            return
        self._pruned_at = time.monotonic()
        try:
            await self.journal.forget_updates_below(offset)
        except Exception:  # only housekeeping: try again next time
            log.exception("could not prune the update journal")

    def _start(self, update: Update) -> None:
        update_id = update.update_id
        task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
        self._tasks[update_id] = task
        self._started[update_id] = time.monotonic()
        self._next = max(self._next or 0, update_id + 1)
        task.add_done_callback(lambda done: self._finish(update_id, done))

    async def _handle(self, update: Update) -> None:
        try:
            response = await self.dispatcher.feed_update(self.bot, update, **self.data)
            if isinstance(response, TelegramMethod):
                await self.dispatcher.silent_call_request(self.bot, response)
        except Exception:
            log.exception("update %d: handling failed", update.update_id)
        if self.journal is not None:
            self._note(update.update_id)

    def _note(self, update_id: int) -> None:
        """Note a finished update in the journal, behind the handler: not awaited, so the
        update counts as handled (and the offset may pass it) at once. If Telegram hears of
        the offset before the note is written, the update is confirmed and never comes again;
        if the process dies before both, it comes again and runs again, as it would if the
        note were awaited. One writer at a time takes what finished over NOTE_GATHER seconds:
        in a burst, replies come back one by one, and a note per reply was a transaction per
        update, most of the burst's commits."""
        self._to_note.append(update_id)
        if self._noter is None or self._noter.done():
            self._noter = asyncio.create_task(self._write_notes(), name="update-journal")

    async def _write_notes(self) -> None:
        assert self.journal is not None
        while self._to_note:
            with contextlib.suppress(TimeoutError):  # a stop writes what was gathered at once
                await asyncio.wait_for(self._stop.wait(), NOTE_GATHER)
            update_ids, self._to_note = self._to_note, []
            try:
                await self.journal.mark_updates_handled(update_ids)
            except Exception:  # then a crash could bring them back: the old at-least-once
                log.exception("updates %s: could not note them as handled", update_ids)

    def _finish(self, update_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.pop(update_id, None)
        if time.monotonic() - self._started.pop(update_id) > self.max_hold:
            log.warning("update %d: handler ran longer than %.0f s", update_id, self.max_hold)
        if task.cancelled():
            self._unfinished.add(update_id)
            return
        self._finished.add(update_id)
        if not self._tasks or update_id < min(self._tasks):
            self._progress.set()

    async def _unless_stopped(self, work: Awaitable[T]) -> T | None:
        """`await work`, unless stop() comes first: then it is cancelled and None returned."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return None if task.cancelled() else task.result()
