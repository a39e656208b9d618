"""Two real bot processes in webhook mode (tests/scale/instances.py) share one budget per user
through Redis: a flood of files round robin over both is cut where one budget ends, with one
refusal, not where two would."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.throttle_budget import DEFAULT_POLICY
from tests.botapi.client import SentMessage
from tests.botapi.fake import TelegramFake
from tests.scale.conftest import RedisFixture, SharedDb
from tests.scale.instances import cluster, wait_delivered

USER = 1001
FILES = 30


def week_file(weeks_ago: int) -> bytes:
    today = date.today()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_ago)
    return f"week,reach\n{monday},{weeks_ago}\n".encode()


@pytest.mark.parametrize("shared_db", ["sqlite"], indirect=True)  # the budget is in Redis
async def test_two_instances_share_one_budget_per_user(
        botapi: TelegramFake, tmp_path: Path, redis_db: RedisFixture,
        shared_db: SharedDb) -> None:
    async with cluster(botapi, tmp_path, redis_db, shared_db, 2, [USER]):
        began = time.monotonic()
        update_ids = [botapi.push_document(USER, f"f{n}.csv", week_file(n))
                      for n in range(1, FILES + 1)]
        await wait_delivered(botapi, update_ids)
        elapsed = time.monotonic() - began
        replies = [SentMessage(botapi, m) for m in botapi.bot_messages(USER)]
        previews = [r for r in replies if r.find_button("✅ Save") is not None]
        refusals = [r for r in replies if r.content.startswith("⏳")]
        served = {a.target.split("/")[2] for a in botapi.webhook_attempts
                  if a.update_id in update_ids}
        per_budget = DEFAULT_POLICY.capacity / DEFAULT_POLICY.cost("import").tokens  # 15
        refilled = elapsed * DEFAULT_POLICY.refill_per_second / 2  # files' worth meanwhile
        print(f"\n{FILES} files over {len(served)} instances in {elapsed:.1f} s: "
              f"{len(previews)} previewed, {len(refusals)} refusal(s)")
        assert len(served) == 2  # both instances took part
        # Two budgets of their own would have let all 30 through (15 each).
        assert per_budget <= len(previews) <= per_budget + refilled + 1
        assert len(previews) < FILES
        assert 1 <= len(refusals) <= 1 + elapsed / DEFAULT_POLICY.quiet_seconds
        assert "try again" in refusals[0].text or "Send it again" in refusals[0].text
