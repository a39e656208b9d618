"""2. Message handling: the text entry "охват 12 500, лиды 17" from many distinct users through
the real Dispatcher (all routers and middlewares, SQLite storage and FSM, our Poller) and a
real Bot, vs a bare aiogram echo bot. Each side runs alone in a fresh process
(`benchmarks.handling_worker`), polling the loopback fake, which runs in a third process.

Throughput: a burst of updates queued before polling starts, first handler entry → last exit,
best of three runs per side, interleaved. Latency: an outermost update middleware times every
update; the target is checked at a paced load (the burst p99 is only queueing behind the
burst, reported for information).
"""

from __future__ import annotations

import asyncio
import json
import os
import pstats
import secrets
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.bench_storage import PG_URL
from benchmarks.common import Result, bulk_load, migrated_db, percentile, utc_now
from benchmarks.handling_worker import TOKEN
from benchmarks.procs import FakeServer
from tests.botapi.fake import DEFAULT_TOKEN

USER_BASE = 1_000_000
assert TOKEN == DEFAULT_TOKEN


@dataclass
class Run:
    latencies: list[float]
    first: float
    last: float
    cpu: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / (self.last - self.first)

    @property
    def cpu_ms(self) -> float:
        return self.cpu / len(self.latencies) * 1000


async def drive(kind: str, *, users: int, per_user: int, push_rate: float,
                db_path: Path | str | None = None, profile_to: Path | None = None) -> Run:
    expected = users * per_user
    fake = await FakeServer.start(users=users, messages_per_user=per_user, push_rate=push_rate,
                                  user_base=USER_BASE)
    try:
        args = [sys.executable]
        if profile_to:
            args += ["-m", "cProfile", "-o", str(profile_to)]
        args += ["-m", "benchmarks.handling_worker", kind, fake.url, str(expected)]
        if db_path:
            args.append(str(db_path))
        worker = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(worker.communicate(), 600)
        if worker.returncode != 0:
            raise RuntimeError(f"{kind} worker failed ({worker.returncode})")
        data = json.loads(out.decode().strip().splitlines()[-1])
        answered = await fake.count("sendmessage")
        if answered < expected or data["errors"]:
            raise RuntimeError(f"{kind}: {answered}/{expected} replies, "
                               f"{data['errors']} handler errors")
        return Run(data["latencies"], data["first"], data["last"], data["cpu"])
    finally:
        await fake.stop()


async def run(quick: bool, profile: bool = False) -> list[Result]:
    """SQLite, the embedded default: every bot run starts from a copy of one bulk-loaded
    file."""
    users = 300 if quick else 1000
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        await migrated_db(template)
        bulk_load(template, users, 13, now=utc_now(), user_base=USER_BASE)

        async def fresh_db(name: str) -> str:
            # every bot run starts from the same data: update ids restart with each fake, and
            # a replayed update id is (rightly) not saved again
            path = Path(folder) / f"{name}.db"
            shutil.copyfile(template, path)
            return str(path)

        return await measure_sides(quick, profile, fresh_db, Path(folder), "", targets=True)


async def run_postgres(quick: bool, profile: bool = False) -> list[Result]:
    """The same on PostgreSQL (SMM_BENCH_POSTGRES_URL's server): the bulk-loaded SQLite file is
    moved with copy-db into a fresh database for every bot run; all are dropped at the end.
    Reported beside SQLite, without targets of its own."""
    import asyncpg

    from storage.copydb import copy_database

    users = 300 if quick else 1000
    admin = await asyncpg.connect(PG_URL, timeout=10)
    created: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            template = Path(folder) / "template.db"
            await migrated_db(template)
            bulk_load(template, users, 13, now=utc_now(), user_base=USER_BASE)

            async def fresh_db(name: str) -> str:
                database = f"smm_bench_{os.getpid()}_{name}_{secrets.token_hex(3)}"
                await admin.execute(f'CREATE DATABASE "{database}"')
                created.append(database)
                url = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{database}"))
                await copy_database(f"sqlite:///{template}", url)
                return url

            return await measure_sides(quick, profile, fresh_db, Path(folder), " [postgresql]",
                                       targets=False)
    finally:
        for database in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def measure_sides(quick: bool, profile: bool, fresh_db: Callable[[str], Awaitable[str]],
                        folder: Path, backend: str, *, targets: bool) -> list[Result]:
    """Burst throughput (best of `rounds`, bot and echo interleaved) and paced latency."""
    users, per_user = (300, 4) if quick else (1000, 5)
    paced_rate, paced_per_user = 100.0, 2 if quick else 5
    rounds = 3
    bots, echoes = [], []
    for i in range(rounds):  # interleaved: a disturbance on the machine hits both alike
        bots.append(await drive("bot", users=users, per_user=per_user, push_rate=0,
                                db_path=await fresh_db(f"burst{i}")))
        echoes.append(await drive("echo", users=users, per_user=per_user, push_rate=0))
    if profile:
        prof = folder / "bot.prof"
        await drive("bot", users=users, per_user=per_user, push_rate=0,
                    db_path=await fresh_db("profiled"), profile_to=prof)
        print(f"\n--- cProfile: real bot{backend}, burst (top 30 by own time) ---",
              file=sys.stderr)
        pstats.Stats(str(prof), stream=sys.stderr).sort_stats("tottime").print_stats(30)
        pstats.Stats(str(prof), stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    paced = await drive("bot", users=users, per_user=paced_per_user, push_rate=paced_rate,
                        db_path=await fresh_db("paced"))
    echo_paced = await drive("echo", users=users, per_user=paced_per_user, push_rate=paced_rate)

    bot, echo = max(bots, key=lambda r: r.rate), max(echoes, key=lambda r: r.rate)
    n = users * per_user
    return [
        Result(f"handling{backend}: throughput (burst)", bot.rate, "upd/s", baseline=echo.rate,
               note=f"{n} updates from {users} users, best of {rounds} runs each in a fresh "
                    f"process (bot: {', '.join(f'{r.rate:.0f}' for r in bots)}; echo: "
                    f"{', '.join(f'{r.rate:.0f}' for r in echoes)}); CPU per update: bot "
                    f"{bot.cpu_ms:.2f} ms, echo {echo.cpu_ms:.2f} ms"),
        Result(f"handling{backend}: throughput ratio bot/echo", bot.rate / echo.rate, "×",
               target=0.5 if targets else None),
        Result(f"handling{backend}: p99 latency @ {paced_rate:.0f} upd/s",
               percentile(paced.latencies, 99) * 1000, "ms", target=20 if targets else None,
               higher_is_better=False, baseline=percentile(echo_paced.latencies, 99) * 1000,
               note=f"{len(paced.latencies)} updates, p50 "
                    f"{percentile(paced.latencies, 50) * 1000:.1f} ms (echo p50 "
                    f"{percentile(echo_paced.latencies, 50) * 1000:.1f} ms)"),
        Result(f"handling{backend}: p99 latency in burst", percentile(bot.latencies, 99) * 1000,
               "ms", baseline=percentile(echo.latencies, 99) * 1000,
               note="queueing behind the burst; informational"),
    ]
