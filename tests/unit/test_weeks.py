from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.weeks import (
    current_week,
    format_week,
    iso_week_label,
    normalize_timezone,
    parse_iso_week,
    parse_timezone,
    week_start,
)

MONDAY = date(2026, 11, 16)
MOMENT = datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize("day", range(7))
def test_week_start_is_the_monday(day: int) -> None:
    assert week_start(MONDAY + timedelta(days=day)) == MONDAY


@given(st.dates())
def test_week_start_property(d: date) -> None:
    monday = week_start(d)
    assert monday.weekday() == 0
    assert 0 <= (d - monday).days < 7
    assert monday.isocalendar()[:2] == d.isocalendar()[:2]


@pytest.mark.parametrize(("text", "canonical"), [
    ("Europe/Moscow", "Europe/Moscow"),
    ("europe/moscow", "Europe/Moscow"),
    ("  Europe/Moscow ", "Europe/Moscow"),
    ("Moscow", "Europe/Moscow"),
    ("Москва", "Europe/Moscow"),
    ("МСК", "Europe/Moscow"),
    ("new york", "America/New_York"),
    ("Asia/Kolkata", "Asia/Kolkata"),
    ("UTC+3", "UTC+03:00"),
    ("utc+3", "UTC+03:00"),
    ("UTC +3", "UTC+03:00"),
    ("GMT+03:00", "UTC+03:00"),
    ("+3", "UTC+03:00"),
    ("UTC-05:30", "UTC-05:30"),
    ("UTC-5:30", "UTC-05:30"),
    ("UTC−5", "UTC-05:00"),
    ("UTC+5:45", "UTC+05:45"),
    ("UTC+14", "UTC+14:00"),
    ("UTC", "UTC"),
    ("gmt", "UTC"),
    ("UTC+0", "UTC"),
    ("Etc/UTC", "UTC"),
])
def test_normalize_timezone(text: str, canonical: str) -> None:
    assert normalize_timezone(text) == canonical
    assert parse_timezone(text) is not None


@pytest.mark.parametrize("text", ["", "   ", "Not/AZone", "UTC+15", "UTC+3:75", "Mars", "+",
                                  "../etc/passwd", "UTC+03:00:00"])
def test_normalize_timezone_rejects(text: str) -> None:
    assert normalize_timezone(text) is None
    assert parse_timezone(text) is None


@pytest.mark.parametrize(("text", "offset"), [
    ("UTC+03:00", timedelta(hours=3)),
    ("UTC-05:30", -timedelta(hours=5, minutes=30)),
    ("UTC", timedelta(0)),
    ("Europe/Moscow", timedelta(hours=3)),
    ("America/New_York", -timedelta(hours=5)),
])
def test_parse_timezone_offsets(text: str, offset: timedelta) -> None:
    zone = parse_timezone(text)
    assert zone is not None
    assert zone.utcoffset(MOMENT) == offset


def test_canonical_names_parse_back_to_the_same_zone() -> None:
    for text in ("UTC+3", "utc-5:30", "москва", "gmt"):
        canonical = normalize_timezone(text)
        assert canonical is not None
        assert normalize_timezone(canonical) == canonical


def test_current_week_depends_on_the_zone() -> None:
    # Sunday 2026-11-22 20:00 UTC is already Monday 09:00 in Auckland (UTC+13).
    now = datetime(2026, 11, 22, 20, tzinfo=UTC)
    assert current_week("Pacific/Auckland", now) == date(2026, 11, 23)
    assert current_week("Europe/Moscow", now) == date(2026, 11, 16)
    assert current_week("UTC+3", now) == date(2026, 11, 16)
    assert current_week("UTC+05:00", now) == date(2026, 11, 23)
    assert current_week("UTC-05:30", datetime(2026, 11, 23, 3, tzinfo=UTC)) == date(2026, 11, 16)


def test_current_week_naive_now_is_utc_and_unknown_zone_is_utc() -> None:
    assert current_week("UTC", datetime(2026, 11, 22, 23, 59)) == date(2026, 11, 16)
    assert current_week("Nowhere/Land", datetime(2026, 11, 23, 0, 1)) == date(2026, 11, 23)
    other = datetime(2026, 11, 22, 23, tzinfo=timezone(timedelta(hours=-2)))
    assert current_week("UTC", other) == date(2026, 11, 23)


def test_current_week_without_now_is_a_monday() -> None:
    assert current_week("Europe/Moscow").weekday() == 0


@pytest.mark.parametrize(("monday", "label"), [
    (date(2026, 11, 16), "2026-W47"),
    (date(2026, 1, 5), "2026-W02"),
    (date(2025, 12, 29), "2026-W01"),
    (date(2020, 12, 28), "2020-W53"),
])
def test_iso_week_label_and_back(monday: date, label: str) -> None:
    assert iso_week_label(monday) == label
    assert iso_week_label(monday + timedelta(days=3)) == label
    assert parse_iso_week(label) == monday


@pytest.mark.parametrize("text", ["2026W47", "2026-w47", " 2026-W47 "])
def test_parse_iso_week_spellings(text: str) -> None:
    assert parse_iso_week(text) == date(2026, 11, 16)


@pytest.mark.parametrize("text", ["", "2026-W00", "2026-W54", "2025-W53", "W47", "2026-47",
                                  "2026-11-16"])
def test_parse_iso_week_rejects(text: str) -> None:
    assert parse_iso_week(text) is None


@given(st.dates(min_value=date(1, 1, 8), max_value=date(9999, 12, 20)))
def test_iso_week_round_trip(d: date) -> None:
    assert parse_iso_week(iso_week_label(d)) == week_start(d)


@pytest.mark.parametrize(("monday", "lang", "with_year", "label"), [
    (date(2026, 11, 16), "ru", False, "16–22 ноя"),
    (date(2026, 11, 16), "en", False, "Nov 16–22"),
    (date(2026, 11, 16), "ru", True, "16–22 ноя 2026"),
    (date(2026, 11, 16), "en", True, "Nov 16–22, 2026"),
    (date(2026, 11, 30), "ru", False, "30 ноя – 6 дек"),
    (date(2026, 11, 30), "en", False, "Nov 30 – Dec 6"),
    (date(2026, 11, 30), "en", True, "Nov 30 – Dec 6, 2026"),
    (date(2026, 5, 4), "ru", False, "4–10 мая"),
    (date(2025, 12, 29), "ru", False, "29 дек 2025 – 4 янв 2026"),
    (date(2025, 12, 29), "en", False, "Dec 29, 2025 – Jan 4, 2026"),
    (date(2026, 11, 16), "de", False, "Nov 16–22"),
])
def test_format_week(monday: date, lang: str, with_year: bool, label: str) -> None:
    assert format_week(monday, lang, with_year=with_year) == label
