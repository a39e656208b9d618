"""/history shows what was typed: the KPIs first, then every other metric with data."""

from __future__ import annotations

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard


async def test_history_shows_stored_metrics_that_are_not_kpis(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 7101, "Анна")
    await onboard(anna, "Лиды", goal="🎯 Лиды и трафик", tz="UTC")  # clicks, CTR, leads, CPL
    await anna.send("охват 12 500, подписчики 3 400, лиды 17, бюджет 15 000")
    text = (await anna.send("/history"))[-1].text
    header = text.splitlines()[1]
    assert header.index("Лиды") < header.index("Охват")  # KPIs first
    for label in ("Охват", "Подписчик", "Бюджет"):
        assert label in header
    for number in ("12", "3", "15"):
        assert number in text.splitlines()[-1]
    assert len(text) <= 4096
