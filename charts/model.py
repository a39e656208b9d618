"""Input data for the charts: plain, picklable dataclasses (they cross process boundaries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Panel:
    """One KPI. `weeks` and `values` are parallel; a None value is drawn as a gap.

    unit: 'count' | 'money' | 'percent'
    status: 'ok' | 'warning' | 'critical' | 'no_data'
    change_pct: week-over-week change in percent (-8.0 means −8 %), None when unknown
    direction: 'higher_is_better' | 'lower_is_better' | 'neutral'
    markers: weeks with a note (/note), drawn as dotted vertical lines
    stacks: the total split by network, drawn as stacked bars with a legend instead of the
        line: (legend label, values parallel to `weeks`), bottom segment first; the segments
        of a week add up to its value. Empty: a line. Never set for rates (unit 'percent').
    stack_rest: the last of `stacks` is the part no network accounts for (drawn grey)
    """

    title: str
    weeks: list[date]
    values: list[float | None]
    target: float | None = None
    unit: str = "count"
    status: str = "ok"
    change_pct: float | None = None
    direction: str = "higher_is_better"
    markers: tuple[date, ...] = ()
    stacks: tuple[tuple[str, tuple[float | None, ...]], ...] = ()
    stack_rest: bool = False


@dataclass(frozen=True, slots=True)
class DigestChart:
    """The weekly digest image: a header and up to 6 KPI panels (extra panels are ignored)."""

    title: str
    subtitle: str
    lang: str
    panels: list[Panel] = field(default_factory=list)
