"""Weekly digest delivery: find due projects, claim each (project, week) once, render, send.

Exactly once per project and week: the claim is a row in storage written before sending, so a
restart neither repeats a sent digest nor forgets a due one (due-ness is recomputed from the
schedule at every tick, and a tick runs at start). A 403 pauses the project and tells the owner.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile

from bot.delivery import RateLimiter, send_with_retry
from bot.i18n import get_translator
from bot.rendering import Renderer
from bot.services.digest import Digest, load_digest_input
from kpi import weeks
from kpi.weeks import current_week
from storage.base import Storage
from storage.models import Project, Role

log = logging.getLogger(__name__)
# Digests in flight at once: enough to keep both render workers busy while others are sent.
CONCURRENCY = 8


class DigestDelivery:
    def __init__(self, bot: Bot, storage: Storage, renderer: Renderer,
                 limiter: RateLimiter | None = None, concurrency: int = CONCURRENCY) -> None:
        self.bot = bot
        self.storage = storage
        self.renderer = renderer
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency

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
        if not await self.storage.claim_digest(project.id, week):
            return False
        if project.created_at > moment:
            # The project did not exist yet when this week's digest fell due: the first one
            # goes out at the next scheduled moment, not right after onboarding.
            await self.storage.finish_digest(project.id, week, sent=True)
            return False
        try:
            # The digest describes the week before its moment, however late it goes out.
            data = await load_digest_input(self.storage, project, now=moment)
            digest = await self.renderer.digest(data)
            chat_id = project.channel_chat_id or await self.owner_id(project.id)
            if chat_id is None:
                await self.storage.finish_digest(project.id, week, sent=True)
                return False
            await self.send(chat_id, digest)
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
        await self.storage.finish_digest(project.id, week, sent=True)
        log.info("project %s: digest for week %s sent", project.id, week - timedelta(weeks=1))
        return True

    async def send(self, chat_id: int, digest: Digest) -> None:
        photo = BufferedInputFile(digest.png, filename="digest.png")
        await send_with_retry(chat_id, lambda: self.bot.send_photo(
            chat_id, photo, caption=digest.caption), limiter=self.limiter)
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
