"""APScheduler wiring: jobs every minute send reminders and deliver the digests that are due.

The job holds no state of its own: what is due and what was sent live in storage, so a missed
run, a restart or two overlapping processes cannot skip or repeat a digest.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest_job import DigestDelivery
from bot.reminder_job import ReminderJob

TICK_SECONDS = 60


def create_scheduler(delivery: DigestDelivery, reminders: ReminderJob) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(reminders.remind_due, IntervalTrigger(seconds=TICK_SECONDS),
                      id="send-due-reminders", max_instances=1, coalesce=True,
                      misfire_grace_time=TICK_SECONDS)
    # Digests tick every half lease (at most every minute), so the claim of an instance that
    # died is taken over within about 1.5 leases.
    digest_tick = min(TICK_SECONDS, delivery.lease.total_seconds() / 2)
    scheduler.add_job(delivery.deliver_due, IntervalTrigger(seconds=digest_tick),
                      id="deliver-due-digests", max_instances=1, coalesce=True,
                      misfire_grace_time=TICK_SECONDS)
    return scheduler
