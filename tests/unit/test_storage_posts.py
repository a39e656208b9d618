"""Posts of import batches (migration 0012) on every backend: versioned by batch, idempotent
per batch, undone with their batch, gone with their project."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.services.imports import apply_import, plan_import, posts_to_state, to_state
from storage.base import Storage
from storage.models import BatchSource, NewPost, NewValue, ProjectKpi
from tests.pg import run_sql

W1, W2 = date(2026, 11, 2), date(2026, 11, 9)
OWNER = 100


def post(key: str, day: date, reach: float, likes: float = 10, title: str = "пост <b>",
         link: str | None = None) -> NewPost:
    return NewPost(key, day, title, link, "vk", (("reach", reach), ("likes", likes)))


async def project(storage: Storage, name: str = "Shop") -> int:
    return (await storage.create_project(OWNER, name, "engagement", "Europe/Moscow", "ru",
                                         [ProjectKpi("er_reach")])).id


async def batch(storage: Storage, pid: int, update_id: int | None = None) -> int:
    saved = await storage.save_batch(pid, OWNER, BatchSource.IMPORT,
                                     [NewValue(W1, "reach", 300.0)], update_id=update_id)
    return saved.batch_id


async def test_posts_are_kept_and_read_by_week(storage: Storage) -> None:
    pid = await project(storage)
    first = await batch(storage, pid)
    posts = [post("vk:id:1", date(2026, 11, 4), 100, link="https://vk.com/wall-1_1"),
             post("vk:id:2", date(2026, 11, 2), 200), post("vk:id:3", date(2026, 11, 12), 50)]
    assert await storage.save_posts(pid, first, posts) == 3
    stored = await storage.get_posts(pid)
    assert [(p.key, p.published, p.week_start) for p in stored] == [
        ("vk:id:2", date(2026, 11, 2), W1), ("vk:id:1", date(2026, 11, 4), W1),
        ("vk:id:3", date(2026, 11, 12), W2)]
    one = stored[1]
    assert (one.title, one.link, one.network, one.batch_id) == (
        "пост <b>", "https://vk.com/wall-1_1", "vk", first)
    assert one.values == {"reach": 100.0, "likes": 10.0}
    assert [p.key for p in await storage.get_posts(pid, since=W2)] == ["vk:id:3"]
    assert [p.key for p in await storage.get_posts(pid, since=W1, until=W1)] == [
        "vk:id:2", "vk:id:1"]


async def test_saving_again_for_the_same_batch_changes_nothing(storage: Storage) -> None:
    pid = await project(storage)
    first = await batch(storage, pid, update_id=5)
    assert await storage.save_posts(pid, first, [post("a", W1, 100)]) == 1
    again = await batch(storage, pid, update_id=5)  # a redelivered confirm: the same batch
    assert again == first
    assert await storage.save_posts(pid, again, [post("a", W1, 999), post("b", W1, 7)]) == 1
    assert {p.key: p.values["reach"] for p in await storage.get_posts(pid)} == {
        "a": 100.0, "b": 7.0}
    assert await storage.save_posts(pid, first, []) == 0


async def test_a_second_import_replaces_and_undo_brings_the_first_back(storage: Storage) -> None:
    pid = await project(storage)
    first = await batch(storage, pid)
    await storage.save_posts(pid, first, [post("a", W1, 100), post("b", W1, 50)])
    second = await batch(storage, pid)
    await storage.save_posts(pid, second, [post("a", W1, 120), post("c", W2, 10)])
    current = {p.key: (p.values["reach"], p.batch_id) for p in await storage.get_posts(pid)}
    assert current == {"a": (120.0, second), "b": (50.0, first), "c": (10.0, second)}
    assert await storage.undo_batch(pid, second) is not None
    current = {p.key: p.values["reach"] for p in await storage.get_posts(pid)}
    assert current == {"a": 100.0, "b": 50.0}
    assert await storage.undo_last_batch(pid) is not None
    assert await storage.get_posts(pid) == []


async def test_posts_belong_to_their_project(storage: Storage) -> None:
    pid, other = await project(storage), await project(storage, "Other")
    mine = await batch(storage, pid)
    with pytest.raises(ValueError):
        await storage.save_posts(other, mine, [post("a", W1, 1)])
    await storage.save_posts(pid, mine, [post("a", W1, 1)])
    assert await storage.get_posts(other) == []
    await storage.delete_project(pid)
    assert await storage.get_posts(pid) == []


async def test_an_import_confirmed_twice_saves_its_posts_once(storage: Storage) -> None:
    """The preview's state goes through JSON (FSM storage); a redelivered confirm with the same
    upload key writes nothing more (bot.services.imports)."""
    pid = await project(storage)
    made = await storage.get_project(pid)
    data = (Path(__file__).resolve().parents[1] / "fixtures" / "posts" / "vk_posts.csv"
            ).read_bytes()
    plan = await plan_import(storage, made, data, "vk.csv", date(2026, 11, 25), [])
    rows, posts = json.loads(json.dumps(to_state(plan))), json.loads(json.dumps(
        posts_to_state(plan)))
    first = await apply_import(storage, pid, OWNER, rows, key=77, posts=posts)
    again = await apply_import(storage, pid, OWNER, rows, key=77, posts=posts)
    assert again == first
    stored = await storage.get_posts(pid)
    assert [(p.key, p.link, p.values) for p in stored] == [
        (p.key, p.link, p.values) for p in plan.result.posts]
    assert (await run_sql(storage, "SELECT count(*) FROM posts"))[0][0] == 3
