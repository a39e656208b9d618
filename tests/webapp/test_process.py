"""`python -m bot run` in long polling with WEBAPP_URL set: the same process serves the Mini App
on WEBHOOK_HOST:WEBHOOK_PORT (no webhook), and stops it cleanly on SIGTERM."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from storage.models import ProjectKpi
from storage.sqlite import SqliteStorage
from tests.botapi.fake import TelegramFake
from tests.e2e.test_crash import BotProcess
from tests.e2e.test_webhook import free_port
from tests.webapp.helpers import OWNER, Api, init_data


class WebAppBotProcess(BotProcess):
    def __init__(self, fake: TelegramFake, db: Path, workdir: Path, port: int) -> None:
        super().__init__(fake, db, workdir)
        self.port = port

    def env(self) -> dict[str, str]:
        return {**super().env(), "WEBAPP_URL": "https://dashboard.example/app/",
                "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(self.port)}


async def test_polling_mode_serves_the_mini_app_on_the_configured_port(
        botapi: TelegramFake, tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    storage = SqliteStorage(db)
    await storage.connect()
    project = await storage.create_project(OWNER, "Shop", "leads", "UTC", "en",
                                           [ProjectKpi("reach")])
    await storage.close()
    port = free_port()
    bot = WebAppBotProcess(botapi, db, tmp_path, port)
    try:
        await bot.start()
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            status, body = await Api(http, base, init_data(botapi.token, OWNER)).json(
                "projects")
            assert status == 200, bot.output()
            assert [p["id"] for p in body["projects"]] == [project.id]
            async with http.get(f"{base}/app/") as resp:
                assert resp.status == 200 and "Content-Security-Policy" in resp.headers
            async with http.post(f"{base}/webhook", json={}) as resp:
                assert resp.status == 404  # polling: no webhook endpoint
        assert not botapi.calls_to("setWebhook")
        code, _took = await bot.terminate()
        assert code == 0, bot.output()
        async with aiohttp.ClientSession() as http:
            try:
                async with http.get(f"{base}/healthz"):
                    raise AssertionError("still listening after the stop")
            except aiohttp.ClientConnectionError:
                pass
    finally:
        await bot.close()
