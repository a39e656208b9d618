"""Weekly digest delivery: find due projects, claim each (project, week) once, render, send.

Exactly once per project and week: the claim is a row in storage written before rendering,
tagged with this process start's `boot` id, so a restart neither repeats a sent digest nor
forgets a due one (due-ness is recomputed from the schedule at every tick, and a tick runs at
start). A 403 pauses the project and tells the owner.

Crash safety: right before each sendPhoto attempt the claim is marked as started, and as soon
as Telegram returns the message it is marked 'sent' (the details text follows; it is never
repeated). At start, `release_abandoned` drops the claims of earlier boots that are not
'sent', so a digest whose process died while rendering or sending goes out again at once.
The one window that can still double a chart is a kill after Telegram accepted sendPhoto and
before the 'sent' mark is committed (the response on the wire plus one SQLite commit); such
releases are logged as warnings. One process per database is assumed: a second one started
while the first still sends would release the first one's claims.
"""

from __future__ import annotations

import asyncio
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
from storage.base import Storage
from storage.models import NewValue, Project, Role

log = logging.getLogger(__name__)
# Digests in flight at once: enough to keep both render workers busy while others are sent.
CONCURRENCY = 16


class DigestDelivery:
    def __init__(self, bot: Bot, storage: Storage, renderer: Renderer,
                 limiter: SendLimiter | None = None, concurrency: int = CONCURRENCY,
                 boot: str | None = None, webapp_url: str | None = None) -> None:
        self.bot = bot
        self.webapp_url = webapp_url  # WEBAPP_URL: a dashboard button under private digests
        self.storage = storage
        self.renderer = renderer
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.boot = boot or secrets.token_hex(8)  # this process start, written on each claim

    async def release_abandoned(self) -> int:
        """At start, before the first tick: the claims of earlier process starts that are not
        'sent' are dropped, so those digests are due again now (not after an hour)."""
        log.info("digest claims of this process are tagged %s", self.boot)
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
        if not await self.storage.claim_digest(project.id, week, boot=self.boot):
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
            await self.send_chart(project.id, week, chat_id, digest,
                                  InlineKeyboardMarkup(inline_keyboard=[[button]])
                                  if button else None)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            if isinstance(exc, TelegramBadRequest) and not lost_access(exc):
                log.exception("project %s: digest for %s rejected; will retry", project.id, week)
                await self.storage.finish_digest(project.id, week, sent=False)
                return False
            log.warning("project %s: chat refused the digest; delivery paused", project.id)
            await self.storage.finish_digest(project.id, week, sent=False)
            await self.storage.set_delivery_paused(project.id, True)
            await self.tell_owner(project, "delivery-paused-forbidden")
            return False
        except Exception:
            log.exception("project %s: digest for %s failed; will retry", project.id, week)
            await self.storage.finish_digest(project.id, week, sent=False)
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
                         digest: Digest, markup: InlineKeyboardMarkup | None = None) -> None:
        """The chart with its caption; the caller marks it sent at once. The claim is marked
        as started right before each attempt (after the rate limiter's wait), so that the
        span in which a kill leaves the outcome unknown is one request and one commit."""
        photo = BufferedInputFile(digest.png, filename="digest.png")

        async def attempt() -> Message:
            await self.storage.start_digest_send(project_id, week)
            return await self.bot.send_photo(chat_id, photo, caption=digest.caption,
                                             reply_markup=markup)

        await send_with_retry(chat_id, attempt, limiter=self.limiter)

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
