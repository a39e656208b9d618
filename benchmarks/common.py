"""Shared pieces: result rows, the table, memory readings and synthetic data."""

from __future__ import annotations

import math
import os
import random
import sqlite3
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Realistic weekly numbers for the six metrics a typical project tracks.
METRICS = ("reach", "impressions", "posts", "followers", "clicks", "leads")
KPI_SETS = (
    ("reach", "clicks", "leads", "ctr", "cpl", "followers"),
    ("reach", "impressions", "er_reach", "followers", "leads", "clicks"),
)


SPEED, LIMIT, QUALITY = "speed", "limit", "quality"


@dataclass
class Result:
    """One row of the table. `higher_is_better` decides how `measured` meets `target`.

    `kind`: a SPEED target (time, rate, memory: they vary with the machine, so they are held
    with a margin, `headroom`), a LIMIT that holds exactly or not (sends refused by the 30/s
    rule, charts per project) or a QUALITY target of a seeded, deterministic evaluation
    (alert precision, experiment verdicts), which no machine changes. `floor`: the best
    value possible at all for a time (Telegram's 30 messages/s for a wave of sends): the
    margin is then the one on the time above it, the only part the bot controls.
    """

    name: str
    measured: float | None
    unit: str = ""
    target: float | None = None
    higher_is_better: bool = True
    baseline: float | None = None  # the reference measured in the same run, if any
    note: str = ""
    kind: str = SPEED
    floor: float | None = None

    @property
    def headroom(self) -> float | None:
        """How many times better than its target a SPEED row is (1.25: a 25 % margin); of
        the part above `floor` when there is one."""
        if self.kind != SPEED or self.target is None or self.measured is None:
            return None
        if math.isnan(self.measured):
            return 0.0
        if self.higher_is_better:
            return self.measured / self.target if self.target else None
        floor = self.floor or 0.0
        above = self.measured - floor
        return (self.target - floor) / above if above > 0 else math.inf

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.baseline:
            return None
        return self.measured / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        if self.measured is None or math.isnan(self.measured):
            return False
        return (self.measured >= self.target if self.higher_is_better
                else self.measured <= self.target)


def thin(result: Result, margin: float) -> bool:
    """A SPEED target met, but with less headroom than `margin`."""
    return result.headroom is not None and result.headroom < margin


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def table(results: Sequence[Result], margin: float | None = None) -> str:
    """The results; with `margin` (1.25 for 25 %), a SPEED target met with less headroom is
    marked THIN."""
    head = ("benchmark", "measured", "target", "headroom", "baseline", "ratio", "result")
    rows = []
    for r in results:
        op = "≥" if r.higher_is_better else "≤"
        target = "—" if r.target is None else f"{op} {fmt(r.target, r.unit)}"
        verdict = {None: "info", True: "PASS", False: "FAIL"}[r.passed]
        if r.passed and margin is not None and thin(r, margin):
            verdict = "THIN"
        headroom = "—" if r.headroom is None else f"{min(r.headroom, 99):.2f}×"
        if r.floor is not None and r.headroom is not None:
            headroom += f" (above {fmt(r.floor, r.unit)})"
        rows.append((r.name, fmt(r.measured, r.unit), target, headroom,
                     fmt(r.baseline, r.unit), "—" if r.ratio is None else f"{r.ratio:.2f}×",
                     verdict))
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    notes = [f"  [{r.name}] {r.note}" for r in results if r.note]
    return "\n".join(out + (["", *notes] if notes else []))


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[k]


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else math.nan


# --- memory -------------------------------------------------------------------------------------

def proc_status_kb(pid: int, field: str = "VmHWM") -> int | None:
    """A /proc/<pid>/status field in kB (VmHWM: peak resident set), None if gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (all its threads), from /proc."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as handle:
                found += [int(x) for x in handle.read().split()]
        except FileNotFoundError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], child_pids(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += child_pids(child)
    return out


def self_peak_mb() -> float:
    return (proc_status_kb(os.getpid()) or 0) / 1024


# --- synthetic data -------------------------------------------------------------------------------

def week_values(rng: random.Random, i: int) -> dict[str, float]:
    """Plausible numbers for week `i` of a project's history (a trend with noise)."""
    season = 1 + 0.08 * math.sin(i / 2.5)
    reach = 12000 * season * rng.uniform(0.85, 1.15) * (1 + 0.005 * i)
    impressions = reach * rng.uniform(1.4, 1.7)
    clicks = impressions * rng.uniform(0.011, 0.015)
    return {"reach": round(reach), "impressions": round(impressions),
            "posts": rng.choice((4, 5, 6, 7)), "followers": round(3000 + 45 * i),
            "clicks": round(clicks), "leads": round(clicks * rng.uniform(0.05, 0.08))}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


