"""/history with networks end to end (issue 13): the project's count KPI as bars stacked by
network, one network's metric as its own chart, a network alone as a table with a hint."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from charts import style
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard
from tests.e2e.test_breakdown import monday, plain


def has_colour(png: bytes, colour: str) -> bool:
    """Whether the chart has a patch of `colour` (a bar segment, not anti-aliasing)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return int((np.abs(pixels.astype(int) - rgb).sum(axis=1) <= 6).sum()) > 400


async def enter_weeks(user: TgUser, lines: list[str]) -> None:
    for weeks_ago, line in enumerate(lines[::-1], start=1):
        iso = monday(weeks_ago).isocalendar()
        await user.send(f"{iso.year}-W{iso.week:02d}: {line}")


async def test_history_of_a_network_metric_is_a_chart_network_alone_a_table(
        botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Yoga <studio>", goal="📣 Awareness", tz="UTC")
    await enter_weeks(bob, ["vk: reach 5000; ig: reach 3000",
                            "vk: reach 5400; ig: reach 3100",
                            "vk: reach 5900; ig: reach 3300"])
    await bob.send("network \"<Dzen>\": reach 777")  # the current week, escaped on the wire

    total = (await bob.send("/history reach"))[-1]  # the total: stacked by network
    assert total.photo and "9.2K" in plain(total.content)
    assert has_colour(total.photo, style.STACK_COLOURS[0])  # the largest network: VK
    assert has_colour(total.photo, style.STACK_COLOURS[1])  # then Instagram

    vk = (await bob.send("/history vk reach"))[-1]  # one network: its own series, a line
    assert vk.photo and "Yoga <studio> · VK" in vk.content
    assert "5.9K" in plain(vk.content) and "9.2K" not in plain(vk.content)
    assert not has_colour(vk.photo, style.STACK_COLOURS[1])
    assert vk.photo != total.photo

    table = (await bob.send("/history vk"))[-1]  # a network alone: the table and a hint
    assert not table.photo and "<pre>" in table.html
    assert "Yoga <studio> · VK" in table.text and "5.9K" in plain(table.text)
    assert table.text.rstrip().endswith("Chart: /history vk reach")
    own = (await bob.send("/history <dzen>"))[-1]
    assert not own.photo and "Chart: /history <dzen> reach" in own.text
    assert "Chart: /history &lt;dzen&gt; reach" in own.html  # what the user typed, escaped

    ig = (await bob.send("/history ig reach"))[-1]
    assert ig.photo and "Instagram" in ig.content and "3.3K" in plain(ig.content)


async def test_history_network_hint_in_russian_names_the_metric_in_russian(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    await anna.send("прошлая неделя, вк: охват 4 000, лиды 3; тг: лиды 2")
    table = (await anna.send("/history вк"))[-1]
    assert not table.photo and "Кофейня · ВК" in table.text
    assert "График: /history вк " in table.text
    command = table.text.rsplit("График: ", 1)[1].strip()
    chart = (await anna.send(command))[-1]  # the hint works as typed
    assert chart.photo and "Кофейня · ВК" in chart.content
