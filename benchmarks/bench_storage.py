"""3. Storage at scale: projects × 6 metrics × 104 weeks (and their batches, entries and sent
digests) bulk-loaded into a temp SQLite file; the queries measured are the storage API's."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import Result, bulk_load, median, migrated_db, monday, utc_now
from bot.services.digest import load_digest_input
from storage.models import BatchSource, NewValue
from storage.sqlite import SqliteStorage, due_week

WEEKS = 104


def top_functions(profile: cProfile.Profile, limit: int = 12) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


async def time_due(storage: SqliteStorage, now: datetime, runs: int = 5) -> tuple[float, int]:
    """(median ms, how many were due) of due_projects(now)."""
    times, count = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        count = len(await storage.due_projects(now))
        times.append(time.perf_counter() - t)
    return median(times) * 1000, count


async def run(quick: bool, profile: bool = False) -> list[Result]:
    projects = 1000 if quick else 10_000
    samples = 300 if quick else 1000
    rng = random.Random(1)
    now = utc_now()
    this_week = monday(now.date())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.db"
        await migrated_db(path)
        start = time.perf_counter()
        bulk_load(path, projects, WEEKS, now=now)
        load_s = time.perf_counter() - start
        size_mb = sum(p.stat().st_size for p in Path(folder).glob("scale.db*")) / 2**20
        storage = SqliteStorage(path)
        await storage.connect()
        try:
            ids = [rng.randrange(1, projects + 1) for _ in range(samples)]
            # one digest's data query: the 13 weeks load_digest_input asks for
            since, until = this_week - timedelta(weeks=13), this_week
            times = []
            for pid in ids:
                t = time.perf_counter()
                rows = await storage.get_values(pid, since=since, until=until)
                times.append(time.perf_counter() - t)
            assert len(rows) == 13 * 6, len(rows)
            get_values_ms = median(times) * 1000

            times = []
            for pid in ids[:100]:
                project = await storage.get_project(pid)
                t = time.perf_counter()
                await load_digest_input(storage, project, now=now)
                times.append(time.perf_counter() - t)
            load_input_ms = median(times) * 1000

            # Catch-up: this week's digests not sent yet (as after the bot was down all week).
            catch_up_ms, backlog = await time_due(storage, now)
            # Steady state, what the scheduler's tick meets every minute: every digest whose
            # moment has passed went out.
            for project in await storage.due_projects(now):
                week = due_week(project.timezone, project.schedule_weekday,
                                project.schedule_time, now)
                assert week is not None and await storage.claim_digest(project.id, week)
                await storage.finish_digest(project.id, week, sent=True)
            due_ms, due_count = await time_due(storage, now)
            prof = cProfile.Profile()
            prof.enable()
            await storage.due_projects(now)
            prof.disable()
            due_profile = top_functions(prof)

            times = []
            for i, pid in enumerate(ids):
                values = [NewValue(this_week, "reach", 12500.0 + i),
                          NewValue(this_week, "leads", 17.0)]
                t = time.perf_counter()
                await storage.save_batch(pid, 1_000_000 + pid, BatchSource.MESSAGE, values,
                                         update_id=10_000_000 + i)
                times.append(time.perf_counter() - t)
            save_ms = median(times) * 1000
        finally:
            await storage.close()
    if profile or due_ms > 10:
        print(f"\n--- cProfile: due_projects at {projects} projects ---\n{due_profile}",
              file=sys.stderr)
    scale = f"{projects} projects × 6 metrics × {WEEKS} weeks"
    return [
        Result("storage: get_values 13 weeks (median)", get_values_ms, "ms", target=2,
               higher_is_better=False,
               note=f"{scale}; bulk load {load_s:.0f} s; DB {size_mb:.0f} MB; full "
                    f"load_digest_input median {load_input_ms:.2f} ms"),
        Result("storage: due_projects(now), scheduler tick (median)", due_ms, "ms", target=10,
               higher_is_better=False,
               note=f"{due_count} of {projects} due; every digest whose moment has passed "
                    "was sent, as each minute's tick finds it"),
        Result("storage: due_projects(now), week backlog (median)", catch_up_ms, "ms",
               note=f"{backlog} of {projects} due: none of this week's digests sent yet"),
        Result("storage: save_batch 2 values (median)", save_ms, "ms", target=1,
               higher_is_better=False),
        Result("storage: DB size", size_mb, "MB", note=scale),
    ]
