"""Posts end to end through the real Dispatcher and Bot over the fake Bot API: a post list is
uploaded and saved, /posts lists the week's posts best first (escaped, with links), the digest
names the best and the worst post, the same file twice counts each post once, undo takes the
import's posts away, viewers may read, /export carries the posts."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from storage.models import Role
from tests.botapi.client import SentMessage, TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard

OWNER, VIEWER, STRANGER = 1001, 3003, 4004
SAVE_RU, SAVE_EN = "✅ Сохранить", "✅ Save"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "posts"


def monday(weeks_ago: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_ago)


def vk_export(week: date) -> bytes:
    """VK's post statistics for three posts of `week` (and one of the week before)."""
    rows = [["ID записи", "Дата публикации", "Текст", "Ссылка", "Охват подписчиков",
             "Виральный охват", "Общий охват", "Просмотры", "Мне нравится", "Комментарии",
             "Поделились", "Переходы по ссылке"],
            ["4512", f"{week:%d.%m.%Y} 10:05", "Мастер-класс <латте-арт> & кофе",
             "https://vk.com/wall-218_4512", "1 840", "310", "2 150", "2 610", "96", "14", "9",
             "22"],
            ["4513", f"{week + timedelta(days=2):%d.%m.%Y} 19:30", "Сезонное меню",
             "https://vk.com/wall-218_4513", "2 020", "95", "3 315", "3 980", "301", "27", "18",
             "40"],
            ["4514", f"{week + timedelta(days=4):%d.%m.%Y} 12:00", "Опрос про десерты", "",
             "1 500", "40", "1 540", "1 720", "8", "1", "2", "0"],
            ["4500", f"{week - timedelta(days=3):%d.%m.%Y} 12:00", "Прошлая неделя", "",
             "900", "0", "900", "1 000", "20", "1", "0", "0"]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def text_of(replies: list[SentMessage]) -> str:
    return "\n".join((r.text or r.caption or "") for r in replies)


def html_of(replies: list[SentMessage]) -> str:
    return "\n".join((r.html or r.caption_html or "") for r in replies)


async def ru_owner(botapi: TelegramFake, app: App) -> tuple[TgUser, int]:
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="💬 Вовлечённость", tz="Москва (UTC+3)")
    return anna, (await app.storage.list_memberships(OWNER))[0].project.id


async def test_upload_posts_list_digest_twice_and_undo(botapi: TelegramFake, app: App) -> None:
    anna, project_id = await ru_owner(botapi, app)
    week = monday(1)
    body = (await anna.upload("vk_posts.csv", vk_export(week)))[-1].text
    assert "статистика записей ВКонтакте" in body
    assert "4 публикации сохранятся и как посты" in body
    assert "«Текст» (сохранится у поста)" in body
    saved = (await anna.click(SAVE_RU))[-1].text
    assert "Сохранено публикаций: 4" in saved
    values = {(v.week_start, v.metric): v.value
              for v in await app.storage.get_values(project_id)}
    assert values[(week, "reach")] == 2150 + 3315 + 1540  # the weekly sums as before
    assert values[(week, "likes")] == 96 + 301 + 8

    replies = await anna.send("/posts")  # default: the last complete week
    listing, html = text_of(replies), html_of(replies)
    assert "Публикации Кофейня" in listing and ": 3" in listing.splitlines()[0]
    assert "ER по охвату (ERR)" in listing
    lines = [line for line in listing.splitlines() if line[:2] in ("1.", "2.", "3.")]
    # ER by reach: 346/3315 = 10.4 % > 119/2150 = 5.5 % > 11/1540 = 0.7 %
    assert [line.split(" ", 2)[2].split(" — ")[0] for line in lines] == [
        "Сезонное меню", "Мастер-класс <латте-арт> & кофе", "Опрос про десерты"]
    assert "10,4" in lines[0] and "5,5" in lines[1] and "0,7" in lines[2]
    assert "&lt;латте-арт&gt; &amp; кофе" in html and "<латте-арт>" not in html
    assert '<a href="https://vk.com/wall-218_4513">Сезонное меню</a>' in html
    assert "Прошлая неделя" not in listing
    earlier = text_of(await anna.send(f"/posts {week - timedelta(weeks=1):%d.%m.%Y}"))
    assert "Прошлая неделя" in earlier and ": 1" in earlier.splitlines()[0]

    report = await anna.send("/report")
    digest, digest_html = text_of(report), html_of(report)
    assert "Публикации недели" in digest
    assert "лучшая: Сезонное меню — ER по охвату (ERR) 10,4" in digest
    assert "слабейшая: Опрос про десерты — ER по охвату (ERR) 0,7" in digest
    assert '<a href="https://vk.com/wall-218_4513">Сезонное меню</a>' in digest_html

    # The same file again: every post once, the weekly values unchanged.
    await anna.upload("vk_posts.csv", vk_export(week))
    await anna.click(SAVE_RU)
    assert len(await app.storage.get_posts(project_id)) == 4
    after = {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project_id)}
    assert after == values
    assert ": 3" in text_of(await anna.send("/posts")).splitlines()[0]

    await anna.send("/undo")  # the second import: the first one's posts stand
    assert len(await app.storage.get_posts(project_id)) == 4
    await anna.send("/undo")  # the first import: no posts left
    assert await app.storage.get_posts(project_id) == []
    assert "публикаций нет" in text_of(await anna.send("/posts"))


