"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright, the page
served by the bot's aiohttp app, opened the way Telegram opens a Mini App (signed initData and
the theme in the URL hash). Screenshots go to $SMM_SCREENSHOTS (docs/img/ holds copies)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import playwright.async_api as playwright_api
import pytest

from bot.i18n import get_translator
from kpi.formatting import format_number
from kpi.weeks import format_week
from storage.models import BatchSource, NewValue, Role
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app
from tests.paths import SOURCE_ROOT
from tests.webapp.helpers import EDITOR, OWNER, VIEWER, WEEKS, init_data, reach_of, seed
from tests.webapp.test_api import last_full_week

# Turned off only on purpose (scripts/preflight.py fails the run when the browser is missing).
CHROMIUM = os.environ.get("SMM_TEST_BROWSER", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(CHROMIUM == "off", reason="SMM_TEST_BROWSER=off")
expect = playwright_api.expect

LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
         "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
         "secondary_bg_color": "#efeff3"}
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
        "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#232e3c"}


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path) -> AsyncIterator[App]:
    async with running_app(botapi, tmp_path / "bot.db", default_language="en",
                           webapp=True) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM)
        try:
            yield chromium
        finally:
            await chromium.close()


def launch_url(app: App, init: str, theme: dict[str, str]) -> str:
    return f"{app.web_url}/app/#" + urlencode({"tgWebAppData": init, "tgWebAppVersion": "8.0",
                                              "tgWebAppPlatform": "android",
                                              "tgWebAppThemeParams": json.dumps(theme)})


async def open_page(browser, app: App, user_id: int, *, lang: str = "en",
                    theme: dict[str, str] = LIGHT, width: int = 360):
    page = await browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # every console error counts, but the 422 that a refused value answers (tested as such)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and "status of 422" not in msg.text else None)
    await page.goto(launch_url(app, init_data(app.bot.token, user_id, lang=lang), theme))
    return page, errors


def screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SMM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


async def test_an_editor_sees_charts_zooms_reads_the_table_and_corrects_a_value(
        app: App, browser, tmp_path: Path) -> None:
    project = await seed(app.storage)
    await app.storage.add_note(project.id, OWNER, last_full_week(), "<b>Reels</b> 3×/week")
    other = await seed(app.storage, "Second shop")
    await app.storage.set_member_role(other.id, EDITOR, None)
    await app.storage.set_active_project(EDITOR, project.id)
    page, errors = await open_page(browser, app, EDITOR)
    reach = page.locator('article.metric[data-metric="reach"]')
    await reach.locator("canvas").wait_for()
    assert await page.locator("#project option:checked").inner_text() == project.name
    assert await page.locator("#project option").count() == 1  # not a member of the other
    assert await page.locator("#alert-list li").count() >= 1

    # hover: the week, the value, the change and the target
    box = await reach.locator(".u-over").bounding_box()
    await page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    hover = await reach.locator(".hover").inner_text()
    assert format_week(last_full_week(), "en") in hover
    assert format_number(reach_of(WEEKS - 1), "en") in hover and "Target 1,500" in hover
    assert "📝 <b>Reels</b> 3×/week" in hover  # the week's note, as text

    # zoom: 4 weeks draws a different chart than 13
    before = await reach.locator("canvas").screenshot()
    await page.click('[data-zoom="4"]')
    assert await page.get_attribute('[data-zoom="4"]', "aria-pressed") == "true"
    assert await reach.locator("canvas").screenshot() != before
    await page.click('[data-zoom="all"]')

    # the table: one row per week, the stored numbers
    await page.click("#show-table")
    assert await page.locator("#charts").is_hidden()
    rows = page.locator("#table tbody tr")
    assert await rows.count() == WEEKS
    newest = rows.first.locator('td[data-metric="reach"]')
    assert await newest.inner_text() == format_number(reach_of(WEEKS - 1), "en")

    # edit a value: stored as a chat entry would be, shown at once
    await page.select_option("#edit-metric", "reach")
    await page.select_option("#edit-week", last_full_week().isoformat())
    await page.fill("#edit-value", "1234")
    await page.click("#edit-save")
    await expect(page.locator("#edit-result")).to_contain_text("1,234")
    values = {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project.id)}
    assert values[(last_full_week(), "reach")] == 1234.0
    await expect(newest).to_have_text("1,234")
    # a bad value: the chat's refusal, nothing stored
    await page.fill("#edit-value", "-5")
    await page.click("#edit-save")
    refused = get_translator("en")("entry-refused-negative")
    await expect(page.locator("#edit-result")).to_have_text(refused)
    await page.screenshot(path=screenshot_path(tmp_path, "dashboard-table.png"))
    assert not errors


