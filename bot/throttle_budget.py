"""Each user's budget for costly actions: a token bucket with a cost per action, plus a
cooldown for the few actions that are really heavy (a chart render).

A user starts with `capacity` tokens, which refill at `refill_per_second` up to `capacity`.
An action goes through when the user has its cost in tokens (and, for an action with a
cooldown, the previous run is `cooldown` s ago); otherwise it is refused with the time after
which it would go through. So normal work — five files sent at once, an export right after a
correction — fits in the bucket, and only a flood runs it dry.

A refusal also says whether to tell the user: the first refusal of a burst does, the ones
that follow within `quiet_seconds` (and the wait it announced) do not — a flood of 50 files
gets one "not so fast", not 50, while a retry a few seconds later is answered again.
`decide` is the rule, pure; `LocalBudget` keeps the states in this process (one instance);
`bot.redis_throttle.RedisBudget` runs the same rule in Redis, shared by every instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol


@dataclass(frozen=True)
class Cost:
    tokens: float
    cooldown: float = 0.0  # seconds between two runs of this action, on top of the tokens


@dataclass(frozen=True)
class Policy:
    capacity: float
    refill_per_second: float
    costs: Mapping[str, Cost]
    # After a refusal is announced, the next ones are dropped silently for at most this long
    # (or until the announced wait is over): Telegram delivers a burst within about a second.
    quiet_seconds: float = 2.0

    def cost(self, action: str) -> Cost:
        # An action nobody priced is still limited: it costs one token.
        return self.costs.get(action, Cost(1.0))


# 30 tokens, back at one token every 2 s. A file costs 2 (15 at once, then one every 4 s),
# an export 1, the monthly table 1; a chart render 5 and at most one each 10 s.
DEFAULT_POLICY = Policy(capacity=30.0, refill_per_second=0.5, costs={
    "import": Cost(2.0),
    "export": Cost(1.0),
    "monthly": Cost(1.0),
    "report": Cost(5.0, cooldown=10.0),
})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    wait: float = 0.0  # seconds until the same action would go through
    notify: bool = False  # tell the user (the first refusal of a streak)
    reason: str = ""  # "budget" or "cooldown" when refused


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated: float  # when `tokens` was computed
    quiet_until: float = float("-inf")  # refusals before this moment are not announced
    cooldowns: Mapping[str, float] = field(default_factory=dict)  # action -> next allowed


def fresh(policy: Policy, now: float) -> BucketState:
    return BucketState(tokens=policy.capacity, updated=now)


def decide(policy: Policy, state: BucketState, action: str, now: float
           ) -> tuple[BucketState, Decision]:
    """The new state and the decision for one attempt at `action` at `now`."""
    cost = policy.cost(action)
    # A clock that went back (another instance's) refills nothing and takes nothing back.
    elapsed = max(0.0, now - state.updated)
    tokens = min(policy.capacity, state.tokens + elapsed * policy.refill_per_second)
    updated = max(now, state.updated)
    # Refused until both the cooldown is over and the tokens are back: the wait announced is
    # the later of the two, so a retry after it goes through.
    cooldown_wait = max(0.0, state.cooldowns.get(action, float("-inf")) - now)
    token_wait = max(0.0, (cost.tokens - tokens) / policy.refill_per_second)
    wait = max(cooldown_wait, token_wait)
    reason = "cooldown" if cooldown_wait >= token_wait else "budget"
    if wait <= 0.0:
        cooldowns = dict(state.cooldowns)
        if cost.cooldown > 0:
            cooldowns[action] = now + cost.cooldown
        return (replace(state, tokens=tokens - cost.tokens, updated=updated,
                        cooldowns=cooldowns), Decision(True))
    notify = now >= state.quiet_until
    quiet_until = now + min(wait, policy.quiet_seconds) if notify else state.quiet_until
    return (replace(state, tokens=tokens, updated=updated, quiet_until=quiet_until),
            Decision(False, wait, notify, reason))


def idle(policy: Policy, state: BucketState, now: float) -> bool:
    """True when forgetting the state changes nothing: full again, no cooldown or quiet left."""
    tokens = state.tokens + max(0.0, now - state.updated) * policy.refill_per_second
    return (tokens >= policy.capacity and state.quiet_until <= now
            and all(at <= now for at in state.cooldowns.values()))


class UserBudget(Protocol):
    async def take(self, user_id: int, action: str) -> Decision: ...


class LocalBudget:
    """The budgets in this process: right for one instance (REDIS_URL unset)."""

    MAX_USERS = 10_000  # then idle states are forgotten, so memory stays bounded

    def __init__(self, policy: Policy = DEFAULT_POLICY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._states: dict[int, BucketState] = {}

    async def take(self, user_id: int, action: str) -> Decision:
        now = self._clock()
        state = self._states.get(user_id) or fresh(self.policy, now)
        self._states[user_id], decision = decide(self.policy, state, action, now)
        if len(self._states) > self.MAX_USERS:
            self._states = {user: s for user, s in self._states.items()
                            if not idle(self.policy, s, now)}
        return decision

    def __len__(self) -> int:
        return len(self._states)
