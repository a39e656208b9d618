"""Several real bot processes (`python -m bot run`) in webhook mode behind the Bot API fake,
which stands in for Telegram and for the load balancer (round robin over the instances).
They share one database (a SQLite file or PostgreSQL: `SharedDb`) and one Redis (dialog
state, per-user locks, send limiter)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp

import bot as bot_package
from storage import open_storage
from storage.models import ProjectKpi
from tests.botapi.fake import TelegramFake
from tests.e2e.test_crash import BotProcess, wait_for
from tests.e2e.test_webhook import free_port
from tests.scale.conftest import RedisFixture, SharedDb

SECRET = "multi_instance-secret"
PUBLIC_URL = "https://bot.example"  # what WEBHOOK_URL says; the fake maps it to the instances
LOCK_TIMEOUT = 3  # seconds a killed instance's per-user Redis lock outlives it


class WebhookBot(BotProcess):
    """One instance: BotProcess (tests/e2e/test_crash.py) serving webhooks on its own port."""

    def __init__(self, fake: TelegramFake, shared: SharedDb, workdir: Path,
                 redis: RedisFixture, name: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(fake, shared.path or workdir / "unused.db", workdir)
        self.shared, self.redis, self.name = shared, redis, name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(DATABASE_URL=self.shared.url,
                   PYTHONPATH=str(Path(bot_package.__file__).resolve().parents[1]),
                   WEBHOOK_URL=PUBLIC_URL, WEBHOOK_SECRET=SECRET, WEBHOOK_HOST="127.0.0.1",
                   WEBHOOK_PORT=str(self.port), REDIS_URL=self.redis.url,
                   REDIS_PREFIX=self.redis.prefix, REDIS_LOCK_TIMEOUT=str(LOCK_TIMEOUT))
        return env

    async def start(self, *, wait: bool = True) -> None:
        """Start; with `wait`, return once it answers /readyz (it sets the webhook first)."""
        await super().start(wait=False)
        deadline = time.monotonic() + 40
        while wait and await self.status("/readyz") != 200:
            assert self.proc.returncode is None, self.output()
            assert time.monotonic() < deadline, f"{self.name} not ready in 40 s"
            await asyncio.sleep(0.1)

    async def status(self, path: str) -> int | None:
        try:
            async with aiohttp.ClientSession() as http, http.get(self.base + path) as resp:
                return resp.status
        except aiohttp.ClientError:
            return None


async def prepare_db(shared: SharedDb, users: Sequence[int]) -> None:
    """One project per user, no digests or reminders in the way."""
    storage = open_storage(shared.url)
    await storage.connect()
    for user in users:
        await storage.create_project(user, f"Shop {user}", "leads", "UTC", "en",
                                     [ProjectKpi("reach"), ProjectKpi("leads")])
    await storage.close()
    shared.rows("UPDATE projects SET schedule_enabled = FALSE, reminder_hours = NULL")


@contextlib.asynccontextmanager
async def cluster(fake: TelegramFake, tmp_path: Path, redis: RedisFixture, shared: SharedDb,
                  count: int, users: Sequence[int]) -> AsyncIterator[list[WebhookBot]]:
    for user in users:
        if user not in fake.users:
            fake.add_user(user, f"User {user}", language_code="en")
    await prepare_db(shared, users)
    fake.webhook_timeout = 30.0
    fake.webhook_retry_delay = 0.2
    bots = [WebhookBot(fake, shared, tmp_path / f"i{n}", redis, f"instance {n}")
            for n in range(count)]
    fake.webhook_backends = [b.base for b in bots]
    try:
        await asyncio.gather(*(b.start() for b in bots))
        yield bots
    finally:
        fake.clear_faults()
        await asyncio.gather(*(b.close() for b in bots))


def batches(db: SharedDb) -> list[tuple[int, int]]:
    """(update_id, project_id) of every stored batch, as written."""
    return db.rows("SELECT update_id, project_id FROM batches ORDER BY id")


def values(db: SharedDb) -> dict[tuple[int, str], float]:
    rows = db.rows("SELECT project_id, metric, value FROM weekly_values")
    return {(p, m): v for p, m, v in rows}


def serving(fake: TelegramFake, update_id: int, bots: Sequence[WebhookBot]) -> WebhookBot:
    """The instance the last delivery attempt of `update_id` went to."""
    target = [a.target for a in fake.webhook_attempts if a.update_id == update_id][-1]
    return next(b for b in bots if target.startswith(b.base))


async def wait_delivered(fake: TelegramFake, update_ids: Sequence[int], timeout: float = 40
                         ) -> None:
    began = time.monotonic()
    await wait_for(lambda: set(update_ids) <= fake.webhook_delivered, timeout,
                   f"{len(update_ids)} updates to be answered 200")
    assert time.monotonic() - began < timeout
