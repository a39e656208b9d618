"""Two and three real bot processes in webhook mode behind the fake (tests/scale/instances.py):
an update whose instance is SIGKILLed mid-handler is retried to another and applied once; a
dialog goes on when its next step lands on another instance; every instance's /readyz. The
tests where the database matters (the update journal, batches written once) run twice: the
instances sharing a SQLite file, and sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from storage import open_storage
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.conftest import onboard
from tests.e2e.test_crash import wait_for
from tests.scale.conftest import RedisFixture, SharedDb
from tests.scale.instances import batches, cluster, serving, values, wait_delivered

USER = 1001
SQLITE_ONLY = pytest.mark.parametrize("shared_db", ["sqlite"], indirect=True)
SAVED = "Saved for the week"


def saved_replies(fake: TelegramFake, user: int) -> int:
    return sum(1 for m in fake.bot_messages(user) if m.text and SAVED in m.text)


async def test_killed_mid_handler_the_update_is_retried_elsewhere_and_applied_once(
        botapi: TelegramFake, tmp_path: Path, redis_db: RedisFixture,
        shared_db: SharedDb) -> None:
    async with cluster(botapi, tmp_path, redis_db, shared_db, 2, [USER]) as bots:
        db = shared_db
        # The "saved" reply hangs on the wire: the handler is mid-way when its process dies.
        botapi.inject("sendMessage", "drop", delay=30, chat_id=USER)
        calls = len(botapi.calls_to("sendMessage"))
        first = botapi.push_message(USER, "reach 12 500, leads 17")
        await wait_for(lambda: len(botapi.calls_to("sendMessage")) > calls, 20, "the reply")
        victim = serving(botapi, first, bots)
        await victim.kill()
        botapi.clear_faults()
        survivor = next(b for b in bots if b is not victim)
        await wait_delivered(botapi, [first])
        assert serving(botapi, first, bots) is survivor
        assert [b[0] for b in batches(db)] == [first]  # written once, by whichever got there
        assert saved_replies(botapi, USER) == 1  # the user sees the answer once
        # The survivor takes everything from now on; the dead instance costs retries only.
        second = botapi.push_message(USER, "leads 19")
        await wait_delivered(botapi, [second])
        assert [b[0] for b in batches(db)] == [first, second]
        assert sorted(v for (_p, _m), v in values(db).items()) == [19, 12500]
        assert saved_replies(botapi, USER) == 2
        assert await victim.status("/healthz") is None and await survivor.status("/readyz") == 200
        # The killed instance comes back and serves again.
        await victim.start()
        third = botapi.push_message(USER, "reach 13 000")
        fourth = botapi.push_message(USER, "leads 20")
        await wait_delivered(botapi, [third, fourth])
        assert [b[0] for b in batches(db)] == [first, second, third, fourth]


# Dialog state is in Redis here and the drain is the webhook server's: nothing of the
# database's own, so PostgreSQL would add time and no coverage.
@SQLITE_ONLY
async def test_a_dialog_goes_on_when_its_next_step_lands_on_another_instance(
        botapi: TelegramFake, tmp_path: Path, redis_db: RedisFixture,
        shared_db: SharedDb) -> None:
    newcomer = 2002
    async with cluster(botapi, tmp_path, redis_db, shared_db, 2, [USER]) as bots:
        user = TgUser(botapi, newcomer, "Nina", language_code="en", timeout=30)
        await onboard(user, "Cafe", goal="💰 Sales", tz="UTC")
        steps = sorted({a.update_id for a in botapi.webhook_attempts})
        served = {serving(botapi, u, bots).name for u in steps}
        assert len(steps) >= 5 and len(served) == 2, served  # round robin: both took steps
        storage = open_storage(shared_db.url)
        await storage.connect()
        try:
            projects = [m.project.name for m in await storage.list_memberships(newcomer)]
        finally:
            await storage.close()
        assert projects == ["Cafe"]
        # Both instances know the new project now (no stale cached "no project yet").
        for n in range(4):
            replies = await user.send(f"orders {10 + n}")
            assert any(SAVED in r.content for r in replies), replies
        entered = sorted({a.update_id for a in botapi.webhook_attempts})[-4:]
        assert len({serving(botapi, u, bots).name for u in entered}) == 2


async def test_three_instances_one_killed_in_a_burst_nothing_lost_or_doubled(
        botapi: TelegramFake, tmp_path: Path, redis_db: RedisFixture,
        shared_db: SharedDb) -> None:
    users = [USER, 1002, 1003]
    async with cluster(botapi, tmp_path, redis_db, shared_db, 3, users) as bots:
        db = shared_db
        # Replies to one user hang, so the updates of that user are mid-handler at the kill.
        botapi.inject("sendMessage", "drop", count=3, delay=30, chat_id=USER)
        pushed = []
        for n in range(8):
            for user in users:
                pushed.append(botapi.push_message(user, f"reach {1000 + n}, leads {n}"))
        await wait_for(lambda: botapi.faults[0].hits >= 1, 20, "a reply on the wire")
        victim = serving(botapi, pushed[0], bots)  # the first update of USER hangs there
        in_flight = [a.update_id for a in botapi.webhook_attempts
                     if a.pending and a.target.startswith(victim.base)]
        await victim.kill()
        assert pushed[0] in in_flight
        botapi.clear_faults()
        await wait_delivered(botapi, pushed, timeout=60)
        written = [b[0] for b in batches(db)]
        assert sorted(written) == sorted(pushed), "an update lost or applied twice"
        assert len(set(written)) == len(written)
        # One chat's updates go out in order (tests/botapi/webhook.py), retries included.
        assert {v for (_p, m), v in values(db).items() if m == "leads"} == {7}
        assert all(saved_replies(botapi, u) >= 8 for u in users)
        assert sum(1 for b in bots if b.proc.returncode is None) == 2


# Dialog state is in Redis here and the drain is the webhook server's: nothing of the
# database's own, so PostgreSQL would add time and no coverage.
@SQLITE_ONLY
async def test_sigterm_drains_the_update_in_flight_and_sends_new_ones_elsewhere(
        botapi: TelegramFake, tmp_path: Path, redis_db: RedisFixture,
        shared_db: SharedDb) -> None:
    other = 1002
    async with cluster(botapi, tmp_path, redis_db, shared_db, 2, [USER, other]) as bots:
        db = shared_db
        botapi.inject("sendMessage", "delay", delay=3, chat_id=USER)  # a slow handler
        calls = len(botapi.calls_to("sendMessage"))
        slow = botapi.push_message(USER, "reach 500")
        await wait_for(lambda: len(botapi.calls_to("sendMessage")) > calls, 20, "the reply")
        stopping = serving(botapi, slow, bots)
        stopping.proc.send_signal(signal.SIGTERM)
        await wait_for(lambda: stopping.output().count("stopping") > 0, 10, "the stop")
        later = [botapi.push_message(other, f"leads {n}") for n in range(3)]
        code = await asyncio.wait_for(stopping.proc.wait(), 30)
        assert code == 0, stopping.output()
        await wait_delivered(botapi, [slow, *later])
        answered = {a.update_id: a.target for a in botapi.webhook_attempts if a.ok}
        assert answered[slow].startswith(stopping.base)  # finished and answered, not dropped
        survivor = next(b for b in bots if b is not stopping)
        assert all(answered[u].startswith(survivor.base) for u in later)
        assert sorted(b[0] for b in batches(db)) == sorted([slow, *later])
        assert saved_replies(botapi, USER) == 1
