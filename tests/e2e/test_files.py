"""Numbers from files, end to end through the real Dispatcher and Bot over the fake Bot API:
uploads (getFile + download), the preview, Confirm/Cancel, undo, bad files, /template, /export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from handlers.callbacks import ImportCb
from handlers.files import MAX_PENDING
from storage.models import BatchSource, NewValue, ProjectKpi
from storage.sqlite import SqliteStorage
from tests.botapi.client import SentMessage, TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard
from tests.e2e.dbstate import snapshot as rows_of
from tests.pg import run_sql

OWNER, VIEWER = 1001, 3003
TABLES = ("batches", "entries", "weekly_values", "project_kpis")
SAVE_RU, CANCEL_RU = "✅ Сохранить", "✖️ Отмена"
SAVE_EN = "✅ Save"


def monday(weeks_ago: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_ago)


async def snapshot(storage: SqliteStorage) -> dict[str, list[Any]]:
    """Every stored row that an import could touch, to prove a refusal changed nothing."""
    return await rows_of(storage, TABLES)


async def batch_count(storage: SqliteStorage, project_id: int) -> int:
    return (await run_sql(storage, "SELECT count(*) FROM batches WHERE project_id = ? "
                          "AND source = ?", project_id, BatchSource.IMPORT.value))[0][0]


async def stored(app: App, project_id: int) -> dict[tuple[date, str], tuple[float, bool]]:
    return {(v.week_start, v.metric): (v.value, v.approximate)
            for v in await app.storage.get_values(project_id)}


async def ru_owner(botapi: TelegramFake, app: App) -> tuple[TgUser, int]:
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="📣 Узнаваемость", tz="Москва (UTC+3)")
    return anna, (await app.storage.list_memberships(OWNER))[0].project.id


async def en_owner(botapi: TelegramFake, app: App, user_id: int = 2002) -> tuple[TgUser, int]:
    bob = TgUser(botapi, user_id, "Bob", language_code="en")
    await onboard(bob, "Yoga studio", goal="📣 Awareness", tz="UTC")
    return bob, (await app.storage.list_memberships(user_id))[0].project.id


def preview(replies: list[SentMessage]) -> SentMessage:
    assert replies, "the bot did not answer the upload"
    return replies[-1]


def file_downloads(botapi: TelegramFake) -> int:
    return sum(1 for call in botapi.calls if call.method.lower() == "getfile")


# ---------------------------------------------------------------------------------------------
# Layouts and the preview


async def test_wide_cp1251_semicolons_preview_cancel_confirm_and_undo_button(
        botapi: TelegramFake, app: App):
    anna, project_id = await ru_owner(botapi, app)
    w3, w2, w1 = monday(3), monday(2), monday(1)
    text = ("Отчёт по сообществу\n"
            "Неделя;Охват;Подписчики;Лайки;Примечание\n"
            f"{w3:%d.%m.%Y};12 500;3 400;210;запуск\n"
            f"{w2:%d.%m.%Y};13 100;3 450;;\n"
            ";;;;\n"
            f"{w1:%d.%m.%Y};14 000;3 520;260;\n"
            "Итого;39 600;;470;\n")
    data = text.encode("cp1251")
    before = await snapshot(app.storage)

    card = preview(await anna.upload("отчёт.csv", data))
    body = card.text
    assert "отчёт.csv" in body
    assert "8 значений за 3 нед." in body and w3.isoformat() in body and w1.isoformat() in body
    assert "Формат: по столбцу на метрику" in body
    assert "«Охват» → Охват" in body and "«Подписчики» → Подписчики" in body
    assert "«Лайки» → Лайки" in body
    assert "«Примечание» (не метрика)" in body
    assert "строка 7: строка итогов" in body
    assert "Сохранённые значения не заменяются" in body
    assert "приблизительно" not in body  # weekly rows: reach is exact
    assert card.button_texts == [SAVE_RU, CANCEL_RU]

    replies = await anna.click(CANCEL_RU)
    assert "ничего не сохранено" in replies[-1].text
    assert await snapshot(app.storage) == before  # nothing written before Confirm

    await anna.upload("отчёт.csv", data)
    replies = await anna.click(SAVE_RU)
    assert "Сохранено значений: 8" in replies[-1].text
    values = await stored(app, project_id)
    assert values == {
        (w3, "reach"): (12500, False), (w3, "followers"): (3400, False),
        (w3, "likes"): (210, False), (w2, "reach"): (13100, False),
        (w2, "followers"): (3450, False), (w1, "reach"): (14000, False),
        (w1, "followers"): (3520, False), (w1, "likes"): (260, False)}
    assert await batch_count(app.storage, project_id) == 1

    await anna.click("↩️ Отменить")
    assert "Отменено" in anna.last_message.text
    assert await app.storage.get_values(project_id) == []


async def test_utf8_bom_tabs_show_replaced_values_and_undo_command_restores_them(
        botapi: TelegramFake, app: App):
    anna, project_id = await ru_owner(botapi, app)
    last = monday(1)
    await anna.send("прошлая неделя: охват 10 000, подписчики 3 000")
    assert await stored(app, project_id) == {(last, "reach"): (10000, False),
                                             (last, "followers"): (3000, False)}
    rows = [("дата", "охват", "подписчики", "репосты")]
    rows += [(f"{monday(n):%Y-%m-%d}", "11000", "2900", "5") for n in (4, 3, 2)]
    rows.append((f"{last:%Y-%m-%d}", "12 000", "3000", "7"))
    data = "\ufeff".encode() + "\r\n".join("\t".join(r) for r in rows).encode("utf-8")

    body = preview(await anna.upload("stats.tsv", data)).text.replace("\u00a0", " ")
    assert "12 значений за 4 нед." in body
    assert "Будет заменено уже сохранённых значений: 1" in body
    assert f"{last.isoformat()}, Охват: 10 000 → 12 000" in body
    assert "Уже сохранено с тем же числом: 1" in body
    await anna.click(SAVE_RU)
    values = await stored(app, project_id)
    assert values[(last, "reach")] == (12000, False) and values[(last, "shares")] == (7, False)
    assert len(values) == 12

    replies = await anna.send("/undo")
    assert "Отменено" in replies[-1].text
    # The whole import is one batch: the typed values come back, nothing of the file remains.
    assert await stored(app, project_id) == {(last, "reach"): (10000, False),
                                             (last, "followers"): (3000, False)}


async def test_xlsx_with_dates_numbers_and_an_unsaved_formula(botapi: TelegramFake, app: App):
    bob, project_id = await en_owner(botapi, app)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Week", "Reach", "Followers", "Mentions", "Comment"])
    sheet.append([datetime.combine(monday(3), datetime.min.time()), 1200, 300, 4, "ok"])
    sheet.append([datetime.combine(monday(2), datetime.min.time()), 1500.5, 310, None, None])
    sheet.append([datetime.combine(monday(1), datetime.min.time()), "=B2+B3", 320, 6, None])
    sheet.append(["Total", "=SUM(B2:B4)", None, "=SUM(D2:D4)", None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    body = preview(await bob.upload("kpi.xlsx", buffer.getvalue())).text
    assert "Recognised as: one column per metric" in body
    assert '"Reach" → Reach' in body and '"Mentions" → Mentions' in body
    assert '"Comment" (not a metric)' in body
    assert "row 4: formula without a saved value" in body  # never evaluated
    assert "row 5: total row" in body
    await bob.click(SAVE_EN)
    values = await stored(app, project_id)
    assert values == {
        (monday(3), "reach"): (1200, False), (monday(3), "followers"): (300, False),
        (monday(3), "mentions"): (4, False), (monday(2), "reach"): (1500.5, False),
        (monday(2), "followers"): (310, False), (monday(1), "followers"): (320, False),
        (monday(1), "mentions"): (6, False)}


def meta_export(posts: list[tuple[datetime, int, int, int]]) -> bytes:
    header = ["Post ID", "Account ID", "Account username", "Account name", "Description",
              "Duration (sec)", "Publish time", "Permalink", "Post type", "Data comment", "Date",
              "Views", "Reach", "Likes", "Shares", "Follows", "Comments", "Saves"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for number, (moment, views, reach, likes) in enumerate(posts):
        writer.writerow([f"1790{number}", "1784", "coffee", "Coffee", "Post, with comma", "0",
                         moment.strftime("%m/%d/%Y %H:%M"), f"https://instagram.com/p/{number}",
                         "IG image", "", "Lifetime", f"{views:,}", f"{reach:,}", likes, 1, 0, 2,
                         3])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


async def test_meta_business_suite_posts_are_summed_by_week_with_approximate_reach(
        botapi: TelegramFake, app: App):
    bob, project_id = await en_owner(botapi, app)
    w2, w1 = monday(2), monday(1)
    at = datetime.min.time()
    posts = [(datetime.combine(w2, at) + timedelta(days=1, hours=10), 2500, 1520, 40),
             (datetime.combine(w2, at) + timedelta(days=4, hours=18), 3100, 2010, 55),
             (datetime.combine(w1, at) + timedelta(days=2, hours=9), 1800, 1200, 30)]
    body = preview(await bob.upload("Instagram posts.csv", meta_export(posts))).text
    assert "Recognised as: Meta Business Suite posts export, summed by publish week" in body
    assert '"Reach" → Reach (≈ approximate)' in body
    assert '"Likes" → Likes' in body and "(≈ approximate)" not in body.split('"Likes"')[1][:30]
    assert "counted more than once" in body and "Daily rows" not in body
    assert '"Permalink" (kept with the post)' in body and '"Date" (not a metric)' in body
    await bob.click(SAVE_EN)
    values = await stored(app, project_id)
    assert values[(w2, "reach")] == (3530, True) and values[(w1, "reach")] == (1200, True)
    assert values[(w2, "views")] == (5600, False) and values[(w2, "likes")] == (95, False)
    assert values[(w2, "new_followers")] == (0, False) and values[(w2, "saves")] == (6, False)


async def test_daily_rows_make_weekly_sums_and_many_skipped_rows_are_summarised(
        botapi: TelegramFake, app: App):
    anna, project_id = await ru_owner(botapi, app)
    start = monday(2)
    lines = ["дата,охват,подписчики,ER"]
    for day in range(7):
        lines.append(f"{start + timedelta(days=day):%d.%m.%Y},100,{500 + day},4.2")
    lines += [f"{start + timedelta(days=7 + day):%d.%m.%Y},," + "," for day in range(7)]
    lines += ["," + "5,6,1"] * 2  # numbers without a date
    body = preview(await anna.upload("daily.csv", "\n".join(lines).encode())).text
    assert "2 значения за 1 нед." in body
    assert "Дневные строки сведены в недели" in body
    assert "«охват» → Охват (≈ приблизительно)" in body
    assert "«ER» (коэффициент в дневных строках, считается из счётчиков)" in body
    assert "Пропущено строк: 9" in body and "…и ещё 4" in body
    assert "строка 9: нет чисел" in body and "строка 16: нет даты" not in body
    await anna.click(SAVE_RU)
    assert await stored(app, project_id) == {(start, "reach"): (700, True),
                                             (start, "followers"): (506, False)}


async def test_each_preview_saves_its_own_file_and_only_once(botapi: TelegramFake, app: App):
    """A newer upload does not make the older preview stale (files often come several at
    once); each preview saves its own rows, the later save winning where they overlap."""
    anna, project_id = await ru_owner(botapi, app)
    first = preview(await anna.upload("a.csv", f"неделя;охват\n{monday(1)};100\n".encode()))
    second = preview(await anna.upload("b.csv", f"неделя;охват\n{monday(1)};200\n".encode()))
    await anna.click(SAVE_RU, message=second)
    assert await stored(app, project_id) == {(monday(1), "reach"): (200, False)}
    await anna.click(SAVE_RU, message=first)
    assert await stored(app, project_id) == {(monday(1), "reach"): (100, False)}
    assert await batch_count(app.storage, project_id) == 2
    # A saved preview's Save (a copy pressed again) saves nothing more.
    await anna._act(lambda: botapi.push_callback(
        OWNER, botapi.message(anna.chat_id, first.message_id), ImportCb(action="confirm").pack()),
        "an old Save", None)
    assert "устарела" in anna.last_callback_answer["text"]
    assert await batch_count(app.storage, project_id) == 2


async def test_numbers_typed_while_a_preview_is_open_are_saved_and_the_preview_stays(
        botapi: TelegramFake, app: App):
    """A pending preview is not a dialog that swallows messages: a number typed meanwhile is
    saved and answered as always, and the preview can still be saved afterwards."""
    anna, project_id = await ru_owner(botapi, app)
    card = preview(await anna.upload("a.csv", f"неделя;охват\n{monday(2)};100\n".encode()))
    replies = await anna.send("охват 500")
    assert any("Записал за неделю" in (r.text or "") for r in replies), [r.text for r in replies]
    await anna.click(SAVE_RU, message=card)
    values = await stored(app, project_id)
    assert values[(monday(2), "reach")] == (100, False)
    assert len(values) == 2  # the typed number (this week) and the file's
    assert await batch_count(app.storage, project_id) == 1


async def test_only_the_newest_previews_stay_pending(botapi: TelegramFake, app: App):
    anna, project_id = await ru_owner(botapi, app)
    cards = [preview(await anna.upload(f"{n}.csv", f"неделя;охват\n{monday(1)};{n}\n".encode()))
             for n in range(MAX_PENDING + 1)]
    await anna.click(SAVE_RU, message=cards[0])  # pushed out by the eleventh
    assert "устарела" in anna.last_callback_answer["text"]
    assert await app.storage.get_values(project_id) == []
    await anna.click(CANCEL_RU, message=cards[1])
    assert "отменена" in anna.last_responses[-1].text
    await anna.click(SAVE_RU, message=cards[-1])
    assert await stored(app, project_id) == {(monday(1), "reach"): (MAX_PENDING, False)}


# ---------------------------------------------------------------------------------------------
# Bad files: a precise message, nothing stored


def _xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def _rows(count: int) -> bytes:
    return ("неделя;охват\n" + f"{monday(1)};1\n" * count).encode()


BAD_FILES = [
    ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "Это не таблица"),
    ("old.xls", _xls(), "Это не таблица"),
    ("report.docx", b"PK\x03\x04" + b"\x00" * 200, "Это не таблица"),
    ("weird.csv", bytes([0x98, 0x81, 0x83]) * 200, "кодировку"),
    ("empty.csv", b";;\n;;\n", "нет чисел для загрузки"),
    ("nodate.csv", b"name;reach\nfoo;100\n", "Не нахожу столбец с датой"),
    ("text.csv", f"неделя;охват;лайки\n{monday(2)};100;5\n{monday(1)};много;6\n".encode(),
     "Строка 3, столбец «охват»: «много» — не число"),
    ("formula.csv", f"неделя;охват\n{monday(1)};=SUM(A1:A9)\n".encode(),
     "Строка 2, столбец «охват»: «=SUM(A1:A9)» — не число"),
    ("future.csv", f"неделя;охват\n{monday(1)};1\n{monday(-2)};2\n".encode(),
     f"Строка 3: {monday(-2)} — неделя ещё не началась"),
    ("baddate.csv", "неделя;охват\nвчера;1\n".encode(), "Строка 2: «вчера» — не дата"),
    ("columns.csv", f"неделя;погода\n{monday(1)};1\n".encode(), "Ни один столбец"),
    ("rows.csv", _rows(20_001), "больше 20000 строк"),
]


@pytest.mark.parametrize(("filename", "data", "expected"), BAD_FILES,
                         ids=[case[0] for case in BAD_FILES])
async def test_bad_files_get_a_precise_message_and_store_nothing(
        botapi: TelegramFake, app: App, filename: str, data: bytes, expected: str):
    anna, _ = await ru_owner(botapi, app)
    await anna.send("охват 500")
    before = await snapshot(app.storage)
    replies = await anna.upload(filename, data)
    assert len(replies) == 1 and not replies[0].buttons
    assert f"Не могу загрузить «{filename}»" in replies[0].text
    assert expected in replies[0].text.replace("20\u00a0000", "20000")
    assert await snapshot(app.storage) == before


async def test_a_file_over_5_mb_is_refused_without_downloading(botapi: TelegramFake, app: App):
    anna, _ = await ru_owner(botapi, app)
    before, downloads = await snapshot(app.storage), file_downloads(botapi)
    big = _rows(1) + b" " * (5 * 1024 * 1024)
    replies = await anna.upload("big.csv", big)
    assert "больше 5 МБ" in replies[-1].text and not replies[-1].buttons
    assert file_downloads(botapi) == downloads  # the bytes were never fetched
    assert await snapshot(app.storage) == before


async def test_a_viewer_cannot_import(botapi: TelegramFake, app: App):
    anna, _ = await ru_owner(botapi, app)
    await anna.send("/members")
    replies = await anna.click("➕ Пригласить наблюдателя")
    token = re.search(r"https://t\.me/\w+\?start=([\w-]+)", replies[-1].text).group(1)
    vera = TgUser(botapi, VIEWER, "Вера")
    await vera.send(f"/start {token}")
    before, downloads = await snapshot(app.storage), file_downloads(botapi)
    replies = await vera.upload("a.csv", f"неделя;охват\n{monday(1)};100\n".encode())
    assert "наблюдатель" in replies[-1].text and not replies[-1].buttons
    assert file_downloads(botapi) == downloads
    assert await snapshot(app.storage) == before


# ---------------------------------------------------------------------------------------------
# /template and /export


def fill_csv(data: bytes, numbers: dict[int, list[str]]) -> bytes:
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for index, values in numbers.items():
        rows[index][1:] = values
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def fill_xlsx(data: bytes, numbers: dict[int, list[float]]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for index, values in numbers.items():
        for column, value in enumerate(values, start=2):
            sheet.cell(row=index + 1, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_template_csv_and_xlsx_filled_in_import_cleanly(
        botapi: TelegramFake, app: App, lang: str):
    if lang == "ru":
        user, project_id = await ru_owner(botapi, app)
        save = SAVE_RU
    else:
        user, project_id = await en_owner(botapi, app)
        save = SAVE_EN
    replies = await user.send("/template")
    documents = {m.document_name: m.document for m in replies if m.document}
    assert set(documents) == {"kpi-template.csv", "kpi-template.xlsx"}
    template_csv = documents["kpi-template.csv"]
    header = next(csv.reader(io.StringIO(template_csv.decode("utf-8-sig")),
                             delimiter=";" if lang == "ru" else ","))
    metrics = len(header) - 1
    assert header[0] == ("неделя" if lang == "ru" else "week_start")
    assert ("Охват" if lang == "ru" else "Reach") in header

    filled = fill_csv(template_csv, {1: [str(10 + i) for i in range(metrics)],
                                     2: [str(20 + i) for i in range(metrics)]})
    body = preview(await user.upload("kpi-template.csv", filled)).text
    assert str(2 * metrics) in body
    await user.click(save)
    values = await stored(app, project_id)
    assert len(values) == 2 * metrics
    assert sorted(v for v, _ in values.values()) == sorted(
        [10 + i for i in range(metrics)] + [20 + i for i in range(metrics)])

    sheet = openpyxl.load_workbook(io.BytesIO(documents["kpi-template.xlsx"])).worksheets[0]
    assert [c.value for c in sheet[1]] == header
    filled = fill_xlsx(documents["kpi-template.xlsx"], {4: [30.5 + i for i in range(metrics)]})
    body = preview(await user.upload("kpi-template.xlsx", filled)).text
    assert str(metrics) in body
    await user.click(save)
    values = await stored(app, project_id)
    assert len(values) == 3 * metrics
    assert {v for (week, _), (v, _) in values.items() if week == max(w for w, _ in values)} == {
        30.5 + i for i in range(metrics)}


async def test_export_csv_imports_into_a_new_project_with_identical_values(
        botapi: TelegramFake, app: App):
    anna, project_a = await ru_owner(botapi, app)
    await anna.send("прошлая неделя: охват 12 500, подписчики 3 400, бюджет 1 234,5 ₽")
    await anna.send("охват 13 000, лайки 0, ER 4,2%")
    daily = "дата;охват\n" + "".join(f"{monday(3) + timedelta(days=d):%d.%m.%Y};100\n"
                                     for d in range(3))
    await anna.upload("daily.csv", daily.encode())
    await anna.click(SAVE_RU)
    values_a = await stored(app, project_a)
    assert values_a[(monday(3), "reach")] == (300, True)

    replies = await anna.send("/export")
    exported = replies[-1]
    assert exported.document_name.endswith(".csv")
    await onboard(anna, "Кофейня 2", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project_b = max(m.project.id for m in await app.storage.list_memberships(OWNER))
    assert project_b != project_a
    body = preview(await anna.upload(exported.document_name, exported.document)).text
    assert "Формат: дата, метрика, значение" in body
    await anna.click(SAVE_RU)
    assert await stored(app, project_b) == values_a


async def test_export_xlsx_button_and_formula_like_names_are_neutralised(
        botapi: TelegramFake, app: App):
    bob, project_id = await en_owner(botapi, app)
    kpis = await app.storage.get_kpis(project_id)
    await app.storage.set_kpis(project_id, [*kpis, ProjectKpi("=SUM(A1)", custom=True,
                                                              position=len(kpis))])
    await app.storage.save_batch(project_id, 2002, BatchSource.MESSAGE, [
        NewValue(monday(2), "=SUM(A1)", 7), NewValue(monday(2), "reach", 1500),
        NewValue(monday(1), "reach", 1620.25, approximate=True)])

    replies = await bob.send("/export")
    rows = list(csv.reader(io.StringIO(replies[-1].document.decode("utf-8"))))
    assert ["Yoga studio", monday(2).isoformat(), "'=SUM(A1)", "7", "", "false", "",
            ""] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    replies = await bob.click("📗 Same as XLSX")
    document = replies[-1]
    assert document.document_name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(document.document)).worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["project", "week_start", "metric", "value"]
    got = {(r[1].date().isoformat() if isinstance(r[1], datetime) else r[1], r[2], r[3], r[5])
           for r in cells[1:]}
    assert got == {(monday(2).isoformat(), "'=SUM(A1)", 7, False),
                   (monday(2).isoformat(), "reach", 1500, False),
                   (monday(1).isoformat(), "reach", 1620.25, True)}
    for row in sheet.iter_rows(min_row=2):
        assert row[2].data_type == "s"  # text, never a formula

    # The neutralised name reads back as the custom metric, not as a formula.
    body = preview(await bob.upload(document.document_name, document.document)).text
    assert '"=SUM(A1)" → =SUM(A1)' in body
    assert "Already stored with the same number: 3" in body
