"""Plain records the storage layer returns. No SQL, no aiogram: handlers and jobs use these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def can_edit(self) -> bool:
        return self in (Role.OWNER, Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self is Role.OWNER


class BatchSource(StrEnum):
    MESSAGE = "message"  # a typed message
    GUIDED = "guided"  # the /add dialog
    IMPORT = "import"  # an uploaded file
    COLLECTED = "collected"  # counted by the bot itself (a linked channel's subscribers)


@dataclass(frozen=True, slots=True)
class User:
    id: int  # Telegram user id
    language: str | None  # chosen with /language; None → from Telegram's language_code
    active_project_id: int | None
    display_name: str | None = None  # Telegram name (@username) as last seen; untrusted text


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    name: str
    goal: str
    timezone: str
    created_at: datetime
    channel_chat_id: int | None = None
    channel_title: str | None = None
    schedule_weekday: int = 0  # 0 = Monday
    schedule_time: time = time(10, 0)
    schedule_enabled: bool = True
    delivery_paused: bool = False  # set on 403 from the channel; owner must relink
    reminder_hours: int | None = 24  # hours before the digest; None = off
    language: str = "ru"  # language the digest is posted in


@dataclass(frozen=True, slots=True)
class ProjectKpi:
    metric: str  # canonical key or the custom metric's name
    target: float | None = None
    custom: bool = False
    direction: str = "higher_is_better"  # for custom metrics; catalogue wins for known keys
    position: int = 0


@dataclass(frozen=True, slots=True)
class Membership:
    project: Project
    role: Role


@dataclass(frozen=True, slots=True)
class WeeklyValue:
    project_id: int
    week_start: date
    metric: str
    value: float
    entered: bool = True  # False when derived KPIs are computed, True for what users sent
    approximate: bool = False  # e.g. weekly reach summed from daily rows
    network: str = ""  # '' with campaign '': the project-wide value (kpi.breakdown)
    campaign: str = ""
    collected: bool = False  # recorded by the bot itself (get_values(breakdown=True) only)


@dataclass(frozen=True, slots=True)
class NewValue:
    week_start: date
    metric: str
    value: float
    approximate: bool = False
    network: str = ""  # a built-in network key or the project's own network name
    campaign: str = ""  # at most one of network and campaign is set

    @property
    def key(self) -> tuple[date, str] | tuple[date, str, str, str]:
        """What a batch holds once: (week, metric) project-wide, with the segment otherwise."""
        if self.network or self.campaign:
            return (self.week_start, self.metric, self.network, self.campaign)
        return (self.week_start, self.metric)


@dataclass(frozen=True, slots=True)
class SavedBatch:
    batch_id: int
    # For each saved value's `NewValue.key`: the value it replaced, None if it was new.
    replaced: dict[tuple, float | None] = field(default_factory=dict)
    duplicate: bool = False  # the same update_id was already applied: nothing written again
    # The project totals (kpi.breakdown), by week and metric, of the weeks save_batch was
    # asked to read back.
    weeks: dict[date, dict[str, float]] = field(default_factory=dict)
    # A network or campaign the project did not have before was added (read caches of the
    # project's networks are stale then).
    new_segments: bool = False


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    project_id: int
    user_id: int
    source: BatchSource
    created_at: datetime
    values: tuple[NewValue, ...]
    undone: bool = False


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    project_id: int
    role: Role
    created_by: int
    expires_at: datetime
    max_uses: int
    uses: int


@dataclass(frozen=True, slots=True)
class AlertThreshold:
    metric: str
    warning_pct: float
    critical_pct: float


@dataclass(frozen=True, slots=True)
class Note:
    """What changed in a week ("started Reels"): a marker on charts, a sheet in the export."""

    id: int
    project_id: int
    week_start: date
    text: str  # untrusted user text
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Experiment:
    """A named change expected to move `metric` up (`want_up`) or down from `start_week`."""

    id: int
    project_id: int
    name: str  # untrusted user text
    metric: str
    want_up: bool
    start_week: date
    end_week: date | None  # None: still running
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FormulaKpi:
    """The user's own KPI computed by a formula over the project's metrics (kpi.expressions)."""

    name: str
    formula: str  # as the user typed it; parsed again where it is computed
    direction: str = "higher_is_better"
    unit: str = ""  # free text shown after the value ("%", "₽", "")
    position: int = 0


@dataclass(frozen=True, slots=True)
class NewPost:
    """One row of an uploaded post list, saved with the import batch that read it."""

    key: str  # stable across imports of the same file (kpi.posts.build_posts)
    published: date
    title: str  # untrusted text from the file
    link: str | None  # untrusted http(s) address
    network: str  # free text
    metrics: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Post:
    """A post as it stands: the copy of the newest import batch not undone."""

    project_id: int
    batch_id: int
    key: str
    published: date
    week_start: date
    title: str
    link: str | None
    network: str
    metrics: tuple[tuple[str, float], ...]

    @property
    def values(self) -> dict[str, float]:
        return dict(self.metrics)


@dataclass(frozen=True, slots=True)
class Campaign:
    """A named campaign of a project; values may belong to it (kpi.breakdown)."""

    name: str  # untrusted user text
    start_week: date | None = None
    end_week: date | None = None
