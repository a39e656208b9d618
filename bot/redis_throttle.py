"""The per-user budget (`bot.throttle_budget`) shared by every instance through Redis.

One hash per user holds the tokens, when they were counted, the quiet-until moment and the
next allowed time of each action with a cooldown; one Lua script runs `decide` on it
atomically, so two instances handling the same user's updates at once take from one bucket.
The script reads Redis' own clock (TIME), so the instances' clocks need not agree (tests may
pass `now` instead). The hash expires once it would be full again and no cooldown or quiet
window is left: forgetting it then changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bot.throttle_budget import DEFAULT_POLICY, Decision, Policy

# KEYS[1]: the user's hash. ARGV: capacity, refill per second, cost, action, cooldown, now
# ('' for Redis' TIME), quiet seconds. Returns {allowed, wait, notify, reason}; numbers as
# strings (Lua numbers returned to Redis are cut to integers).
_TAKE = """
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local cd_field = 'cd:' .. ARGV[4]
local cooldown = tonumber(ARGV[5])
local quiet_seconds = tonumber(ARGV[7])
local now
if ARGV[6] ~= '' then
  now = tonumber(ARGV[6])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local h = redis.call('HMGET', key, 'tokens', 'ts', 'quiet', cd_field)
local tokens = tonumber(h[1]) or capacity
local updated = tonumber(h[2]) or now
local quiet = tonumber(h[3])
local ready_at = tonumber(h[4])
if now > updated then
  tokens = math.min(capacity, tokens + (now - updated) * rate)
  updated = now
end
-- Refused until both the cooldown is over and the tokens are back (the later of the two).
local allowed, wait, notify, reason = 1, 0, 0, ''
local cooldown_wait, token_wait = 0, 0
if ready_at and ready_at > now then cooldown_wait = ready_at - now end
if tokens < cost then token_wait = (cost - tokens) / rate end
if cooldown_wait > 0 or token_wait > 0 then
  allowed = 0
  if cooldown_wait >= token_wait then
    wait, reason = cooldown_wait, 'cooldown'
  else
    wait, reason = token_wait, 'budget'
  end
end
local function f(x) return string.format('%.6f', x) end
if allowed == 1 then
  tokens = tokens - cost
  if cooldown > 0 then
    ready_at = now + cooldown
    redis.call('HSET', key, cd_field, f(ready_at))
  end
elseif quiet == nil or now >= quiet then
  notify = 1
  quiet = now + math.min(wait, quiet_seconds)
  redis.call('HSET', key, 'quiet', f(quiet))
end
redis.call('HSET', key, 'tokens', f(tokens), 'ts', f(updated))
-- Forget the hash once it says nothing: full again, and this action's cooldown and the quiet
-- window over; another action's cooldown set earlier keeps its own (longer) expiry.
local ttl = (capacity - tokens) / rate
if ready_at and ready_at - now > ttl then ttl = ready_at - now end
if quiet and quiet - now > ttl then ttl = quiet - now end
local ttl_ms = math.ceil(ttl * 1000) + 1000
if redis.call('PTTL', key) < ttl_ms then redis.call('PEXPIRE', key, ttl_ms) end
return {allowed, f(wait), notify, reason}
"""


class RedisBudget:
    """`bot.throttle_budget.LocalBudget` for several instances: see the module docstring."""

    def __init__(self, redis: Redis, prefix: str, policy: Policy = DEFAULT_POLICY, *,
                 clock: Callable[[], float] | None = None) -> None:
        self.policy = policy
        self._redis = redis
        self._prefix = f"{prefix}:throttle"
        self._clock = clock  # None: Redis' clock
        self._script = redis.register_script(_TAKE)

    async def take(self, user_id: int, action: str) -> Decision:
        cost = self.policy.cost(action)
        now = "" if self._clock is None else repr(self._clock())
        allowed, wait, notify, reason = await self._script(
            keys=[f"{self._prefix}:{user_id}"],
            args=[repr(self.policy.capacity), repr(self.policy.refill_per_second),
                  repr(cost.tokens), action, repr(cost.cooldown), now,
                  repr(self.policy.quiet_seconds)])
        return Decision(bool(allowed), float(wait), bool(notify),
                        reason.decode() if isinstance(reason, bytes) else str(reason))
