"""The loopback Telegram fake (tests/botapi/fake.py) in its own process, so that the process
under measurement pays neither its CPU nor its memory.

    python -m benchmarks.fake_server --users N [--user-base B] [--rate-limit]
        [--messages-per-user K] [--push-rate R]

Prints ``URL <base url>`` when ready and serves until stdin closes. With
``--messages-per-user`` it queues K text entries from each user (round robin): all at once, or
paced at R updates/s once the bot first polls. ``GET /_bench/stats`` returns per-method call
counts with first/last times (``time.monotonic`` is not shared between processes, so times
are ``time.time``), the most messages sent in any one second, and how many charts each chat
got.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

from tests.botapi.fake import TelegramFake

ENTRY_TEXT = "охват 12 500, лиды 17"


class BenchFake(TelegramFake):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])  # n, first, last
        self.pushed = 0
        self.sent_at: list[float] = []  # time.time() of every send the 30/s rule let through
        self.arrived_at: list[float] = []  # and of every send it looked at, refused or not
        self.photos_by_chat: dict[int, int] = defaultdict(int)  # one digest per project?
        self.keep_sent_messages = False  # every call is forgotten at once (below)

    async def start(self) -> BenchFake:
        await super().start()
        # aiohttp freezes the router once started; serve stats from a second tiny app
        app = web.Application()
        app.router.add_get("/_bench/stats", self._stats)
        self._stats_runner = web.AppRunner(app, access_log=None)
        await self._stats_runner.setup()
        site = web.TCPSite(self._stats_runner, self.host, 0)
        await site.start()
        self.stats_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle_method(request)
        method = request.match_info["method"].lower()
        if method != "getupdates" and response.status == 200:
            entry = self.stats[method]
            now = time.time()
            entry[0] += 1
            entry[1] = entry[1] or now
            entry[2] = now
        elif response.status != 200:
            self.stats[f"error_{response.status}"][0] += 1
        # don't keep every call, photo and message: the fake would grow without bound
        self.calls.clear()
        self.get_updates_calls[:-2] = []
        self._history.clear()
        self.files.clear()
        self._files_by_path.clear()
        return response

    def _check_rate_limit(self, method: str, params: dict[str, Any]) -> None:
        # Timed when the fake's 30/s rule looks at a send (its request has arrived), as
        # Telegram counts; not when the answer is ready, which bunched them up.
        sending = method.lower().startswith("send")
        if sending:
            self.arrived_at.append(time.time())
        super()._check_rate_limit(method, params)  # raises the 429
        if sending:
            self.sent_at.append(time.time())

    async def _m_sendphoto(self, params: dict[str, Any], files: Any) -> Any:
        result = await super()._m_sendphoto(params, files)
        self.photos_by_chat[int(params["chat_id"])] += 1
        return result

    async def _stats(self, request: web.Request) -> web.StreamResponse:
        per_chat = list(self.photos_by_chat.values())
        return web.json_response({"methods": dict(self.stats), "pushed": self.pushed,
                                  "peak_sends_1s": peak_in_window(self.sent_at, 1.0),
                                  "peak_arrivals_1s": peak_in_window(self.arrived_at, 1.0),
                                  "sends_per_second": per_second(self.sent_at),
                                  "photo_chats": len(per_chat),
                                  "most_photos_in_a_chat": max(per_chat, default=0),
                                  "chats_with_repeats": sum(1 for c in per_chat if c > 1),
                                  "confirmed_offset": self.confirmed_offset,
                                  "pending": len(self._updates)})

    def push_entry(self, user_id: int) -> None:
        self.push_message(user_id, ENTRY_TEXT)
        self.pushed += 1


def per_second(times: list[float]) -> list[int]:
    """How many of `times` fell in each whole second from the first of them on."""
    if not times:
        return []
    first = min(times)
    counts = [0] * (int(max(times) - first) + 1)
    for moment in times:
        counts[int(moment - first)] += 1
    return counts


def peak_in_window(times: list[float], window: float) -> int:
    """The most events in any `window` seconds (a sliding window over sorted times)."""
    ordered = sorted(times)
    peak, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--user-base", type=int, default=1_000_000)
    parser.add_argument("--rate-limit", action="store_true")
    parser.add_argument("--messages-per-user", type=int, default=0)
    parser.add_argument("--push-rate", type=float, default=0.0)
    args = parser.parse_args(argv)

    fake = BenchFake(rate_limit=args.rate_limit)
    users = [args.user_base + i for i in range(1, args.users + 1)]
    for uid in users:
        fake.add_user(uid, f"U{uid}")
    await fake.start()
    order = [uid for _ in range(args.messages_per_user) for uid in users]
    if order and not args.push_rate:
        for uid in order:
            fake.push_entry(uid)

    async def paced() -> None:
        await fake.polling_started.wait()
        start = time.perf_counter()
        for i, uid in enumerate(order):
            delay = start + i / args.push_rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            fake.push_entry(uid)

    tasks = [asyncio.create_task(paced())] if order and args.push_rate else []
    print(f"URL {fake.url} {fake.stats_port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in tasks:
        task.cancel()
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
