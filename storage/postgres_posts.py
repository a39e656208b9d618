"""PostgreSQL side of posts (migration 0012), mixed into PostgresStorage. Same semantics as
storage.sqlite_posts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from storage.models import NewPost, Post

_COLUMNS = ("p.project_id, p.batch_id, p.post_key, p.published, p.week_start, p.title, p.link, "
            "p.network, p.metrics")
_CURRENT = (
    f"SELECT {_COLUMNS} FROM posts p JOIN batches b ON b.id = p.batch_id "
    "WHERE p.project_id = $1 AND b.undone_at IS NULL AND p.week_start >= $2 "
    "AND p.week_start <= $3 "
    "AND p.batch_id = (SELECT MAX(q.batch_id) FROM posts q JOIN batches c ON c.id = q.batch_id "
    "WHERE q.project_id = p.project_id AND q.post_key = p.post_key AND c.undone_at IS NULL) "
    "ORDER BY p.published, p.post_key")


def _post(row: Any) -> Post:
    metrics = tuple((str(k), float(v)) for k, v in json.loads(row[8]).items())
    return Post(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], metrics)


class PostgresPostsMixin:
    """Needs PostgresStorage's `transaction` and `query_all`."""

    transaction: Any
    query_all: Any

    async def save_posts(self, project_id: int, batch_id: int, posts: Sequence[NewPost]) -> int:
        if not posts:
            return 0
        async with self.transaction() as conn:
            if not await conn.fetchval("SELECT 1 FROM batches WHERE id = $1 AND project_id = $2",
                                       batch_id, project_id):
                raise ValueError(f"batch {batch_id} does not belong to project {project_id}")
            rows = await conn.fetch(
                "INSERT INTO posts (project_id, batch_id, post_key, published, week_start, "
                "title, link, network, metrics) "
                "SELECT $1, $2, * FROM unnest($3::text[], $4::date[], $5::date[], $6::text[], "
                "$7::text[], $8::text[], $9::jsonb[]) "
                "ON CONFLICT (batch_id, post_key) DO NOTHING RETURNING 1",
                project_id, batch_id, [p.key for p in posts], [p.published for p in posts],
                [p.published - timedelta(days=p.published.weekday()) for p in posts],
                [p.title for p in posts], [p.link for p in posts], [p.network for p in posts],
                [json.dumps(dict(p.metrics)) for p in posts])
            return len(rows)

    async def get_posts(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Post]:
        rows = await self.query_all(_CURRENT, (project_id, since or date.min, until or date.max))
        return [_post(r) for r in rows]
