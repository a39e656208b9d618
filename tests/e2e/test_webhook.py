"""Webhook mode in one process: the fake's webhook delivery (Telegram's retries, the load
balancer's round robin), and bot/webhook.py's server with the real dispatcher behind it —
secret check, health and readiness, one handling per update_id."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Update
from aiohttp import web
from redis.asyncio import Redis

from bot.config import Settings
from bot.factory import create_bot, create_dispatcher
from bot.webhook import WEBHOOK_PATH, UpdateOnce, WebhookServer, build_web_app
from storage import open_storage
from storage.fsm import SqliteFsmStorage
from tests.botapi.fake import TelegramFake
from tests.botapi.harness import make_bot
from tests.botapi.webhook import SECRET_HEADER
from tests.e2e.test_crash import wait_for

USER = 1001
SECRET = "s3cret_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def receiver(statuses: list[int], *, delay: float = 0.0
                   ) -> AsyncIterator[tuple[str, list[tuple[dict, dict]]]]:
    """A tiny webhook endpoint answering `statuses` in turn (then 200), recording requests."""
    seen: list[tuple[dict, dict]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.json()))
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_fake_retries_5xx_to_the_next_backend_with_the_secret(botapi: TelegramFake
                                                                    ) -> None:
    botapi.add_user(USER, "Anna", language_code="en")
    async with receiver([500, 502]) as (first, first_seen), receiver([]) as (second, _seen):
        botapi.webhook_backends = [first, second]
        botapi.webhook_retry_delay = 0.05
        bot = make_bot(botapi)
        try:
            await bot.set_webhook("https://bot.example/hook", secret_token=SECRET)
            update_id = botapi.push_message(USER, "hello")
            await wait_for(lambda: update_id in botapi.webhook_delivered, 10, "delivery")
            with pytest.raises(TelegramConflictError):
                await bot.get_updates()
            info = await bot.get_webhook_info()
        finally:
            await bot.session.close()
    tries = [(a.target.split("/hook")[0], a.status) for a in botapi.webhook_attempts]
    assert tries == [(first, 500), (second, 200)]
    headers, body = first_seen[0]
    assert headers[SECRET_HEADER] == SECRET and body["update_id"] == update_id
    assert info.url == "https://bot.example/hook" and info.pending_update_count == 0
    assert info.last_error_message and "500" in info.last_error_message


async def test_fake_retries_after_a_timeout(botapi: TelegramFake) -> None:
    botapi.add_user(USER, "Anna", language_code="en")
    botapi.webhook_timeout = 0.3
    botapi.webhook_retry_delay = 0.05
    async with receiver([], delay=1.0) as (slow, _), receiver([]) as (fast, fast_seen):
        botapi.webhook_backends = [slow, fast]
        bot = make_bot(botapi)
        try:
            await bot.set_webhook("https://bot.example/hook")
            update_id = botapi.push_message(USER, "hello")
            await wait_for(lambda: update_id in botapi.webhook_delivered, 10, "delivery")
        finally:
            await bot.session.close()
    first, second = botapi.webhook_attempts[:2]
    assert first.status is None and "Timeout" in (first.error or "")
    assert second.ok and len(fast_seen) == 1


@contextlib.asynccontextmanager
async def webhook_bot(fake: TelegramFake, db: Path) -> AsyncIterator[tuple[str, object]]:
    """The real dispatcher behind bot.webhook's server, registered with the fake."""
    settings = Settings(bot_token=fake.token, telegram_api_url=fake.url,
                        database_url=f"sqlite:///{db}", default_language="en")
    storage = open_storage(settings.database_url)
    await storage.connect()
    bot = create_bot(fake.token, fake.url)
    dispatcher = create_dispatcher(settings, storage, SqliteFsmStorage(storage),
                                   throttle=False, once_per_update=True)
    app, handler = build_web_app(dispatcher, bot, secret=SECRET, probes=[storage.ping])
    port = free_port()
    server = WebhookServer(app, handler, "127.0.0.1", port)
    await server.start()
    base = f"http://127.0.0.1:{port}"
    fake.webhook_backends = [base]
    await bot.set_webhook("https://bot.example" + WEBHOOK_PATH, secret_token=SECRET)
    try:
        yield base, storage
    finally:
        server.stop()
        await server.close()
        await bot.session.close()
        await storage.close()


