"""Weekly digest delivery: find due projects, claim each (project, week) once, render, send.

Exactly once per project and week: the claim is a row in storage written before rendering,
tagged with this process start's `boot` id, so a restart neither repeats a sent digest nor
forgets a due one (due-ness is recomputed from the schedule at every tick, and a tick runs at
start). A 403 pauses the project and tells the owner.

Crash safety: a claim is held by a lease (`lease`, DIGEST_LEASE_SECONDS) that a heartbeat
renews every third of it while this process delivers; a claim whose lease ran out belongs to
a dead process and any instance takes it over at its next tick (the digest tick runs every
half lease), so a digest whose instance died while rendering or sending goes out again within
about 1.5 leases, from whichever instance, and a live instance's claim never expires under it.
Right before each sendPhoto attempt the claim is marked as started — and checked to still be
this process's (a process stalled longer than its lease has lost it and sends nothing) — and
as soon as Telegram returns the message it is marked 'sent' (the details text follows; it is
never repeated). The one window that can still double a chart is a kill after Telegram
accepted sendPhoto and before the 'sent' mark is committed (the response on the wire plus one
commit). Each tick first drops (`release_abandoned`) and logs the claims whose lease ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import UTC, date, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.delivery import RateLimiter, SendLimiter, send_with_retry
from bot.i18n import get_translator
from bot.menu import dashboard_button
from bot.rendering import Renderer
from bot.services.digest import Digest, load_digest_input
from kpi import weeks
from kpi.weeks import current_week
from storage.base import DIGEST_LEASE, Storage
from storage.models import NewValue, Project, Role

log = logging.getLogger(__name__)
# Digests in flight at once: enough to keep both render workers busy while others are sent.
CONCURRENCY = 16


class DigestDelivery:
    def __init__(self, bot: Bot, storage: Storage, renderer: Renderer,
                 limiter: SendLimiter | None = None, concurrency: int = CONCURRENCY,
                 boot: str | None = None, webapp_url: str | None = None,
                 lease: timedelta = DIGEST_LEASE) -> None:
        self.bot = bot
        self.webapp_url = webapp_url  # WEBAPP_URL: a dashboard button under private digests
        self.storage = storage
        self.renderer = renderer
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.boot = boot or secrets.token_hex(8)  # this process start, written on each claim
        self.lease = lease
        self._waves = 0  # deliver_due calls in progress: the heartbeat runs while any does
        self._heartbeat: asyncio.Task[None] | None = None
        self._tag_logged = False

    async def release_abandoned(self) -> int:
        """At start and at every tick: the claims of other process starts whose lease ran out
        are dropped (and logged), so those digests are due again now."""
        if not self._tag_logged:
            log.info("digest claims of this process are tagged %s", self.boot)
            self._tag_logged = True
        released = await self.storage.release_digest_claims(self.boot)
        for project_id, week, started in released:
            if started:
                log.warning("project %s: digest for %s was being sent when the process died; "
                            "sending it again (it may arrive twice)", project_id, week)
            else:
                log.info("project %s: digest for %s abandoned before sending; due again",
                         project_id, week)
        return len(released)

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Deliver every due digest. Several projects are in flight at once, so charts render
        in the worker pool while earlier digests wait for their send slot; the shared limiter
        keeps the whole wave within Telegram's limits."""
        now = now or datetime.now(UTC)
        self._start_heartbeat()
        try:
            await self.release_abandoned()  # a dead instance's digests are due again
            return await self._deliver_wave(now)
        finally:
            await self._stop_heartbeat()

    def _start_heartbeat(self) -> None:
        self._waves += 1
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="digest-claim-heartbeat")

    async def _stop_heartbeat(self) -> None:
        self._waves -= 1
        if self._waves == 0 and self._heartbeat is not None:
            task, self._heartbeat = self._heartbeat, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _beat(self) -> None:
        """Renew this process's claims every third of the lease: two missed beats in a row
        still leave them held."""
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self.storage.renew_digest_claims(self.boot, self.lease)
            except Exception:  # the database is away for a moment: try again next beat
                log.warning("digest claims not renewed", exc_info=True)

    async def _deliver_wave(self, now: datetime) -> int:
        due = iter(await self.storage.due_projects(now))
        sent = 0

        async def worker() -> None:  # a fixed number of workers share one queue: memory stays flat
            nonlocal sent
            for project in due:
                delivered = await self.deliver(project, now)  # read `sent` only after the await
                sent += delivered

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return sent

    async def deliver(self, project: Project, now: datetime) -> bool:
        week = current_week(project.timezone, now)
        if scheduled_moment(project, week) > now:  # a late digest of last week
            week -= timedelta(weeks=1)
        moment = scheduled_moment(project, week)
        if not await self.storage.claim_digest(project.id, week, boot=self.boot,
                                               lease=self.lease):
            return False
        if project.created_at > moment:
            # The project did not exist yet when this week's digest fell due: the first one
            # goes out at the next scheduled moment, not right after onboarding.
            await self.storage.finish_digest(project.id, week, sent=True)
            return False
        await self.collect_subscribers(project, week - timedelta(weeks=1))
        try:
            # The digest describes the week before its moment, however late it goes out.
            data = await load_digest_input(self.storage, project, now=moment)
            digest = await self.renderer.digest(data)
            chat_id = project.channel_chat_id or await self.owner_id(project.id)
            if chat_id is None:
                await self.storage.finish_digest(project.id, week, sent=True)
                return False
            button = None if project.channel_chat_id else dashboard_button(
                self.webapp_url, get_translator(data.lang))
            if not await self.send_chart(project.id, week, chat_id, digest,
                                         InlineKeyboardMarkup(inline_keyboard=[[button]])
                                         if button else None):
                log.warning("project %s: digest claim for %s lost (lease ran out) before "
                            "sending; another instance has it", project.id, week)
                return False
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            if isinstance(exc, TelegramBadRequest) and not lost_access(exc):
                log.exception("project %s: digest for %s rejected; will retry", project.id, week)
                await self.storage.finish_digest(project.id, week, sent=False, boot=self.boot)
                return False
            log.warning("project %s: chat refused the digest; delivery paused", project.id)
            await self.storage.finish_digest(project.id, week, sent=False, boot=self.boot)
            await self.storage.set_delivery_paused(project.id, True)
            await self.tell_owner(project, "delivery-paused-forbidden")
            return False
        except Exception:
            log.exception("project %s: digest for %s failed; will retry", project.id, week)
            await self.storage.finish_digest(project.id, week, sent=False, boot=self.boot)
            return False
        # The chart is out: from here on nothing may release the claim again.
        await self.storage.finish_digest(project.id, week, sent=True)
        await self.send_details(chat_id, digest)
        log.info("project %s: digest for week %s sent", project.id, week - timedelta(weeks=1))
        return True

    async def collect_subscribers(self, project: Project, week: date) -> None:
        """A linked channel's subscriber count, taken when the digest of `week` goes out, as
        that week's Telegram followers — marked as collected, and never over a number a
        person entered for the week (issue 13). A failure here never stops the digest."""
        if project.channel_chat_id is None:
            return
        try:
            chat = await self.bot.get_chat(project.channel_chat_id)
            if chat.type != "channel":  # a group's members are not a channel's audience
                return
            count = await self.bot.get_chat_member_count(project.channel_chat_id)
            await self.storage.save_collected(project.id, NewValue(
                week, "followers", float(count), network="telegram"))
        except Exception:
            log.warning("project %s: channel subscribers not collected", project.id,
                        exc_info=True)

    async def send_chart(self, project_id: int, week: date, chat_id: int,
                         digest: Digest, markup: InlineKeyboardMarkup | None = None) -> bool:
        """The chart with its caption; the caller marks it sent at once. The claim is marked
        as started right before each attempt (after the rate limiter's wait), so that the
        span in which a kill leaves the outcome unknown is one request and one commit.
        False, with nothing sent, when the claim is no longer this process's."""
        photo = BufferedInputFile(digest.png, filename="digest.png")
        lost = False

        async def attempt() -> Message | None:
            nonlocal lost
            if not await self.storage.start_digest_send(project_id, week, boot=self.boot):
                lost = True
                return None
            return await self.bot.send_photo(chat_id, photo, caption=digest.caption,
                                             reply_markup=markup)

        await send_with_retry(chat_id, attempt, limiter=self.limiter)
        return not lost

    async def send_details(self, chat_id: int, digest: Digest) -> None:
        if not digest.details:
            return
        try:
            await send_with_retry(chat_id, lambda: self.bot.send_message(
                chat_id, digest.details), limiter=self.limiter)
        except Exception:
            # The chart went out: the digest counts as sent, never repeated for its tail.
            log.exception("chat %s: digest details not sent", chat_id)

    async def owner_id(self, project_id: int) -> int | None:
        members = await self.storage.list_members(project_id)
        return next((user for user, role in members if role is Role.OWNER), None)

    async def tell_owner(self, project: Project, key: str) -> None:
        owner = await self.owner_id(project.id)
        if owner is None or owner == project.channel_chat_id:
            return
        user = await self.storage.get_user(owner)
        t = get_translator((user.language if user else None) or project.language)
        try:
            await send_with_retry(owner, lambda: self.bot.send_message(
                owner, t(key, name=project.name, chat=project.channel_title or "")),
                limiter=self.limiter)
        except (TelegramForbiddenError, TelegramBadRequest):
            log.warning("project %s: owner %s unreachable too", project.id, owner)


def scheduled_moment(project: Project, week: date) -> datetime:
    """When the digest of the ISO week starting on `week` falls due, in UTC."""
    return weeks.scheduled_moment(project.timezone, week, project.schedule_weekday,
                                  project.schedule_time)


LOST_ACCESS_HINTS = ("not enough rights", "need administrator rights", "chat not found",
                     "have no rights", "chat_write_forbidden", "chat_admin_required")


def lost_access(error: TelegramBadRequest) -> bool:
    """A 400 that means the bot can no longer post there (rights taken away, chat gone)."""
    message = error.message.lower()
    return any(hint in message for hint in LOST_ACCESS_HINTS)