async def test_a_viewer_sees_no_edit_control_and_can_switch_projects(
        app: App, browser) -> None:
    first = await seed(app.storage)
    second = await seed(app.storage, "Second shop")
    week = last_full_week() - timedelta(weeks=WEEKS - 1)
    await app.storage.set_member_role(second.id, VIEWER, Role.VIEWER)
    await app.storage.set_active_project(VIEWER, first.id)
    await app.storage.save_batch(second.id, OWNER, BatchSource.MESSAGE,
                                 [NewValue(week, "reach", 4321.0)])
    page, errors = await open_page(browser, app, VIEWER)
    await page.locator("article.metric canvas").first.wait_for()
    assert await page.locator("#editor").is_hidden()
    assert await page.locator("#read-only").is_visible()
    await page.select_option("#project", str(second.id))
    await page.click("#show-table")
    oldest = page.locator("#table tbody tr").last.locator('td[data-metric="reach"]')
    await expect(oldest).to_have_text("4,321")
    assert not errors


async def test_dark_and_light_themes_in_russian_at_360_px(app: App, browser,
                                                          tmp_path: Path) -> None:
    await seed(app.storage, "Кофейня")
    for name, theme in (("dark", DARK), ("light", LIGHT)):
        page, errors = await open_page(browser, app, OWNER, lang="ru", theme=theme)
        await page.locator("article.metric canvas").first.wait_for()
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        expected = "rgb(23, 33, 43)" if name == "dark" else "rgb(255, 255, 255)"
        assert background == expected
        assert await page.evaluate(
            "document.documentElement.classList.contains('dark')") is (name == "dark")
        assert await page.locator("#show-table").inner_text() == get_translator("ru")(
            "dashboard-view-table")
        # nothing wider than the phone: no sideways scrolling of the page
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        path = screenshot_path(tmp_path, f"dashboard-{name}.png")
        await page.screenshot(path=path)
        assert path.stat().st_size > 10_000
        assert not errors
        await page.close()


async def test_the_theme_follows_telegrams_theme_changed_event(app: App, browser) -> None:
    await seed(app.storage)
    page, errors = await open_page(browser, app, OWNER, theme=LIGHT)
    await page.locator("article.metric canvas").first.wait_for()
    # what a Telegram client calls when the user switches to the dark theme
    await page.evaluate("t => window.Telegram.WebView.receiveEvent('theme_changed', "
                        "{theme_params: t})", DARK)
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(23, 33, 43)")
    await page.locator("article.metric canvas").first.wait_for()  # charts redrawn
    assert not errors


async def test_a_forged_init_data_shows_the_refusal_and_no_numbers(app: App, browser) -> None:
    project = await seed(app.storage)
    page = await browser.new_page(viewport={"width": 360, "height": 700})
    forged = init_data(app.bot.token, OWNER).replace("%22id%22%3A1001", "%22id%22%3A1002")
    await page.goto(launch_url(app, forged, LIGHT))
    await expect(page.locator("#status")).not_to_be_empty()
    assert await page.locator("#dashboard").is_hidden()
    assert project.name not in await page.content()
    assert await page.locator("canvas").count() == 0


def test_screenshots_in_docs_exist() -> None:
    """README shows them; regenerate with SMM_SCREENSHOTS=docs/img."""
    docs = SOURCE_ROOT / "docs" / "img"
    for name in ("dashboard-light.png", "dashboard-dark.png", "dashboard-table.png"):
        assert (docs / name).stat().st_size > 10_000
