"""The per-user budget shared through Redis (bot/redis_throttle.py): the Lua script follows the
same rule as the in-process budget, and two limiter processes take from one budget per user
(the same run with in-process budgets lets the user through twice as often, so the test can
fail)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

import bot
from bot.redis_throttle import RedisBudget
from bot.throttle_budget import Cost, LocalBudget, Policy
from tests.scale.conftest import RedisFixture
from tests.scale.throttle_worker import POLICY

WORKER = Path(__file__).with_name("throttle_worker.py")
SMALL = Policy(capacity=10.0, refill_per_second=1.0,
               costs={"import": Cost(2.0), "export": Cost(1.0),
                      "report": Cost(3.0, cooldown=10.0)})


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


# (seconds to advance, user, action) — bursts, a cooldown, a flood, refills, a second user.
SCENARIO = ([(0.0, 1, "report"), (1.0, 1, "report"), (0.5, 1, "report")]
            + [(0.0, 1, "import")] * 6 + [(0.5, 1, "export"), (0.6, 1, "export"),
                                          (0.0, 2, "import"), (2.5, 1, "import")]
            + [(0.1, 1, "export")] * 12 + [(9.0, 1, "report"), (30.0, 1, "import")])


async def run_scenario(budget: LocalBudget | RedisBudget, clock: Clock) -> list[tuple]:
    out = []
    for advance, user, action in SCENARIO:
        clock.now += advance
        decision = await budget.take(user, action)
        out.append((decision.allowed, decision.notify, decision.reason,
                    round(decision.wait, 3)))
    return out


async def test_the_redis_script_decides_as_the_in_process_budget(redis_db: RedisFixture):
    local_clock, redis_clock = Clock(), Clock()
    expected = await run_scenario(LocalBudget(SMALL, local_clock), local_clock)
    got = await run_scenario(RedisBudget(redis_db.client, redis_db.prefix, SMALL,
                                         clock=redis_clock), redis_clock)
    assert got == expected
    assert any(not allowed for allowed, *_ in got) and any(a for a, *_ in got)
    assert {reason for _, _, reason, _ in got} == {"", "budget", "cooldown"}
    assert any(not notify for allowed, notify, _, _ in got if not allowed)


async def test_two_clients_share_one_budget_and_the_keys_expire(redis_db: RedisFixture):
    other = Redis.from_url(redis_db.url)
    try:
        first = RedisBudget(redis_db.client, redis_db.prefix, SMALL)
        second = RedisBudget(other, redis_db.prefix, SMALL)
        decisions = await asyncio.gather(*(budget.take(7, "import")
                                           for budget in [first, second] * 6))
        assert sum(d.allowed for d in decisions) == 5  # 10 tokens, 2 each
        assert sum(d.notify for d in decisions) == 1
        ttl = await redis_db.client.pttl(f"{redis_db.prefix}:throttle:7")
        # empty: full again in 10 s at one token a second; then the hash goes away
        assert 9_000 < ttl <= 11_000 + 1_000
    finally:
        await other.aclose()


async def run_workers(url: str, prefix: str, processes: int, attempts: int) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(Path(bot.__file__).resolve().parents[1])}
    start_at = time.time() + 2.0  # both import and connect first, then start together
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), url, prefix, str(start_at), str(attempts), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(processes)]
    rows = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        rows.append(json.loads(out))
    return rows


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "in-process"])
async def test_two_processes_take_from_one_budget_per_user(redis_db: RedisFixture, shared):
    url = redis_db.url if shared else "local"
    rows = await run_workers(url, redis_db.prefix, processes=2, attempts=20)
    allowed = sum(r["allowed"] for r in rows)
    per_budget = int(POLICY.capacity // POLICY.cost("import").tokens)  # 15 files
    if shared:
        assert allowed == per_budget, rows
        assert sum(r["notified"] for r in rows) == 1  # one "not so fast" for the whole flood
    else:  # each process its own budget: the user gets through twice as often
        assert allowed == 2 * per_budget, rows
