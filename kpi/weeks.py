"""ISO weeks (stored under their Monday), project timezones and short week labels."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:[:.]?(\d{2}))?$", re.IGNORECASE)
_UTC_NAMES = frozenset({"utc", "gmt", "z", "utc0", "gmt0"})
_MAX_OFFSET = timedelta(hours=14)
_ISO_WEEK = re.compile(r"^\s*(\d{4})-?w(\d{1,2})\s*$", re.IGNORECASE)

# Names people type for the zones the onboarding offers (and a few more).
_CITY_ZONES = {
    "москва": "Europe/Moscow", "мск": "Europe/Moscow", "msk": "Europe/Moscow",
    "калининград": "Europe/Kaliningrad", "самара": "Europe/Samara",
    "екатеринбург": "Asia/Yekaterinburg", "омск": "Asia/Omsk",
    "новосибирск": "Asia/Novosibirsk", "красноярск": "Asia/Krasnoyarsk",
    "иркутск": "Asia/Irkutsk", "якутск": "Asia/Yakutsk", "владивосток": "Asia/Vladivostok",
    "магадан": "Asia/Magadan", "камчатка": "Asia/Kamchatka", "минск": "Europe/Minsk",
    "киев": "Europe/Kyiv", "алматы": "Asia/Almaty", "ташкент": "Asia/Tashkent",
    "тбилиси": "Asia/Tbilisi", "ереван": "Asia/Yerevan", "баку": "Asia/Baku",
    "стамбул": "Europe/Istanbul", "дубай": "Asia/Dubai", "бангкок": "Asia/Bangkok",
    "лондон": "Europe/London", "берлин": "Europe/Berlin",
}

MONTHS_RU = ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def week_start(d: date) -> date:
    """The Monday of `d`'s ISO week."""
    return d - timedelta(days=d.weekday())


@cache
def _zones_by_lower_name() -> dict[str, str]:
    zones = {name.casefold(): name for name in sorted(available_timezones())}
    for name in list(zones.values()):
        city = name.rsplit("/", 1)[-1]
        zones.setdefault(city.casefold(), name)
        zones.setdefault(city.casefold().replace("_", " "), name)
    return zones


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def normalize_timezone(text: str) -> str | None:
    """The canonical stored name of a zone a user typed, else None.

    `europe/moscow`, `Moscow`, `Москва` → `Europe/Moscow`; `UTC+3`, `GMT+03:00`, `+3` →
    `UTC+03:00`; `UTC-5:30` → `UTC-05:30`; `UTC`, `GMT`, `UTC+0` → `UTC`.
    """
    cleaned = " ".join((text or "").split())
    lowered = cleaned.casefold().replace("ё", "е")
    if not lowered:
        return None
    if lowered in _UTC_NAMES:
        return "UTC"
    match = _OFFSET.match(cleaned)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        offset = timedelta(hours=hours, minutes=minutes)
        if minutes >= 60 or offset > _MAX_OFFSET:
            return None
        if match.group(1) in "-−":
            offset = -offset
        return _offset_name(offset) if offset else "UTC"
    name = _CITY_ZONES.get(lowered) or _zones_by_lower_name().get(lowered)
    if name is None:
        return None
    return "UTC" if name in ("UTC", "Etc/UTC") else name


@lru_cache(maxsize=4096)
def parse_timezone(text: str) -> tzinfo | None:
    """The tzinfo for an IANA zone or a fixed offset (anything `normalize_timezone` accepts).
    Cached: the scheduler asks for every project's zone every minute."""
    name = normalize_timezone(text)
    if name is None:
        return None
    if name == "UTC":
        return UTC
    if name.startswith("UTC"):
        sign = -1 if name[3] == "-" else 1
        offset = sign * timedelta(hours=int(name[4:6]), minutes=int(name[7:9]))
        return timezone(offset, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def current_week(tz: str, now: datetime | None = None) -> date:
    """The Monday of the current ISO week in zone `tz` (UTC when the zone is unknown).

    A naive `now` is taken as UTC.
    """
    zone = parse_timezone(tz) or UTC
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return week_start(now.astimezone(zone).date())


@lru_cache(maxsize=8192)
def scheduled_moment(tz: str, week: date, weekday: int, at: time) -> datetime:
    """When a weekly schedule (`weekday` 0 = Monday, wall time `at` in zone `tz`) fires in the
    ISO week starting on `week`, in UTC. A wall time skipped by a DST jump is read with the
    offset before the change; an ambiguous one means its first occurrence."""
    zone = parse_timezone(tz) or UTC
    day = week + timedelta(days=weekday)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def iso_week_label(week_start: date) -> str:
    """`2026-W47` for any day of that ISO week."""
    year, week, _ = week_start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def parse_iso_week(text: str) -> date | None:
    """The Monday of an ISO week written `2026-W47` (also `2026W47`, `2026-w47`), else None."""
    match = _ISO_WEEK.match(text or "")
    if match is None:
        return None
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def _day_month(d: date, lang: str) -> str:
    if lang == "ru":
        return f"{d.day} {MONTHS_RU[d.month - 1]}"
    return f"{MONTHS_EN[d.month - 1]} {d.day}"


def _year(d: date, lang: str) -> str:
    return f" {d.year}" if lang == "ru" else f", {d.year}"


def format_week(week_start: date, lang: str, *, with_year: bool = False) -> str:
    """A short label of the week's Monday–Sunday: `17–23 ноя`, `Nov 17–23`,
    `29 дек 2025 – 4 янв 2026`; the year is shown when the week crosses years or when asked."""
    end = week_start + timedelta(days=6)
    first, last = _day_month(week_start, lang), _day_month(end, lang)
    if end.year != week_start.year:
        return f"{first}{_year(week_start, lang)} – {last}{_year(end, lang)}"
    year = _year(end, lang) if with_year else ""
    if end.month != week_start.month:
        return f"{first} – {last}{year}"
    if lang == "ru":
        return f"{week_start.day}–{last}{year}"
    return f"{first}–{end.day}{year}"
