"""RateLimiter spacing and send_with_retry's retry policy, with a fake clock and recorded sleeps."""

from __future__ import annotations

import asyncio
import itertools
import types

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

import bot.delivery
from bot.delivery import MAX_ATTEMPTS, MAX_BACKOFF, MAX_RETRY_AFTER, RateLimiter, send_with_retry

METHOD = SendMessage(chat_id=1, text="x")


class VirtualTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)


@pytest.fixture
def vt(monkeypatch) -> VirtualTime:
    vt = VirtualTime()
    monkeypatch.setattr(bot.delivery, "asyncio",
                        types.SimpleNamespace(sleep=vt.sleep, Lock=asyncio.Lock))
    return vt


async def send_times(limiter: RateLimiter, vt: VirtualTime, chats: list[int]) -> list[float]:
    times = []
    for chat in chats:
        await limiter.wait(chat)
        times.append(vt.now)
    return times


async def test_private_chat_gets_one_message_per_interval(vt: VirtualTime):
    limiter = RateLimiter(per_second=30, private_interval=1.0, group_interval=3.0,
                          clock=vt.clock)
    times = await send_times(limiter, vt, [7, 7, 7])
    assert times == pytest.approx([100.0, 101.0, 102.0])


async def test_groups_and_channels_get_twenty_a_minute(vt: VirtualTime):
    limiter = RateLimiter(per_second=30, private_interval=1.0, group_interval=3.0,
                          clock=vt.clock)
    times = await send_times(limiter, vt, [-100] * 21)
    assert times[-1] - times[0] == pytest.approx(60.0)
    assert all(b - a == pytest.approx(3.0) for a, b in itertools.pairwise(times))


async def test_different_chats_only_share_the_global_rate(vt: VirtualTime):
    limiter = RateLimiter(per_second=10, private_interval=1.0, group_interval=3.0,
                          clock=vt.clock)
    times = await send_times(limiter, vt, list(range(1, 21)))
    assert times[-1] - times[0] == pytest.approx(1.9)  # 20 messages at 10/s
    assert len(set(times)) == 20


async def test_time_passing_on_its_own_means_no_wait(vt: VirtualTime):
    limiter = RateLimiter(per_second=30, clock=vt.clock)
    await limiter.wait(7)
    vt.now += 5
    await limiter.wait(7)
    assert vt.sleeps == []


async def test_concurrent_waiters_are_spaced(monkeypatch):
    wakes: list[float] = []

    async def sleep(delay: float) -> None:  # the clock stands still; record wake-up times
        wakes.append(100.0 + delay)
        await asyncio.sleep(0)

    monkeypatch.setattr(bot.delivery, "asyncio",
                        types.SimpleNamespace(sleep=sleep, Lock=asyncio.Lock))
    limiter = RateLimiter(per_second=1000, private_interval=1.0, clock=lambda: 100.0)
    await asyncio.gather(*(limiter.wait(7) for _ in range(4)))
    assert sorted(wakes) == pytest.approx([101.0, 102.0, 103.0])


async def test_real_limiter_spaces_messages_in_real_time():
    limiter = RateLimiter(per_second=20, private_interval=0.0, group_interval=0.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for chat in range(1, 6):
        await limiter.wait(chat)
    # one send per 50 ms slot: five sends reach at least into the fifth slot
    assert loop.time() - start >= 3 * 0.05 * 0.9


class Calls:
    def __init__(self, *errors: Exception, result: str = "ok") -> None:
        self.errors = list(errors)
        self.count = 0
        self.result = result

    async def __call__(self) -> str:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


async def test_retry_after_is_honoured(vt: VirtualTime):
    call = Calls(TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=7))
    assert await send_with_retry(1, call) == "ok"
    assert call.count == 2 and vt.sleeps == [7.0]


async def test_absurd_retry_after_is_capped(vt: VirtualTime):
    call = Calls(TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=86400))
    await send_with_retry(1, call)
    assert vt.sleeps == [MAX_RETRY_AFTER]


@pytest.mark.parametrize("error", [
    TelegramServerError(METHOD, "Internal Server Error"),
    TelegramNetworkError(METHOD, "connection reset"),
])
async def test_server_and_network_errors_back_off_exponentially(vt: VirtualTime, error):
    call = Calls(error, error, error)
    assert await send_with_retry(1, call, base_delay=1.0) == "ok"
    assert call.count == 4 and vt.sleeps == [1.0, 2.0, 4.0]


async def test_attempts_are_bounded(vt: VirtualTime):
    error = TelegramServerError(METHOD, "Bad Gateway")
    call = Calls(*[error] * 20)
    with pytest.raises(TelegramServerError):
        await send_with_retry(1, call, base_delay=10.0)
    assert call.count == MAX_ATTEMPTS
    assert len(vt.sleeps) == MAX_ATTEMPTS - 1 and max(vt.sleeps) <= MAX_BACKOFF


async def test_retry_after_attempts_are_bounded_too(vt: VirtualTime):
    call = Calls(*[TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=1)] * 20)
    with pytest.raises(TelegramRetryAfter):
        await send_with_retry(1, call, attempts=3)
    assert call.count == 3


@pytest.mark.parametrize("error", [
    TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"),
    TelegramBadRequest(METHOD, "Bad Request: chat not found"),
])
async def test_forbidden_and_bad_request_are_not_retried(vt: VirtualTime, error):
    call = Calls(error)
    with pytest.raises(type(error)):
        await send_with_retry(1, call)
    assert call.count == 1 and vt.sleeps == []


async def test_every_attempt_waits_for_the_limiter(vt: VirtualTime):
    limiter = RateLimiter(per_second=1000, private_interval=1.0, clock=vt.clock)
    call = Calls(TelegramNetworkError(METHOD, "reset"))
    await send_with_retry(5, call, limiter=limiter, base_delay=0.25)
    # backoff 0.25 s, then the per-chat interval still owes 0.75 s
    assert vt.sleeps == pytest.approx([0.25, 0.75])


async def test_a_chat_held_back_does_not_stall_the_other_chats(monkeypatch):
    """A second message to one chat (or a retry after a 429) waits for that chat's interval;
    the slots before it go to other chats, and no two sends share a slot."""
    wakes: dict[int, list[float]] = {}

    async def sleep(delay: float) -> None:  # the clock stands still; record wake-up times
        await asyncio.sleep(0)

    monkeypatch.setattr(bot.delivery, "asyncio",
                        types.SimpleNamespace(sleep=sleep, Lock=asyncio.Lock))
    limiter = RateLimiter(per_second=10, private_interval=1.0, clock=lambda: 100.0)

    async def send(chat: int) -> None:  # the slot it got: its chat's next time minus 1 s
        await limiter.wait(chat)
        wakes.setdefault(chat, []).append(limiter._next_chat[chat] - 1.0)

    await send(7)
    await send(7)  # held back by its chat: one second later
    for chat in range(1, 6):
        await send(chat)
    assert wakes[7] == pytest.approx([100.0, 101.0])
    others = [wakes[c][0] for c in range(1, 6)]
    assert others == pytest.approx([100.1, 100.2, 100.3, 100.4, 100.5])  # not after 101
    starts = [t for ts in wakes.values() for t in ts]
    assert len({round(t, 6) for t in starts}) == len(starts)  # one send per slot
