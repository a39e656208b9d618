"""Parsing `/schedule пн 10:00`, `/schedule mon 10:00`, `/schedule off`."""

from __future__ import annotations

import re
from datetime import time

WEEKDAYS: dict[str, int] = {}
for index, names in enumerate((
    ("пн", "понедельник", "mon", "monday"), ("вт", "вторник", "tue", "tuesday"),
    ("ср", "среда", "wed", "wednesday"), ("чт", "четверг", "thu", "thursday"),
    ("пт", "пятница", "fri", "friday"), ("сб", "суббота", "sat", "saturday"),
    ("вс", "воскресенье", "sun", "sunday"),
)):
    for name in names:
        WEEKDAYS[name] = index

OFF_WORDS = frozenset({"off", "выкл", "выключить", "нет", "stop"})
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


def parse_weekday(text: str) -> int | None:
    return WEEKDAYS.get(text.strip().casefold().rstrip("."))


def parse_time(text: str) -> time | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_schedule(text: str) -> tuple[int, time] | str | None:
    """(weekday, time), the string "off", or None when the text is not a schedule."""
    words = text.split()
    if len(words) == 1 and words[0].casefold() in OFF_WORDS:
        return "off"
    if len(words) != 2:
        return None
    weekday, at = parse_weekday(words[0]), parse_time(words[1])
    if weekday is None or at is None:
        return None
    return weekday, at
