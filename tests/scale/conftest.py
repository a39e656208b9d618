"""Fixtures of the scale-out tests: a real Redis (SMM_TEST_REDIS_URL, default
redis://127.0.0.1:6379/13; `off` skips these tests, an unreachable Redis fails them) with a key
prefix of the test's own, deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


@dataclass
class RedisFixture:
    url: str
    prefix: str
    client: Redis


@pytest.fixture
async def redis_db() -> AsyncIterator[RedisFixture]:
    url = os.environ.get("SMM_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    if url.strip().lower() == "off":
        pytest.skip("SMM_TEST_REDIS_URL=off: Redis tests switched off")
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.fail(f"Redis at {url} is unreachable ({type(exc).__name__}: {exc}); start it or "
                    "set SMM_TEST_REDIS_URL (or SMM_TEST_REDIS_URL=off to skip these tests)")
    prefix = f"smmtest-{uuid.uuid4().hex[:12]}"
    try:
        yield RedisFixture(url, prefix, client)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
