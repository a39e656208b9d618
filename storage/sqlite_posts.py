"""SQLite side of posts (migration 0012), mixed into SqliteStorage."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from storage.models import NewPost, Post

_COLUMNS = ("p.project_id, p.batch_id, p.post_key, p.published, p.week_start, p.title, p.link, "
            "p.network, p.metrics")
# A post's current copy: the one of the newest batch of the project not undone.
_CURRENT = (
    f"SELECT {_COLUMNS} FROM posts p JOIN batches b ON b.id = p.batch_id "
    "WHERE p.project_id = ? AND b.undone_at IS NULL AND p.week_start >= ? AND p.week_start <= ? "
    "AND p.batch_id = (SELECT MAX(q.batch_id) FROM posts q JOIN batches c ON c.id = q.batch_id "
    "WHERE q.project_id = p.project_id AND q.post_key = p.post_key AND c.undone_at IS NULL) "
    "ORDER BY p.published, p.post_key")


def _post(row: Any) -> Post:
    metrics = tuple((str(k), float(v)) for k, v in json.loads(row[8]).items())
    return Post(row[0], row[1], row[2], date.fromisoformat(row[3]), date.fromisoformat(row[4]),
                row[5], row[6], row[7], metrics)


def _save_posts(conn: sqlite3.Connection, project_id: int, batch_id: int,
                posts: Sequence[NewPost]) -> int:
    if not conn.execute("SELECT 1 FROM batches WHERE id = ? AND project_id = ?",
                        (batch_id, project_id)).fetchone():
        raise ValueError(f"batch {batch_id} does not belong to project {project_id}")
    before = conn.total_changes
    conn.executemany(
        "INSERT INTO posts (project_id, batch_id, post_key, published, week_start, title, link, "
        "network, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (batch_id, post_key) DO NOTHING",
        [(project_id, batch_id, p.key, p.published.isoformat(),
          (p.published - timedelta(days=p.published.weekday())).isoformat(), p.title, p.link,
          p.network, json.dumps(dict(p.metrics))) for p in posts])
    return conn.total_changes - before


class SqlitePostsMixin:
    """Needs SqliteStorage's `in_transaction` and `query_all`."""

    in_transaction: Any
    query_all: Any

    async def save_posts(self, project_id: int, batch_id: int, posts: Sequence[NewPost]) -> int:
        if not posts:
            return 0
        return await self.in_transaction(_save_posts, project_id, batch_id, list(posts))

    async def get_posts(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Post]:
        rows = await self.query_all(_CURRENT, (project_id, (since or date.min).isoformat(),
                                               (until or date.max).isoformat()))
        return [_post(r) for r in rows]
