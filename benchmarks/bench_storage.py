"""3. Storage at scale: projects × 6 metrics × 104 weeks (and their batches, entries and sent
digests) bulk-loaded into a temp SQLite file; the queries measured are the storage API's.
`run_postgres` (group "storage-pg"): the same database moved into a fresh PostgreSQL database
by `copy-db` (its throughput is a row of its own), then the same queries measured there."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.common import Result, bulk_load, median, migrated_db, monday, utc_now
from bot.services.digest import load_digest_input
from storage.base import Storage
from storage.models import BatchSource, NewValue
from storage.sqlite import SqliteStorage, due_week

WEEKS = 104
# The server the "storage-pg" group uses (a database of its own is created and dropped).
PG_URL = os.environ.get("SMM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def top_functions(profile: cProfile.Profile, limit: int = 12) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


async def time_due(storage: Storage, now: datetime, runs: int = 5) -> tuple[float, int]:
    """(median ms, how many were due) of due_projects(now)."""
    times, count = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        count = len(await storage.due_projects(now))
        times.append(time.perf_counter() - t)
    return median(times) * 1000, count


@dataclass
class Measured:
    get_values_ms: float
    load_input_ms: float
    catch_up_ms: float
    backlog: int
    due_ms: float
    due_count: int
    due_profile: str
    save_ms: float


async def measure(storage: Storage, projects: int, samples: int, now: datetime) -> Measured:
    """The storage API's hot queries on a loaded database, either backend."""
    rng = random.Random(1)
    this_week = monday(now.date())
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
        assert project is not None
        t = time.perf_counter()
        await load_digest_input(storage, project, now=now)
        times.append(time.perf_counter() - t)
    load_input_ms = median(times) * 1000

    # Catch-up: this week's digests not sent yet (as after the bot was down all week).
    catch_up_ms, backlog = await time_due(storage, now)
    # Steady state, what the scheduler's tick meets: every digest whose moment has passed
    # went out.
    for project in await storage.due_projects(now):
        week = due_week(project.timezone, project.schedule_weekday, project.schedule_time, now)
        assert week is not None and await storage.claim_digest(project.id, week)
        await storage.finish_digest(project.id, week, sent=True)
    due_ms, due_count = await time_due(storage, now)
    prof = cProfile.Profile()
    prof.enable()
    await storage.due_projects(now)
    prof.disable()

    times = []
    for i, pid in enumerate(ids):
        values = [NewValue(this_week, "reach", 12500.0 + i), NewValue(this_week, "leads", 17.0)]
        t = time.perf_counter()
        await storage.save_batch(pid, 1_000_000 + pid, BatchSource.MESSAGE, values,
                                 update_id=10_000_000 + i)
        times.append(time.perf_counter() - t)
    return Measured(get_values_ms, load_input_ms, catch_up_ms, backlog, due_ms, due_count,
                    top_functions(prof), median(times) * 1000)


def results(m: Measured, projects: int, backend: str, profile: bool, load_note: str,
            targets: bool = True) -> list[Result]:
    """The rows of one backend. `backend` is "" for SQLite (the names the README's table
    uses) or " [postgresql]"."""
    if profile or m.due_ms > 10:
        print(f"\n--- cProfile: due_projects at {projects} projects{backend} ---\n"
              f"{m.due_profile}", file=sys.stderr)
    scale = f"{projects} projects × 6 metrics × {WEEKS} weeks"
    return [
        Result(f"storage{backend}: get_values 13 weeks (median)", m.get_values_ms, "ms",
               target=2 if targets else None, higher_is_better=False,
               note=f"{scale}; {load_note}full load_digest_input median "
                    f"{m.load_input_ms:.2f} ms"),
        Result(f"storage{backend}: due_projects(now), scheduler tick (median)", m.due_ms, "ms",
               target=10 if targets else None, higher_is_better=False,
               note=f"{m.due_count} of {projects} due; every digest whose moment has passed "
                    "was sent, as each tick finds it"),
        Result(f"storage{backend}: due_projects(now), week backlog (median)", m.catch_up_ms,
               "ms", note=f"{m.backlog} of {projects} due: none of this week's digests sent"),
        Result(f"storage{backend}: save_batch 2 values (median)", m.save_ms, "ms",
               target=1 if targets else None, higher_is_better=False),
    ]


async def run(quick: bool, profile: bool = False) -> list[Result]:
    projects = 1000 if quick else 10_000
    samples = 300 if quick else 1000
    now = utc_now()
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
            measured = await measure(storage, projects, samples, now)
        finally:
            await storage.close()
    scale = f"{projects} projects × 6 metrics × {WEEKS} weeks"
    return [*results(measured, projects, "", profile,
                     f"bulk load {load_s:.0f} s; DB {size_mb:.0f} MB; "),
            Result("storage: DB size", size_mb, "MB", note=scale)]


async def run_postgres(quick: bool, profile: bool = False) -> list[Result]:
    """The same load on PostgreSQL: bulk-loaded into SQLite as above, moved by copy-db into a
    database of its own on PG_URL's server (dropped at the end), then measured."""
    import asyncpg

    from storage.copydb import copy_database
    from storage.postgres import PostgresStorage

    projects = 1000 if quick else 10_000
    samples = 300 if quick else 1000
    now = utc_now()
    name = f"smm_bench_{os.getpid()}_{secrets.token_hex(4)}"
    url = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(PG_URL, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "scale.db"
                await migrated_db(path)
                bulk_load(path, projects, WEEKS, now=now)
                start = time.perf_counter()
                copied = await copy_database(f"sqlite:///{path}", url)
                copy_s = time.perf_counter() - start
            size_mb = await admin.fetchval("SELECT pg_database_size($1)", name) / 2**20
            storage = PostgresStorage(url)
            await storage.connect()
            try:
                measured = await measure(storage, projects, samples, now)
            finally:
                await storage.close()
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    backend = " [postgresql]"
    rate = copied.rows / copy_s
    # No targets: the same queries beside SQLite's; PostgreSQL pays a network round trip.
    return [*results(measured, projects, backend, profile,
                     f"DB {size_mb:.0f} MB; ", targets=False),
            Result("copy-db SQLite → PostgreSQL (rows/s)", rate, "rows/s",
                   note=f"{copied.rows} rows in {copy_s:.0f} s, checksums of both sides "
                        "compared, one transaction")]
