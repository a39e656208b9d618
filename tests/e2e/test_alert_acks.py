"""A fall that stays is repeated in every digest until acknowledged in /alerts; /report details
tells every alert while the digest tells one per KPI — through the real Dispatcher and fake."""

from __future__ import annotations

from datetime import timedelta

from kpi.weeks import current_week
from storage.models import BatchSource, NewValue, Project, ProjectKpi
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.test_security import forge

OWNER = 1601


async def shifted_project(app: App) -> Project:
    """Saves 7,500 a week, then 5,400 for the last three full weeks; clicks fall the same way
    but only last week (a fresh drop) and slide for a streak too."""
    project = await app.storage.create_project(
        OWNER, "Shop", "engagement", "Europe/Moscow", "en",
        [ProjectKpi("saves", position=0), ProjectKpi("clicks", position=1)])
    this_week = current_week(project.timezone)
    values = []
    for i in range(10):
        week = this_week - timedelta(weeks=10 - i)
        values.append(NewValue(week, "saves", 7500 + 10 * (i % 3) if i < 7 else 5400 + 5 * i))
        values.append(NewValue(week, "clicks", [900, 910, 905, 900, 880, 860, 840, 820, 800,
                                                400][i]))
    await app.storage.save_batch(project.id, OWNER, BatchSource.IMPORT, values)
    return project


async def test_a_fall_that_stays_is_told_until_acknowledged(botapi: TelegramFake, app: App):
    owner = TgUser(botapi, OWNER, "Ann", language_code="en")
    project = await shifted_project(app)
    [digest] = [r for r in await owner.send("/report") if r.photo]
    assert "Saves are still 27% below the level before W" in digest.content
    assert "Look at:" in digest.content  # what to look at next
    # One sentence per KPI in the digest; the rest on request.
    bullets = [line for line in digest.content.splitlines() if line.startswith("• ")]
    assert len(bullets) == 2, digest.content
    assert "/report details" in digest.content
    details = (await owner.send("/report details"))[-1].text
    assert details.count("• ") > 2 and "Clicks fell" in details

    listing = (await owner.send("/alerts"))[-1]
    assert "Falls that stay" in listing.text and "Saves: lower since W" in listing.text
    [button] = [b for b in listing.button_texts if b.startswith("✔️ Acknowledge: Saves")]
    await owner.click(button)
    [answer] = botapi.calls_to("answerCallbackQuery", ok=True)
    assert "acknowledged" in answer.params["text"]
    acks = await app.storage.get_alert_acks(project.id)
    assert list(acks) == ["saves"]
    # Acknowledging again (a redelivered tap) changes nothing.
    await owner.click(button)
    assert await app.storage.get_alert_acks(project.id) == acks

    [digest] = [r for r in await owner.send("/report") if r.photo]
    assert "still" not in digest.content
    assert "Clicks fell" in digest.content  # the other KPI's fresh drop is still told
    assert "Falls that stay" not in (await owner.send("/alerts"))[-1].text


async def test_a_viewer_cannot_acknowledge(botapi: TelegramFake, app: App):
    from storage.models import Role

    owner = TgUser(botapi, OWNER, "Ann", language_code="en")
    project = await shifted_project(app)
    viewer = TgUser(botapi, 1602, "Val", language_code="en")
    await app.storage.ensure_user(1602)
    await app.storage.set_member_role(project.id, 1602, Role.VIEWER)
    await app.storage.set_active_project(1602, project.id)
    listing = (await viewer.send("/alerts"))[-1]
    assert "Falls that stay" in listing.text and not listing.button_texts
    listing = (await owner.send("/alerts"))[-1]
    data = next(b.callback_data for row in listing.buttons for b in row
                if b.text.startswith("✔️"))
    await forge(viewer, data)  # the owner's button, pressed by the viewer
    assert await app.storage.get_alert_acks(project.id) == {}
    refusals = [c for c in botapi.calls_to("answerCallbackQuery", ok=True)
                if c.params.get("show_alert")]
    assert len(refusals) == 1
