"""The send limiter shared through Redis, measured with three limiter processes at once: together
they stay under Telegram's 30 messages/s, 1/s per private chat and 20/min per group. The same
run with each process's own in-process limiter breaks the global limit (so the measurement can
fail)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from pathlib import Path

import bot
from bot.delivery import GLOBAL_PER_SECOND, GROUP_INTERVAL, PRIVATE_INTERVAL
from tests.scale.conftest import RedisFixture
from tests.scale.limiter_worker import GROUP, PRIVATE, SHARED_CHAT

WORKER = Path(__file__).with_name("limiter_worker.py")
PROCESSES = 3
SLACK = 0.05  # seconds of timer and scheduling jitter allowed per send


async def run_workers(url: str, prefix: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(Path(bot.__file__).resolve().parents[1])}
    start_at = time.time() + 3.0  # all three import and connect first, then start together
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), url, prefix, str(start_at), str(index), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for index in range(PROCESSES)]
    rows: list[dict] = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()
        rows += [json.loads(line) for line in out.decode().splitlines()]
    return rows


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def gaps(rows: list[dict], chat: int) -> list[float]:
    times = sorted(r["sent"] for r in rows if r["chat"] == chat)
    return [b - a for a, b in itertools.pairwise(times)]


async def test_three_processes_share_one_limit_through_redis(redis_db: RedisFixture) -> None:
    rows = await run_workers(redis_db.url, redis_db.prefix)
    sends = PROCESSES * (PRIVATE + 3 + 2)
    assert len(rows) == sends
    sent = [r["sent"] for r in rows]
    # 29 slots a second; a send that woke late may share a window with its successors, hence
    # the one-send allowance (the limiter promises at most per_second + 1 in any second).
    peak = most_in_window(sent, 1.0 - SLACK)
    assert peak <= GLOBAL_PER_SECOND + 1, f"{peak} sends within one second"
    own = [r["sent"] for r in rows if r["chat"] not in (SHARED_CHAT, GROUP)]
    span = max(own) - min(own)
    rate = len(own) / span  # the chats with nothing but the global limit in their way
    print(f"\n{sends} sends by {PROCESSES} processes; {len(own)} to distinct chats in "
          f"{span:.2f} s: {rate:.1f}/s; peak {peak} in a second")
    assert rate > GLOBAL_PER_SECOND * 0.6, "the shared limiter throttles far below the limit"
    assert min(gaps(rows, SHARED_CHAT)) >= PRIVATE_INTERVAL - SLACK
    group = gaps(rows, GROUP)
    assert len(group) == PROCESSES * 2 - 1 and min(group) >= GROUP_INTERVAL - SLACK, group
    assert most_in_window([r["sent"] for r in rows if r["chat"] == GROUP], 60.0) <= 20


async def test_separate_in_process_limiters_would_break_the_limit() -> None:
    rows = await run_workers("local", "unused")
    peak = most_in_window([r["sent"] for r in rows], 1.0 - SLACK)
    assert peak > GLOBAL_PER_SECOND + 1, f"only {peak}: this run cannot tell the two apart"
    assert min(gaps(rows, GROUP)) < GROUP_INTERVAL - SLACK