async def test_viewer_reads_posts_stranger_does_not_bad_week_is_refused(
        botapi: TelegramFake, app: App) -> None:
    anna, project_id = await ru_owner(botapi, app)
    await anna.upload("vk_posts.csv", vk_export(monday(1)))
    await anna.click(SAVE_RU)
    await app.storage.ensure_user(VIEWER)
    await app.storage.set_member_role(project_id, VIEWER, Role.VIEWER)
    await app.storage.set_active_project(VIEWER, project_id)
    viewer = TgUser(botapi, VIEWER, "Vera", language_code="en")
    listing = text_of(await viewer.send("/posts"))
    assert "Posts of Кофейня" in listing and "Best first by ER by reach (ERR)" in listing
    # A viewer may read but not upload.
    refusal = text_of(await viewer.upload("vk_posts.csv", vk_export(monday(1))))
    assert "Сезонное меню" not in refusal
    assert len(await app.storage.get_posts(project_id)) == 4

    stranger = TgUser(botapi, STRANGER, "Sam", language_code="en")
    answer = text_of(await stranger.send("/posts"))
    assert "Сезонное меню" not in answer and "Posts of" not in answer

    bad = text_of(await anna.send("/posts <b>когда-то</b>"))
    assert "Не понимаю неделю «<b>когда-то</b>»" in bad  # shown as typed: escaped
    assert "ещё не началась" in text_of(await anna.send(f"/posts {monday(-2):%d.%m.%Y}"))


async def test_export_carries_the_posts(botapi: TelegramFake, app: App) -> None:
    anna, _ = await ru_owner(botapi, app)
    week = monday(1)
    await anna.upload("vk_posts.csv", vk_export(week))
    await anna.click(SAVE_RU)
    replies = await anna.send("/export")
    posts_file = next(r for r in replies if (r.document_name or "").endswith("-posts.csv"))
    rows = list(csv.reader(io.StringIO(posts_file.document.decode("utf-8"))))
    assert rows[0][:6] == ["project", "network", "published", "week_start", "post", "link"]
    assert ["Кофейня", "vk", (week + timedelta(days=2)).isoformat(), week.isoformat(),
            "Сезонное меню", "https://vk.com/wall-218_4513"] in [r[:6] for r in rows]
    assert len(rows) == 5
    xlsx = await anna.click("📗 То же в XLSX")
    book = openpyxl.load_workbook(io.BytesIO(xlsx[-1].document))
    assert "Posts" in book.sheetnames and book["Posts"].max_row == 5


async def test_telegram_post_statistics_in_english(botapi: TelegramFake, app: App) -> None:
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Cafe channel", goal="💬 Engagement", tz="UTC")
    project_id = (await app.storage.list_memberships(2002))[0].project.id
    data = (FIXTURES / "telegram_posts.csv").read_bytes()
    body = (await bob.upload("telegram_posts.csv", data))[-1].text
    assert "Telegram post statistics" in body and "4 posts are kept as posts too" in body
    assert "Posts kept: 4" in (await bob.click(SAVE_EN))[-1].text
    replies = await bob.send("/posts 2026-W45")
    listing, html = text_of(replies), html_of(replies)
    # No reach in the file: ER by views; 129/1610 = 8 % > 81/1450 = 5.6 % > 17/980 = 1.7 %
    assert "Best first by ER by views" in listing
    lines = [line for line in listing.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert ["views 8%" in lines[0], "views 5.6%" in lines[1], "views 1.7%" in lines[2]] == [
        True] * 3
    assert "<b>Live music</b> on Friday & free dessert" in lines[0]  # as written, not bold
    assert "&lt;b&gt;Live music&lt;/b&gt; on Friday &amp; free dessert" in html
    assert '<a href="https://t.me/cafe_channel/1023">' in html  # written as t.me/…
    posts = await app.storage.get_posts(project_id)
    assert [p.network for p in posts] == ["telegram"] * 4

    replies = await bob.send("/export")
    posts_file = next(r for r in replies if (r.document_name or "").endswith("-posts.csv"))
    cells = [c for row in csv.reader(io.StringIO(posts_file.document.decode())) for c in row]
    assert "'=HYPERLINK(\"http://evil\") new menu" in cells  # never a live formula
