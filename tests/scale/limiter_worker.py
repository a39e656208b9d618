"""One "instance" taking send slots: run as a script by tests/scale/test_redis_limiter.py.

Usage: limiter_worker.py REDIS_URL|local PREFIX START_AT INDEX. Waits until START_AT (epoch
seconds) so every worker starts together, takes a slot for each planned send and prints one
JSON line per send: chat, granted (when the limiter let it go) and sent (when it really went).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from redis.asyncio import Redis

from bot.delivery import RateLimiter, SendLimiter
from bot.redis_limiter import RedisRateLimiter

PRIVATE = 40  # own private chats per worker
SHARED_CHAT = 777  # one private chat every worker writes to, 3 times
GROUP = -100500  # one group every worker writes to, twice
GROUP_SENDS = 2


async def send(limiter: SendLimiter, chat: int, out: list[dict]) -> None:
    before = time.time()
    await limiter.wait(chat)
    out.append({"chat": chat, "sent": time.time(), "asked": before})


async def main(url: str, prefix: str, start_at: float, index: int) -> None:
    redis = None if url == "local" else Redis.from_url(url)
    limiter: SendLimiter = RateLimiter() if redis is None else RedisRateLimiter(redis, prefix)
    chats = [index * 1000 + i for i in range(PRIVATE)] + [SHARED_CHAT] * 3 + [GROUP] * GROUP_SENDS
    await asyncio.sleep(max(0.0, start_at - time.time()))
    out: list[dict] = []
    # Like a digest wave: many sends at once, each waiting for its own slot.
    await asyncio.gather(*(send(limiter, chat, out) for chat in chats))
    for row in out:
        print(json.dumps(row))
    if redis is not None:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
