"""When digests and reminders fall due: the storage's due/claim queries with travelled time,
time zones with DST and fixed offsets, and the APScheduler wiring."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.digest_job import scheduled_moment
from bot.scheduler import TICK_SECONDS, create_scheduler
from storage.models import Project, ProjectKpi
from storage.sqlite import SqliteStorage, digest_moment

OWNER = 1001


@pytest.fixture
async def storage(tmp_path):
    storage = SqliteStorage(tmp_path / "bot.db")
    await storage.connect()
    yield storage
    await storage.close()


async def project_in(storage: SqliteStorage, tz: str, *, weekday: int = 0, at: time = time(10),
                     enabled: bool = True, reminder_hours: int | None = 24) -> Project:
    project = await storage.create_project(OWNER, tz, "reach", tz, "ru", [ProjectKpi("reach")])
    await storage.set_schedule(project.id, weekday=weekday, at=at, enabled=enabled,
                               reminder_hours=reminder_hours)
    return await storage.get_project(project.id)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("tz", "monday", "expected"), [
    ("Europe/Moscow", date(2026, 11, 16), utc(2026, 11, 16, 7)),
    ("America/New_York", date(2026, 10, 26), utc(2026, 10, 26, 14)),  # EDT
    ("America/New_York", date(2026, 11, 2), utc(2026, 11, 2, 15)),  # EST
    ("Europe/Berlin", date(2026, 3, 23), utc(2026, 3, 23, 9)),  # CET
    ("Europe/Berlin", date(2026, 3, 30), utc(2026, 3, 30, 8)),  # CEST since 29 Mar
    ("UTC+03:00", date(2026, 11, 16), utc(2026, 11, 16, 7)),
    ("UTC-05:30", date(2026, 11, 16), utc(2026, 11, 16, 15, 30)),
    ("UTC", date(2026, 11, 16), utc(2026, 11, 16, 10)),
])
async def test_digest_moment_in_utc(storage, tz, monday, expected):
    project = await project_in(storage, tz)
    now = expected + timedelta(days=2)
    assert digest_moment(project, now) == (monday, expected)
    assert scheduled_moment(project, monday) == expected


async def test_a_dst_gap_wall_time_is_read_with_the_offset_before_the_change(storage):
    # 02:30 on Sunday 29 March 2026 does not exist in Berlin.
    project = await project_in(storage, "Europe/Berlin", weekday=6, at=time(2, 30))
    week, moment = digest_moment(project, utc(2026, 3, 29, 12))
    assert week == date(2026, 3, 23)
    assert moment == utc(2026, 3, 29, 1, 30)
    assert scheduled_moment(project, week) == moment


async def test_due_exactly_from_the_moment_and_not_twice(storage):
    project = await project_in(storage, "Europe/Moscow")
    due = utc(2026, 11, 16, 7)
    assert await storage.due_projects(due - timedelta(seconds=1)) == []
    assert [p.id for p in await storage.due_projects(due)] == [project.id]
    assert await storage.claim_digest(project.id, date(2026, 11, 16))
    assert not await storage.claim_digest(project.id, date(2026, 11, 16))
    assert await storage.due_projects(due + timedelta(minutes=1)) == []
    await storage.finish_digest(project.id, date(2026, 11, 16), sent=True)
    assert await storage.due_projects(due + timedelta(days=6)) == []
    assert [p.id for p in await storage.due_projects(due + timedelta(days=7))] == [project.id]


async def test_a_failed_send_makes_the_project_due_again(storage):
    project = await project_in(storage, "Europe/Moscow")
    due = utc(2026, 11, 16, 7)
    assert await storage.claim_digest(project.id, date(2026, 11, 16))
    await storage.finish_digest(project.id, date(2026, 11, 16), sent=False)
    assert [p.id for p in await storage.due_projects(due)] == [project.id]


async def test_schedule_off_and_paused_projects_are_never_due(storage):
    off = await project_in(storage, "Europe/Moscow", enabled=False)
    paused = await project_in(storage, "Europe/Moscow")
    await storage.set_delivery_paused(paused.id, True)
    due = utc(2026, 11, 16, 8)
    assert await storage.due_projects(due) == []
    assert await storage.reminder_projects(due - timedelta(hours=2)) == []
    await storage.set_schedule(off.id, weekday=0, at=time(10), enabled=True, reminder_hours=24)
    assert [p.id for p in await storage.due_projects(due)] == [off.id]


async def test_new_york_due_moment_moves_with_dst(storage):
    project = await project_in(storage, "America/New_York")
    assert await storage.due_projects(utc(2026, 10, 26, 13, 59)) == []
    assert [p.id for p in await storage.due_projects(utc(2026, 10, 26, 14))] == [project.id]
    await storage.claim_digest(project.id, date(2026, 10, 26))
    await storage.finish_digest(project.id, date(2026, 10, 26), sent=True)
    # 10:00 EST on 2 Nov is 15:00 UTC; at 14:30 UTC it is 09:30 in New York.
    assert await storage.due_projects(utc(2026, 11, 2, 14, 30)) == []
    assert [p.id for p in await storage.due_projects(utc(2026, 11, 2, 15))] == [project.id]


async def test_reminder_window_and_once_per_person(storage):
    project = await project_in(storage, "Europe/Moscow", reminder_hours=6)
    due = utc(2026, 11, 16, 7)
    assert await storage.reminder_projects(due - timedelta(hours=6, seconds=1)) == []
    [(found, week)] = await storage.reminder_projects(due - timedelta(hours=6))
    assert (found.id, week) == (project.id, date(2026, 11, 16))
    assert await storage.reminder_projects(due) == []  # the digest itself is due now
    assert await storage.claim_reminder(project.id, week, OWNER)
    assert not await storage.claim_reminder(project.id, week, OWNER)
    assert await storage.claim_reminder(project.id, week, 2002)


@pytest.mark.parametrize(("lease", "digest_tick"), [(60, 30), (600, 60), (4, 2)])
def test_the_scheduler_ticks_without_overlap_digests_every_half_lease(lease: int,
                                                                        digest_tick: int):
    class Job:  # stand-ins with the coroutine methods and the lease the scheduler reads
        lease = timedelta(seconds=0)

        async def deliver_due(self, now=None):
            return 0

        async def remind_due(self, now=None):
            return 0

    job = Job()
    job.lease = timedelta(seconds=lease)
    scheduler = create_scheduler(job, job)  # type: ignore[arg-type]
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"deliver-due-digests", "send-due-reminders"}
    for j in jobs.values():
        assert isinstance(j.trigger, IntervalTrigger)
        assert j.max_instances == 1 and j.coalesce
    reminders = jobs["send-due-reminders"].trigger.interval
    assert reminders == timedelta(seconds=TICK_SECONDS) == timedelta(minutes=1)
    assert jobs["deliver-due-digests"].trigger.interval == timedelta(seconds=digest_tick)
    assert jobs["deliver-due-digests"].func == job.deliver_due
    assert jobs["send-due-reminders"].func == job.remind_due


def test_moscow_has_no_dst():
    assert ZoneInfo("Europe/Moscow").utcoffset(datetime(2026, 7, 1)) == timedelta(hours=3)
    assert ZoneInfo("Europe/Moscow").utcoffset(datetime(2026, 1, 1)) == timedelta(hours=3)


async def test_reminder_window_reaching_back_into_the_previous_week(storage):
    project = await project_in(storage, "Europe/Moscow", reminder_hours=24)
    sunday_noon = utc(2026, 11, 15, 9)  # 12:00 in Moscow, 22 h before Monday 10:00
    assert [p.id for p, _ in await storage.reminder_projects(sunday_noon)] == [project.id]
