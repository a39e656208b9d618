"""File imports: read an uploaded table, describe what it would change, save on confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi.importing import ImportResult, read_import
from storage.base import Storage
from storage.models import BatchSource, NewPost, NewValue, Project

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Replacement:
    week_start: date
    metric: str
    old: float
    new: float
    network: str = ""
    campaign: str = ""


@dataclass(frozen=True, slots=True)
class ImportPlan:
    result: ImportResult
    overwrites: int  # stored values the import would replace with a different number
    unchanged: int  # values already stored with the same number
    replaced: tuple[Replacement, ...] = ()  # the overwrites, in file order


async def plan_import(storage: Storage, project: Project, data: bytes, filename: str,
                      today: date, custom: list[str]) -> ImportPlan:
    result = read_import(data, filename, today=today, custom=custom)
    stored = {(v.week_start, v.metric, v.network, v.campaign): v.value
              for v in await storage.get_values(project.id, since=min(result.weeks),
                                                until=max(result.weeks), breakdown=True)
              } if result.weeks else {}
    unchanged = 0
    replaced: list[Replacement] = []
    for value in result.values:
        old = stored.get((value.week_start, value.metric, value.network, value.campaign))
        if old is None:
            continue
        if old == value.value:
            unchanged += 1
        else:
            replaced.append(Replacement(value.week_start, value.metric, old, value.value,
                                        value.network, value.campaign))
    return ImportPlan(result, len(replaced), unchanged, tuple(replaced))


def to_state(plan: ImportPlan) -> list[list[Any]]:
    return [[v.week_start.isoformat(), v.metric, v.value, v.approximate, v.network, v.campaign]
            for v in plan.result.values]


def posts_to_state(plan: ImportPlan) -> list[list[Any]]:
    """The file's posts as JSON-safe rows for the preview's state (saved on confirmation)."""
    return [[p.key, p.published.isoformat(), p.title, p.link, p.network,
             [[metric, value] for metric, value in p.metrics]] for p in plan.result.posts]


def posts_from_state(rows: list[list[Any]]) -> list[NewPost]:
    return [NewPost(str(key), date.fromisoformat(day), str(title), link, str(network),
                    tuple((str(m), float(v)) for m, v in metrics))
            for key, day, title, link, network, metrics in rows]


async def apply_import(storage: Storage, project_id: int, user_id: int,
                       rows: list[list[Any]], *, key: int | None = None,
                       posts: list[list[Any]] | None = None) -> int:
    """Save the confirmed rows as one undoable batch. `key` (the update_id of the upload
    that made the preview) makes it idempotent: confirming the same preview again, after a
    redelivery or a double tap, returns the batch saved the first time and writes nothing."""
    # rows of a preview made before networks existed have four items: project-wide
    values = [NewValue(date.fromisoformat(week), metric, float(value), bool(approx),
                       network=str(segment[0]) if segment else "",
                       campaign=str(segment[1]) if len(segment) > 1 else "")
              for week, metric, value, approx, *segment in rows]
    saved = await storage.save_batch(project_id, user_id, BatchSource.IMPORT, values,
                                     update_id=key)
    # After the batch, in a transaction of its own: a confirm redelivered after a crash in
    # between finds the same batch (by `key`) and saves the posts then; saving twice is a no-op.
    if posts:
        await storage.save_posts(project_id, saved.batch_id, posts_from_state(posts))
    return saved.batch_id
