"""Storage contract: acknowledged level shifts (migration 0009)."""

from __future__ import annotations

from datetime import date

from storage.models import ProjectKpi
from storage.sqlite import SqliteStorage


async def test_ack_is_set_replaced_cleared_and_per_project(storage: SqliteStorage) -> None:
    first = await storage.create_project(1, "A", "engagement", "UTC", "en", [ProjectKpi("saves")])
    other = await storage.create_project(1, "B", "engagement", "UTC", "en", [ProjectKpi("saves")])
    assert await storage.get_alert_acks(first.id) == {}
    await storage.set_alert_ack(first.id, "saves", date(2026, 11, 9), 1)
    await storage.set_alert_ack(first.id, "saves", date(2026, 11, 9), 1)  # idempotent
    assert await storage.get_alert_acks(first.id) == {"saves": date(2026, 11, 9)}
    assert await storage.get_alert_acks(other.id) == {}
    await storage.set_alert_ack(first.id, "saves", date(2026, 11, 23), 1)  # a newer shift
    assert await storage.get_alert_acks(first.id) == {"saves": date(2026, 11, 23)}
    await storage.set_alert_ack(first.id, "saves", None, 1)
    assert await storage.get_alert_acks(first.id) == {}
