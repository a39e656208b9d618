"""Helpers for benchmark subprocesses: the fake Telegram server and peak-memory readings."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any


@dataclass
class FakeServer:
    process: asyncio.subprocess.Process
    url: str
    stats_url: str

    @classmethod
    async def start(cls, *, users: int, rate_limit: bool = False, messages_per_user: int = 0,
                    push_rate: float = 0.0, user_base: int = 1_000_000) -> FakeServer:
        args = [sys.executable, "-m", "benchmarks.fake_server", "--users", str(users),
                "--user-base", str(user_base), "--messages-per-user", str(messages_per_user),
                "--push-rate", str(push_rate)]
        if rate_limit:
            args.append("--rate-limit")
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode().split()
        if not line or line[0] != "URL":
            raise RuntimeError(f"fake server did not start: {line}")
        host = line[1].rsplit(":", 1)[0]
        return cls(process, line[1], f"{host}:{line[2]}/_bench/stats")

    async def stats(self) -> dict[str, Any]:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.get(self.stats_url) as resp:
            return json.loads(await resp.text())

    async def count(self, method: str) -> int:
        return (await self.stats())["methods"].get(method, [0])[0]

    async def wait_for(self, method: str, count: int, timeout: float) -> float:
        """Wait until the fake answered `count` calls of `method`; the seconds it took."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while await self.count(method) < count:
            if loop.time() - start > timeout:
                raise TimeoutError(f"{method}: {await self.count(method)}/{count} "
                                   f"after {timeout:.0f} s")
            await asyncio.sleep(0.2)
        return loop.time() - start

    async def stop(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