async def test_wrong_or_missing_secret_gets_401_and_changes_nothing(botapi: TelegramFake,
                                                                   tmp_path: Path) -> None:
    botapi.add_user(USER, "Anna", language_code="en")
    async with webhook_bot(botapi, tmp_path / "bot.db") as (base, storage), \
            aiohttp.ClientSession() as http:
        update = {"update_id": 5, "message": {
            "message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Mallory"}, "text": "/start"}}
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(base + WEBHOOK_PATH, json=update, headers=headers) as resp:
                assert resp.status == 401
        async with http.get(base + "/healthz") as resp:
            assert resp.status == 200
        async with http.get(base + "/readyz") as resp:
            assert resp.status == 200
        assert await storage.get_user(USER) is None
        assert not await storage.update_was_handled(5)
        assert botapi.calls_to("sendMessage") == []
        # The right secret: handled once, however often it comes.
        sent = []
        for _ in range(3):
            async with http.post(base + WEBHOOK_PATH, json=update,
                                 headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 200
            sent.append(len(botapi.calls_to("sendMessage")))
        assert sent[0] > 0 and sent == [sent[0]] * 3, sent
        assert await storage.update_was_handled(5)
        async with http.post(base + WEBHOOK_PATH, data=b"{not json",
                             headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 400
        await storage.close()  # the database gone: not ready, but alive
        async with http.get(base + "/readyz") as resp:
            assert resp.status == 503
        async with http.get(base + "/healthz") as resp:
            assert resp.status == 200
        # An update now cannot be journaled: 500, so Telegram delivers it again later.
        later = {**update, "update_id": 6}
        async with http.post(base + WEBHOOK_PATH, json=later,
                             headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 500
        await storage.connect()
        assert not await storage.update_was_handled(6)
        async with http.post(base + WEBHOOK_PATH, json=later,
                             headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 200
        assert await storage.update_was_handled(6)


async def test_updates_from_the_fake_reach_handlers_and_are_answered(botapi: TelegramFake,
                                                                    tmp_path: Path) -> None:
    botapi.add_user(USER, "Anna", language_code="en")
    async with webhook_bot(botapi, tmp_path / "bot.db") as (_base, storage):
        update_id = botapi.push_message(USER, "/start")
        await botapi.wait_processed(update_id, timeout=20)
        assert botapi.bot_messages(USER), "no reply to /start"
        assert await storage.update_was_handled(update_id)
        assert [a.status for a in botapi.webhook_attempts] == [200]


async def test_not_ready_while_redis_is_unreachable(botapi: TelegramFake, tmp_path: Path
                                                    ) -> None:
    settings = Settings(bot_token=botapi.token, telegram_api_url=botapi.url,
                        database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    storage = open_storage(settings.database_url)
    await storage.connect()
    redis = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)  # nobody there
    bot = create_bot(botapi.token, botapi.url)
    dispatcher = create_dispatcher(settings, storage, SqliteFsmStorage(storage))
    app, handler = build_web_app(dispatcher, bot, secret=SECRET,
                                 probes=[storage.ping, redis.ping])
    server = WebhookServer(app, handler, "127.0.0.1", free_port())
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{server.port}"
            async with http.get(base + "/readyz") as resp:
                assert resp.status == 503
                assert (await resp.json())["error"] in ("ConnectionError", "TimeoutError")
            async with http.get(base + "/healthz") as resp:
                assert resp.status == 200
            server.stop()  # stopping: not ready, and new updates are refused with 503
            async with http.get(base + "/readyz") as resp:
                assert resp.status == 503
            async with http.post(base + WEBHOOK_PATH, json={"update_id": 1},
                                 headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 503
    finally:
        await server.close()
        await redis.aclose()
        await bot.session.close()
        await storage.close()


async def test_extra_routes_are_mounted_on_the_same_server(botapi: TelegramFake,
                                                           tmp_path: Path) -> None:
    """The hook the Mini App API uses: a function that adds its routes to the Application."""
    settings = Settings(bot_token=botapi.token, telegram_api_url=botapi.url,
                        database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    storage = open_storage(settings.database_url)
    await storage.connect()
    bot = create_bot(botapi.token, botapi.url)
    dispatcher = create_dispatcher(settings, storage, SqliteFsmStorage(storage))

    async def hello(_request: web.Request) -> web.Response:
        return web.json_response({"app": "mini"})

    def add_routes(app: web.Application) -> None:
        app.router.add_get("/api/hello", hello)

    app, handler = build_web_app(dispatcher, bot, secret=SECRET, extra_routes=[add_routes])
    server = WebhookServer(app, handler, "127.0.0.1", free_port())
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{server.port}/api/hello") as resp:
            assert resp.status == 200 and await resp.json() == {"app": "mini"}
    finally:
        server.stop()
        await server.close()
        await bot.session.close()
        await storage.close()


async def test_the_journal_forgets_updates_a_day_after_they_were_the_newest(tmp_path: Path
                                                                           ) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'bot.db'}")
    await storage.connect()
    now = [0.0]
    once = UpdateOnce(storage, clock=lambda: now[0])

    async def handler(_event: object, _data: dict) -> str:
        return "done"

    async def feed(update_id: int) -> object:
        return await once(handler, Update(update_id=update_id), {})

    try:
        assert await feed(10) == "done"
        assert await feed(10) is None  # a retry: skipped
        for hour in range(1, 28):
            now[0] = hour * 3600.0 + 1
            await feed(10 + hour)
        handled = await storage.handled_updates()
        assert 10 not in handled and 11 not in handled  # newest more than 25 h ago
        assert set(range(12, 38)) <= handled  # recent ones stay: their retries are still caught
    finally:
        await storage.close()
