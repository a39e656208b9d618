"""One "instance" spending a user's budget: run as a script by tests/scale/test_redis_throttle.py.

Usage: throttle_worker.py REDIS_URL|local PREFIX START_AT ATTEMPTS. Waits until START_AT (epoch
seconds) so every worker starts together, then tries ATTEMPTS imports of one user at once and
prints one JSON line: how many went through and how many refusals were to be announced.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from redis.asyncio import Redis

from bot.redis_throttle import RedisBudget
from bot.throttle_budget import DEFAULT_POLICY, LocalBudget, Policy, UserBudget

USER = 4242
# The default prices with (almost) no refill, so the run's duration does not change the count.
POLICY = Policy(DEFAULT_POLICY.capacity, 1e-6, DEFAULT_POLICY.costs)


async def main(url: str, prefix: str, start_at: float, attempts: int) -> None:
    redis = None if url == "local" else Redis.from_url(url)
    budget: UserBudget = LocalBudget(POLICY) if redis is None else RedisBudget(redis, prefix,
                                                                             POLICY)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    decisions = await asyncio.gather(*(budget.take(USER, "import") for _ in range(attempts)))
    print(json.dumps({"allowed": sum(d.allowed for d in decisions),
                      "notified": sum(d.notify for d in decisions)}))
    if redis is not None:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
