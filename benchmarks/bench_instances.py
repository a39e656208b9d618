"""Group "scaled-2": the digest wave delivered by two real bot processes (`python -m bot run`,
webhook mode) sharing one PostgreSQL database and one Redis send limiter, to the loopback fake
with Telegram's limits on (a separate process).

N projects are due at the same minute (10,000; 2,000 with --quick). Measured at the fake: the
time from both instances being ready to the last chart, the charts' rate from first to last,
how many sends the fake's 30/s rule (Telegram's) refused with 429 and the most that arrived
and were accepted in any one second, and how many charts each project's chat got (exactly
one each is the guarantee).

Needs the servers of SMM_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test;
a database of its own is created and dropped) and SMM_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/9; keys under a fresh prefix, deleted at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from benchmarks.bench_digest import ABOUT_SIX_MINUTES, SEND_RATE
from benchmarks.bench_storage import PG_URL
from benchmarks.common import LIMIT, Result, bulk_load, migrated_db, utc_now
from benchmarks.procs import FakeServer
from bot.delivery import GLOBAL_PER_SECOND
from tests.botapi.fake import DEFAULT_TOKEN

REDIS_URL = os.environ.get("SMM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
INSTANCES = 2
REFUSED_AT_MOST = 0.01  # of a wave's messages refused with 429 (arrival jitter, not pacing)
READY_TIMEOUT = 120.0  # seconds for an instance to answer /readyz
LEASE = 60.0  # the production default: digests tick every 30 s
SLOW_SECOND = GLOBAL_PER_SECOND - 1  # sends in a second of the wave that fell behind the pace


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    """One `python -m bot run` process in webhook mode; its log goes to a file."""

    def __init__(self, n: int, env: dict[str, str], folder: Path) -> None:
        self.port = free_port()
        self.log_path = folder / f"instance{n}.log"
        self.env = {**env, "WEBHOOK_PORT": str(self.port)}
        self.proc: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    async def start(self) -> None:
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env, stdout=self._log,
            stderr=asyncio.subprocess.STDOUT)

    async def ready(self) -> bool:
        import aiohttp

        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{self.port}/readyz") as resp:
                return resp.status == 200
        except aiohttp.ClientError:
            return False

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._log is not None:
            self._log.close()

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


async def run(quick: bool) -> list[Result]:
    import asyncpg
    from redis.asyncio import Redis

    from storage.copydb import copy_database

    n = 2000 if quick else 10_000
    database = f"smm_bench_{os.getpid()}_{secrets.token_hex(4)}"
    url = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{database}"))
    prefix = f"smm-bench-{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_URL, timeout=10)
    redis = Redis.from_url(REDIS_URL)
    await redis.ping()  # fail now, loudly, without a Redis
    instances: list[Instance] = []
    fake: FakeServer | None = None
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        with tempfile.TemporaryDirectory() as folder:
            sqlite_path = Path(folder) / "scaled.db"
            await migrated_db(sqlite_path)
            bulk_load(sqlite_path, n, 13, now=utc_now(), all_due=True)
            await copy_database(f"sqlite:///{sqlite_path}", url)
            fake = await FakeServer.start(users=n, rate_limit=True)
            env = {**os.environ, "BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_URL": fake.url,
                   "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix,
                   "WEBHOOK_URL": "https://bot.example", "WEBHOOK_SECRET": secrets.token_hex(16),
                   "WEBHOOK_HOST": "127.0.0.1", "DIGEST_LEASE_SECONDS": str(LEASE),
                   "LOG_LEVEL": "WARNING", "PYTHONPATH": str(Path(__file__).parents[1])}
            instances = [Instance(i, env, Path(folder)) for i in range(INSTANCES)]
            await asyncio.gather(*(i.start() for i in instances))
            await wait_ready(instances)
            ready_at = time.time()
            allowed = ABOUT_SIX_MINUTES * n / 10_000
            deadline = time.monotonic() + LEASE + allowed * 3
            while await fake.count("sendphoto") < n:
                if time.monotonic() > deadline or any(
                        i.proc is not None and i.proc.returncode is not None for i in instances):
                    logs = "\n".join(i.tail() for i in instances)
                    raise RuntimeError(f"{await fake.count('sendphoto')}/{n} charts; {logs}")
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # a repeated chart would arrive now, if any
            stats = await fake.stats()
    finally:
        await asyncio.gather(*(i.stop() for i in instances))
        if fake is not None:
            await fake.stop()
        with contextlib.suppress(Exception):
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    return results(stats, n, ready_at)


async def wait_ready(instances: list[Instance]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    for instance in instances:
        while not await instance.ready():
            if time.monotonic() > deadline or (
                    instance.proc is not None and instance.proc.returncode is not None):
                raise RuntimeError(f"an instance did not get ready:\n{instance.tail()}")
            await asyncio.sleep(0.2)


def results(stats: dict, n: int, ready_at: float) -> list[Result]:
    methods = stats["methods"]
    photos, first, last = methods.get("sendphoto", [0, 0.0, 0.0])[:3]
    messages = photos + methods.get("sendmessage", [0])[0]
    errors = {k: v[0] for k, v in methods.items() if k.startswith("error")}
    wave = last - first
    refused = methods.get("error_429", [0])[0]
    allowed = ABOUT_SIX_MINUTES * n / 10_000
    # a project's chart goes to its owner's chat (one owner per project in bulk_load)
    wrong = (n - stats["photo_chats"]) + stats["chats_with_repeats"]
    # seconds of the wave (the first and the last, partial, aside) in which the instances
    # had fewer charts ready than their send rate allowed: where a slow machine shows
    per_second = stats["sends_per_second"][1:-1]
    short = sum(1 for count in per_second if count < SLOW_SECOND)
    note = (f"{INSTANCES} instances (`python -m bot run`, webhook mode) on one PostgreSQL and "
            f"one Redis limiter; N={n} due at the same minute; the first chart "
            f"{first - ready_at:.0f} s after both were ready (the digest tick is every "
            f"{LEASE / 2:.0f} s); {photos} charts / {messages} messages, at "
            f"{photos / wave if wave > 0 else 0:.1f} charts/s from the first to the last "
            f"(Telegram's {SEND_RATE:.0f}/s allows {messages / SEND_RATE:.0f} s at best); "
            f"HTTP errors {errors or 0}; {short} of its {len(per_second)} whole seconds "
            f"had fewer than {SLOW_SECOND} sends (the bot paces itself at "
            f"{GLOBAL_PER_SECOND}/s), the slowest {min(per_second, default=0)}")
    return [
        Result(f"scaled-2 {n} due: wave, first to last chart", wave, "s", target=allowed,
               higher_is_better=False, note=note, floor=(messages - 1) / SEND_RATE),
        Result(f"scaled-2 {n} due: sends refused by the 30/s rule", refused, "sends",
               target=messages * REFUSED_AT_MOST, higher_is_better=False, kind=LIMIT,
               note=f"at most {REFUSED_AT_MOST:.0%} of the messages: the instances share one "
                    f"send rate (two pacing themselves alone would offer 58/s); the most "
                    f"sends that arrived in any 1 s: "
                    f"{stats['peak_arrivals_1s']}, accepted: {stats['peak_sends_1s']} (the "
                    f"fake, like Telegram, accepts at most {SEND_RATE:.0f})"),
        Result(f"scaled-2 {n} due: projects without exactly one chart", wrong, "projects",
               target=0, higher_is_better=False, kind=LIMIT,
               note=f"{stats['photo_chats']} chats got a chart, at most "
                    f"{stats['most_photos_in_a_chat']} each"),
    ]