TIMEZONES = ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Europe/Kaliningrad",
             "Asia/Vladivostok", "UTC", "Europe/Berlin", "America/New_York", "UTC+03:00")


def bulk_load(db_path: Path, projects: int, weeks: int, *, now: datetime,
              all_due: bool = False, digest_history: bool = True, seed: int = 7,
              user_base: int = 1_000_000) -> None:
    """Fill an already migrated database with `projects` projects (one owner each), their
    KPIs, `weeks` weeks of the six METRICS (one batch per project and week, as weekly typed
    entries produce) and the digests already sent for past weeks.

    all_due: every project is scheduled Monday 00:00 UTC, so all are due at `now` (the scaled
    scenario); otherwise schedules and time zones are spread over the week.
    """
    rng = random.Random(seed)
    this_week = monday(now.astimezone(UTC).date())
    created = (now - timedelta(weeks=weeks + 1)).isoformat()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    projects_rows, users_rows, members_rows, kpi_rows = [], [], [], []
    for p in range(1, projects + 1):
        uid = user_base + p
        tz = "UTC" if all_due else rng.choice(TIMEZONES)
        weekday = 0 if all_due else rng.randrange(7)
        at = "00:00" if all_due else f"{rng.randrange(8, 20):02d}:{rng.choice((0, 30)):02d}"
        projects_rows.append((p, f"Проект {p}", "leads", tz, "ru", created, weekday, at))
        users_rows.append((uid, p, created))
        members_rows.append((p, uid, "owner", created))
        for pos, metric in enumerate(KPI_SETS[p % len(KPI_SETS)]):
            kpi_rows.append((p, metric, None if pos % 2 else 1000.0 * (pos + 1), pos))
    db.executemany("INSERT INTO projects (id, name, goal, timezone, language, created_at, "
                   "schedule_weekday, schedule_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   projects_rows)
    db.executemany("INSERT INTO users (id, active_project_id, created_at) VALUES (?, ?, ?)",
                   users_rows)
    db.executemany("INSERT INTO members (project_id, user_id, role, joined_at) "
                   "VALUES (?, ?, ?, ?)", members_rows)
    db.executemany("INSERT INTO project_kpis (project_id, metric, target, position) "
                   "VALUES (?, ?, ?, ?)", kpi_rows)
    batch_id = 0
    for p in range(1, projects + 1):
        uid = user_base + p
        batches, values, entries, digests = [], [], [], []
        for i in range(weeks):
            week = (this_week - timedelta(weeks=weeks - i)).isoformat()
            batch_id += 1
            batches.append((batch_id, p, uid, "message", created))
            for metric, value in week_values(rng, i).items():
                values.append((p, week, metric, float(value), batch_id))
                entries.append((batch_id, p, week, metric, float(value)))
            if digest_history:
                digests.append((p, week, "sent", created, created))
        db.executemany("INSERT INTO batches (id, project_id, user_id, source, created_at) "
                       "VALUES (?, ?, ?, ?, ?)", batches)
        db.executemany("INSERT INTO weekly_values (project_id, week_start, metric, value, "
                       "batch_id) VALUES (?, ?, ?, ?, ?)", values)
        db.executemany("INSERT INTO entries (batch_id, project_id, week_start, metric, value) "
                       "VALUES (?, ?, ?, ?, ?)", entries)
        db.executemany("INSERT INTO digests (project_id, week_start, status, claimed_at, "
                       "sent_at) VALUES (?, ?, ?, ?, ?)", digests)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


async def migrated_db(path: Path) -> None:
    """Create the schema through the storage API (migrations included)."""
    from storage.sqlite import SqliteStorage

    storage = SqliteStorage(path)
    await storage.connect()
    await storage.close()


def utc_now() -> datetime:
    return datetime.now(UTC)
