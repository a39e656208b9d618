"""The one-line form of /experiment: `<name> → <metric> up|down [from <week>] [to <week>]`.

Weeks are ISO (`2026-W47`) or a date in that week (`2026-11-17`, `17.11.2026`); `from` defaults to
the current week. Errors are `CommandError(key, **args)` with i18n keys, like kpi.expressions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from kpi import catalogue
from kpi.weeks import parse_iso_week, week_start

NAME_LIMIT = 80
_ARROW = re.compile(r"\s*(?:→|->|=>|—>)\s*")
_UP = {"up", "higher", "вверх", "рост", "выше", "↑", "+"}
_DOWN = {"down", "lower", "вниз", "снижение", "ниже", "↓", "-"}
_FROM = {"from", "с", "от"}
_TO = {"to", "until", "по", "до"}


class CommandError(ValueError):
    def __init__(self, key: str, **args: str | int) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = dict(args)


@dataclass(frozen=True, slots=True)
class ExperimentSpec:
    name: str
    metric: str
    want_up: bool
    start_week: date
    end_week: date | None


def parse_week(text: str) -> date | None:
    """The Monday of an ISO week or of the week holding a date; None if not understood."""
    text = text.strip()
    iso = parse_iso_week(text)
    if iso is not None:
        return iso
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return week_start(datetime.strptime(text, pattern).date())
        except ValueError:
            continue
    return None


def parse_experiment(text: str, current_week: date, custom: Sequence[str] = ()) -> ExperimentSpec:
    parts = _ARROW.split(text.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip():
        raise CommandError("experiment-bad-format")
    name, rest = parts[0].strip(), parts[1].split()
    if len(name) > NAME_LIMIT:
        raise CommandError("experiment-name-too-long", limit=NAME_LIMIT)
    weeks: dict[str, date] = {}
    while len(rest) >= 2 and rest[-2].casefold() in _FROM | _TO:
        week = parse_week(rest[-1])
        if week is None:
            raise CommandError("experiment-bad-week", text=rest[-1])
        weeks["from" if rest[-2].casefold() in _FROM else "to"] = week
        rest = rest[:-2]
    if not rest or rest[-1].casefold() not in _UP | _DOWN:
        raise CommandError("experiment-no-direction")
    want_up = rest[-1].casefold() in _UP
    metric_text = " ".join(rest[:-1])
    metric = catalogue.resolve(metric_text, custom) if metric_text else None
    if metric is None:
        raise CommandError("experiment-unknown-metric", name=metric_text or "—")
    start = weeks.get("from", current_week)
    end = weeks.get("to")
    if end is not None and end < start:
        raise CommandError("experiment-end-before-start")
    return ExperimentSpec(name, metric, want_up, start, end)
