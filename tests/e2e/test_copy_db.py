"""`smm-kpi-bot copy-db`: a SQLite deployment filled through the real bot is copied to a fresh
PostgreSQL database by the real CLI (a subprocess), compared record by record, and the bot then
runs on PostgreSQL; the copy back to SQLite, the refusals and a detected mismatch."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import asyncpg

from storage import open_storage
from storage.base import Storage
from storage.models import AlertThreshold, FormulaKpi, NewPost, NewValue
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import running_app
from tests.e2e.conftest import onboard
from tests.e2e.postgres_app import pytestmark  # noqa: F401 — skipped without PostgreSQL
from tests.e2e.test_teams import join, new_invite
from tests.paths import PACKAGE_ROOT
from tests.pg import empty_pg_database

# The tables this test fills; tables of later migrations are copied and counted all the same.
ALL_TABLES = ("projects", "users", "members", "project_kpis", "alert_thresholds", "batches",
              "entries", "weekly_values", "invites", "digests", "reminders", "fsm",
              "handled_updates", "alert_acks", "notes", "experiments", "formula_kpis", "posts")


def copy_db(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN")}
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return subprocess.run([sys.executable, "-m", "bot", "copy-db", *args], cwd=PACKAGE_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def table_counts(output: str) -> dict[str, tuple[int, int]]:
    """table → (source rows, target rows) from the printed report."""
    return {m[1]: (int(m[2]), int(m[3]))
            for m in re.finditer(r"^(\w+)\s+(\d+)\s+(\d+)\s+[0-9a-f]{12}\s+ok$", output, re.M)}


async def fill(botapi: TelegramFake, db: Path) -> int:
    """A team, numbers, an undo, thresholds and every other kind of record; the project id."""
    anna = TgUser(botapi, 1001, "Анна", username="anna_smm")
    bob = TgUser(botapi, 2002, "Bob <b>", username="bob_x")
    async with running_app(botapi, db) as app:
        await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        project_id = (await app.storage.list_memberships(1001))[0].project.id
        await join(bob, await new_invite(anna, "editor"))
        await anna.send("прошлая неделя: охват 10 000, лиды 20, бюджет 10 000 ₽")
        await bob.send("охват 12 500, лиды 17, бюджет 15 000 ₽")
        await bob.send("лиды 19")
        await bob.send("/undo")
        await anna.send("/new")  # a dialog left open: FSM state is copied too
        storage = app.storage
        week = date(2026, 11, 23)
        imported = await storage.save_batch(
            project_id, 1001, "import", [NewValue(week - timedelta(weeks=i), "reach", 9000.5 + i,
                                                  approximate=i % 2 == 0) for i in range(1, 6)])
        await storage.save_posts(project_id, imported.batch_id, [
            NewPost("p1", week - timedelta(days=3), "Reels <b>", "https://t.me/c/1", "telegram",
                    (("views", 1200.0), ("likes", 35.5))),
            NewPost("p2", week - timedelta(days=9), "Пост", None, "vk", (("reach", 800.0),))])
        assert await storage.claim_digest(project_id, week - timedelta(weeks=1))
        await storage.finish_digest(project_id, week - timedelta(weeks=1), sent=True)
        assert await storage.claim_digest(project_id, week, boot="gone")
        assert await storage.claim_reminder(project_id, week, 2002)
        await storage.set_alert_ack(project_id, "reach", week - timedelta(weeks=2), 1001)
        await storage.add_note(project_id, 1001, week, "Запустили Reels <i>")
        await storage.start_experiment(project_id, 1001, "Reels", "reach", True,
                                       week - timedelta(weeks=1))
        await storage.save_formula_kpi(project_id, FormulaKpi("leads_per_reach",
                                                              "leads / reach * 100", unit="%"))
        await storage.set_threshold(project_id, AlertThreshold("reach", 12.5, 30.0), "reach")
        await storage.mark_update_handled(987654)
    return project_id


async def everything(storage: Storage, project_id: int) -> dict[str, object]:
    """What the storage API returns about the project: equal on both sides of a copy."""
    return {
        "project": await storage.get_project(project_id),
        "memberships": [await storage.list_memberships(u) for u in (1001, 2002)],
        "users": [await storage.get_user(u) for u in (1001, 2002)],
        "kpis": await storage.get_kpis(project_id),
        "values": await storage.get_values(project_id),
        "thresholds": await storage.get_thresholds(project_id),
        "acks": await storage.get_alert_acks(project_id),
        "notes": await storage.get_notes(project_id),
        "experiments": await storage.get_experiments(project_id),
        "formulas": await storage.get_formula_kpis(project_id),
        "handled": await storage.update_was_handled(987654),
        # jsonb keeps a post's metrics in its own key order (on PostgreSQL whoever wrote them)
        "posts": [(p.batch_id, p.key, p.published, p.week_start, p.title, p.link, p.network,
                   p.values) for p in await storage.get_posts(project_id)],
    }


async def snapshot(url: str, project_id: int) -> dict[str, object]:
    storage = open_storage(url)
    await storage.connect()
    try:
        return await everything(storage, project_id)
    finally:
        await storage.close()


async def test_sqlite_to_postgres_and_back_keeps_every_record(botapi: TelegramFake, tmp_path,
                                                              pg_url: str) -> None:
    await empty_pg_database(pg_url)
    source = tmp_path / "bot.db"
    project_id = await fill(botapi, source)
    source_url = f"sqlite:///{source}"
    before = await snapshot(source_url, project_id)

    done = copy_db(source_url, pg_url)
    assert done.returncode == 0, done.stderr
    counts = table_counts(done.stdout)
    with sqlite3.connect(source) as db:  # every table of the schema, with its real count
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                           "'table' AND name NOT LIKE 'sqlite_%'")}
        assert set(counts) == tables and set(ALL_TABLES) <= tables, done.stdout
        for table in tables:
            (n,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert counts[table] == (n, n), table
    assert all(counts[t][0] > 0 for t in ALL_TABLES), counts  # every kind of record filled
    assert counts["entries"][0] >= 10 and counts["digests"][0] == 2
    sums = re.findall(r"^checksum (source|target) ([0-9a-f]{64})$", done.stdout, re.M)
    assert [s for s, _ in sums] == ["source", "target"] and sums[0][1] == sums[1][1]
    assert await snapshot(pg_url, project_id) == before

    # A second copy onto the filled target is refused and changes nothing …
    again = copy_db(source_url, pg_url)
    assert again.returncode == 2 and "--replace" in again.stderr
    # … unless asked to replace: then the same checksum again.
    replaced = copy_db(source_url, pg_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert re.findall(r"^checksum source (\w+)$", replaced.stdout, re.M) == [sums[0][1]]

    # The bot on PostgreSQL: the history is there, the open dialog goes on, and new rows get
    # fresh ids (the sequences were set past the copied ones).
    anna = TgUser(botapi, 1001, "Анна", username="anna_smm")
    async with running_app(botapi, tmp_path / "unused.db", database_url=pg_url) as app:
        replies = await anna.send("/cancel")  # the /new dialog left open goes on here
        assert "Хорошо, отменил" in replies[-1].text
        replies = await anna.send("/history")
        assert "<pre>" in replies[-1].html and "Лиды" in replies[-1].text
        last_week = replies[-1].text.splitlines()[-1]  # reach 12 500, leads 17 (19 undone)
        assert "12,5\u00a0тыс." in last_week and " 17 " in last_week, last_week
        await onboard(anna, "Пекарня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
        projects = await app.storage.list_memberships(1001)
        assert len(projects) == 2 and max(m.project.id for m in projects) > project_id
        saved = await app.storage.save_batch(project_id, 1001, "message",
                                             [NewValue(date(2026, 11, 30), "leads", 21)])
        with sqlite3.connect(source) as db:
            (max_batch,) = db.execute("SELECT max(id) FROM batches").fetchone()
        assert saved.batch_id > max_batch
        on_pg = await everything(app.storage, project_id)

    # And back to a new SQLite file: the same records, the same checksums on both sides.
    back = tmp_path / "back.db"
    returned = copy_db(pg_url, f"sqlite:///{back}")
    assert returned.returncode == 0, returned.stderr
    sums = re.findall(r"^checksum (?:source|target) (\w+)$", returned.stdout, re.M)
    assert len(sums) == 2 and sums[0] == sums[1]
    assert await snapshot(f"sqlite:///{back}", project_id) == on_pg


async def test_a_target_that_stores_something_else_is_rolled_back(botapi: TelegramFake, tmp_path,
                                                                  pg_url: str) -> None:
    """A trigger on the target alters what is written: the checksums differ, exit 1, and the
    target is left as it was (empty)."""
    await empty_pg_database(pg_url)
    source = tmp_path / "bot.db"
    async with running_app(botapi, source) as app:
        await onboard(TgUser(botapi, 1001, "Анна"), "Кофейня", goal="🎯 Лиды и трафик",
                      tz="Москва (UTC+3)")
        assert await app.storage.list_memberships(1001)
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(
            "CREATE FUNCTION copy_test_garble() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.name := NEW.name || '?'; RETURN NEW; END; $$; "
            "CREATE TRIGGER copy_test_garble BEFORE INSERT ON projects "
            "FOR EACH ROW EXECUTE FUNCTION copy_test_garble()")
        try:
            done = copy_db(f"sqlite:///{source}", pg_url)
        finally:
            await conn.execute("DROP TRIGGER copy_test_garble ON projects; "
                               "DROP FUNCTION copy_test_garble()")
        assert done.returncode == 1, done.stdout + done.stderr
        assert re.search(r"^projects\s+1\s+1\s+[0-9a-f]{12}\s+MISMATCH", done.stdout, re.M)
        assert "nothing was committed" in done.stderr
        for table in ALL_TABLES:
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    finally:
        await conn.close()


async def test_schemas_that_differ_are_refused_before_anything_is_written(
        tmp_path, pg_url: str) -> None:
    await empty_pg_database(pg_url)
    source = tmp_path / "bot.db"
    storage = open_storage(f"sqlite:///{source}")
    await storage.connect()
    await storage.create_project(1, "P", "engagement", "UTC", "en", [])
    await storage.close()
    with sqlite3.connect(source) as db:  # a table some other release added
        db.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY, text TEXT)")
    done = copy_db(f"sqlite:///{source}", pg_url)
    assert done.returncode == 2 and "later_feature" in done.stderr, done.stderr
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM projects") == 0
    finally:
        await conn.close()

    # Two databases of one kind, a missing source: usage errors, exit 2.
    assert copy_db(f"sqlite:///{source}", f"sqlite:///{tmp_path / 'x.db'}").returncode == 2
    missing = copy_db(f"sqlite:///{tmp_path / 'none.db'}", pg_url)
    assert missing.returncode == 2 and "no such" in missing.stderr
