"""The per-user budget of costly actions (bot/throttle_budget.py), with the time injected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.throttle_budget import (
    DEFAULT_POLICY,
    Cost,
    LocalBudget,
    Policy,
    decide,
    fresh,
    idle,
)

POLICY = Policy(capacity=10.0, refill_per_second=1.0,
                costs={"import": Cost(2.0), "export": Cost(1.0),
                       "report": Cost(3.0, cooldown=10.0)})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_a_burst_within_the_budget_goes_through_then_the_next_waits(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    assert all([(await budget.take(1, "import")).allowed for _ in range(5)])  # 10 tokens
    refused = await budget.take(1, "import")
    assert not refused.allowed and refused.reason == "budget"
    assert refused.wait == pytest.approx(2.0)  # two tokens at one a second
    clock.now += 1.0
    assert (await budget.take(1, "export")).allowed  # one token back: a cheap action fits
    clock.now += 1.9
    assert not (await budget.take(1, "import")).allowed
    clock.now += 0.2
    assert (await budget.take(1, "import")).allowed


async def test_users_have_budgets_of_their_own(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    for _ in range(5):
        await budget.take(1, "import")
    assert not (await budget.take(1, "import")).allowed
    assert (await budget.take(2, "import")).allowed


async def test_the_cooldown_holds_only_for_its_action(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    assert (await budget.take(1, "report")).allowed
    clock.now += 4.0
    again = await budget.take(1, "report")
    assert not again.allowed and again.reason == "cooldown"
    assert again.wait == pytest.approx(6.0)
    assert (await budget.take(1, "export")).allowed  # an export right after a report is fine
    clock.now += 6.0
    assert (await budget.take(1, "report")).allowed


async def test_only_the_first_refusal_of_a_streak_is_announced(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    for _ in range(10):
        await budget.take(1, "export")
    first = await budget.take(1, "export")
    assert not first.allowed and first.notify and first.wait == pytest.approx(1.0)
    clock.now += 0.5
    second = await budget.take(1, "export")
    assert not second.allowed and not second.notify
    clock.now += 0.4
    assert not (await budget.take(1, "export")).notify
    clock.now += 0.2  # the wait the user was told is over: a new refusal is told again
    assert (await budget.take(1, "export")).allowed
    refused = await budget.take(1, "export")
    assert not refused.allowed and refused.notify


async def test_a_retry_after_the_quiet_spell_is_answered_again(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    await budget.take(1, "report")
    clock.now += 1.0
    assert (await budget.take(1, "report")).notify  # "try again in 9 s"
    clock.now += 1.0
    assert not (await budget.take(1, "report")).notify  # same burst
    clock.now += POLICY.quiet_seconds
    retry = await budget.take(1, "report")  # a retry too early: told again, with the rest
    assert not retry.allowed and retry.notify and retry.wait == pytest.approx(6.0)


async def test_refused_attempts_take_nothing(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    for _ in range(5):
        await budget.take(1, "import")
    for _ in range(20):  # a flood that is refused does not push the wait further
        await budget.take(1, "import")
    clock.now += 2.0
    assert (await budget.take(1, "import")).allowed


async def test_a_clock_going_back_refills_nothing(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    for _ in range(5):
        await budget.take(1, "import")
    clock.now -= 100.0
    assert not (await budget.take(1, "import")).allowed
    clock.now += 100.0 + 2.0
    assert (await budget.take(1, "import")).allowed


async def test_unpriced_actions_cost_one_token(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    assert all([(await budget.take(1, "something-new")).allowed for _ in range(10)])
    assert not (await budget.take(1, "something-new")).allowed


async def test_memory_stays_bounded_by_forgetting_idle_users(clock: Clock):
    budget = LocalBudget(POLICY, clock)
    budget.MAX_USERS = 50
    for user in range(50):
        await budget.take(user, "export")
    clock.now += 60.0  # everyone is full again
    await budget.take(999, "import")
    assert len(budget) == 1


def test_default_policy_lets_normal_work_through():
    """Five files at once, then an export, then a report: the day-to-day burst fits."""
    state = fresh(DEFAULT_POLICY, 0.0)
    for action in ["import"] * 5 + ["export", "export", "report", "monthly", "export"]:
        state, decision = decide(DEFAULT_POLICY, state, action, 0.0)
        assert decision.allowed, action


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["import", "export", "report"]),
                          st.floats(min_value=0.0, max_value=5.0)), max_size=60))
def test_what_goes_through_never_exceeds_capacity_plus_refill(steps):
    """Over any run, the tokens spent are at most the capacity plus what refilled, and the
    cooldown is never broken."""
    state, now, spent = fresh(POLICY, 0.0), 0.0, 0.0
    last_report = None
    for action, gap in steps:
        now += gap
        state, decision = decide(POLICY, state, action, now)
        if decision.allowed:
            spent += POLICY.cost(action).tokens
            if action == "report":
                assert last_report is None or now - last_report >= 10.0
                last_report = now
        else:
            assert decision.wait > 0
            # the promised wait is enough: the same action then goes through
            _, retry = decide(POLICY, state, action, now + decision.wait + 1e-9)
            assert retry.allowed
        assert 0.0 <= state.tokens <= POLICY.capacity
        assert spent <= POLICY.capacity + now * POLICY.refill_per_second + 1e-9
    assert idle(POLICY, state, now + 1000.0)


def test_a_refusal_waits_for_the_later_of_the_cooldown_and_the_tokens():
    """A report refused while its cooldown runs and the tokens are short too: the wait it
    announces is the longer one, so a retry after it goes through (and one before does not).
    DEFAULT_POLICY: 30 tokens, 0.5/s back; import 2, report 5 with a 10 s cooldown."""
    state = fresh(DEFAULT_POLICY, 0.0)
    state, first = decide(DEFAULT_POLICY, state, "report", 0.0)  # 25 left, cooldown until 10 s
    for _ in range(12):
        state, _ = decide(DEFAULT_POLICY, state, "import", 0.0)  # 1 left
    for _ in range(2):
        state, _ = decide(DEFAULT_POLICY, state, "import", 9.0)  # 1 + 4.5 refilled - 4 = 1.5
    state, refused = decide(DEFAULT_POLICY, state, "report", 9.0)
    assert first.allowed and not refused.allowed
    assert refused.reason == "budget" and refused.wait == pytest.approx(7.0)  # not the 1 s left
    assert not decide(DEFAULT_POLICY, state, "report", 10.5)[1].allowed
    assert decide(DEFAULT_POLICY, state, "report", 9.0 + refused.wait + 1e-9)[1].allowed
