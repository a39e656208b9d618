"""The Telegram send rate limiter shared by every instance through Redis.

Same rule as `bot.delivery.RateLimiter` — the bot's whole send rate cut into slots of
1/`per_second` s, one send per slot, plus a minimum interval per chat (1 s private, 3 s for
groups and channels: 20/min) — but the slots and the per-chat times live in Redis, taken by
one Lua script per send, so N instances together stay under Telegram's limits. The script
reads Redis' own clock (TIME), so the instances' clocks need not agree. Every key expires a
little after its moment has passed: nothing to clean up, and an instance that dies holds
nothing. The keys are built inside the script, so this needs one Redis (not Redis Cluster).
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.delivery import GLOBAL_PER_SECOND, GROUP_INTERVAL, PRIVATE_INTERVAL

# KEYS[1]: key prefix; ARGV: slot interval, this chat's interval, chat id. Returns the delay
# in seconds (as a string: Lua numbers would be cut to integers).
_TAKE_SLOT = """
local prefix = KEYS[1]
local interval = tonumber(ARGV[1])
local per_chat = tonumber(ARGV[2])
local chat_key = prefix .. ':chat:' .. ARGV[3]
local first_key = prefix .. ':first'
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ready = now
local chat_next = redis.call('GET', chat_key)
if chat_next and tonumber(chat_next) > ready then ready = tonumber(chat_next) end
local now_slot = math.floor(now / interval)
local first = tonumber(redis.call('GET', first_key) or '0')
if first < now_slot then first = now_slot end
local slot = math.floor(ready / interval)
if slot < first then slot = first end
while redis.call('EXISTS', prefix .. ':slot:' .. slot) == 1 do slot = slot + 1 end
local function ttl_ms(at) return math.floor((at - now) * 1000) + 2000 end
redis.call('SET', prefix .. ':slot:' .. slot, '1', 'PX', ttl_ms((slot + 1) * interval))
while redis.call('EXISTS', prefix .. ':slot:' .. first) == 1 do first = first + 1 end
redis.call('SET', first_key, tostring(first), 'PX', ttl_ms(first * interval))
local start = slot * interval
if ready > start then start = ready end
redis.call('SET', chat_key, string.format('%.6f', start + per_chat), 'PX',
           ttl_ms(start + per_chat))
return string.format('%.6f', start - now)
"""


class RedisRateLimiter:
    """`bot.delivery.RateLimiter` for several instances: see the module docstring."""

    def __init__(self, redis: Redis, prefix: str, per_second: float = GLOBAL_PER_SECOND, *,
                 private_interval: float = PRIVATE_INTERVAL,
                 group_interval: float = GROUP_INTERVAL) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:sendlimit"
        self._interval = 1.0 / per_second
        self._private_interval = private_interval
        self._group_interval = group_interval
        self._script = redis.register_script(_TAKE_SLOT)

    async def wait(self, chat_id: int) -> None:
        per_chat = self._group_interval if chat_id < 0 else self._private_interval
        raw = await self._script(keys=[self._prefix],
                                 args=[repr(self._interval), repr(per_chat), str(chat_id)])
        delay = float(raw)
        if delay > 0:
            await asyncio.sleep(delay)

    def forget(self, chat_id: int) -> None:
        """Nothing to do: the chat's key expires by itself once its interval has passed."""
