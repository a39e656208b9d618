"""Notes, experiments and formula KPIs end to end through the Bot API fake."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import openpyxl

from kpi.weeks import current_week, iso_week_label
from storage.models import BatchSource, FormulaKpi, NewValue
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard
from tests.e2e.test_teams import EDITOR, OWNER, plain, snapshot, team

TZ = "Europe/Moscow"


async def seed_reach(app: App, project_id: int, *, before: int, after: int, jump: float) -> str:
    """Weekly reach: `before` weeks around 1000, then `after` weeks × (1 + jump); the start week."""
    this_week = current_week(TZ)
    start = this_week - timedelta(weeks=after)
    rng = random.Random(5)
    values = [NewValue(start + timedelta(weeks=i), "reach",
                       round(1000 * (1 + jump if i >= 0 else 1) * rng.uniform(0.97, 1.03)))
              for i in range(-before, after)]
    await app.storage.save_batch(project_id, OWNER, BatchSource.IMPORT, values)
    return iso_week_label(start)


async def test_experiment_verdict_and_waiting_and_viewer_refused(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)
    start = await seed_reach(app, project_id, before=12, after=6, jump=0.3)

    replies = await bob.send(f"/experiment Рилсы <3 раза> → охват вверх с {start}")
    text = replies[-1].text
    assert "Рилсы <3 раза>" in text and "<3 раза>" not in replies[-1].html  # escaped
    assert "✅ сработало" in text and "сверх тренда" in text

    replies = await anna.send("/experiment Новая обложка → охват вверх")
    assert "пока 0 из 4 недель" in replies[-1].text

    before = await snapshot(app.storage)
    experiments = await app.storage.get_experiments(project_id)
    replies = await vera.send("/experiment Чужой → охват вверх")
    assert replies[-1].text == plain("access-denied-edit")
    assert await app.storage.get_experiments(project_id) == experiments
    assert await snapshot(app.storage) == before
    replies = await vera.send("/experiment")  # viewers read
    assert "✅ сработало" in replies[-1].text and "пока 0 из 4" in replies[-1].text

    replies = await bob.send("/experiment Без стрелки охват")
    assert "Нужны название, стрелка" in replies[-1].text
    assert len(await app.storage.get_experiments(project_id)) == 2


async def test_note_marks_the_week_and_viewer_is_refused(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)
    replies = await bob.send("/note запустили рилсы & сторис")
    assert "Отмечено для недели" in replies[-1].text and "рилсы & сторис" in replies[-1].text
    replies = await vera.send("/note хочу тоже")
    assert replies[-1].text == plain("access-denied-edit")
    notes = await app.storage.get_notes(project_id)
    assert [(n.text, n.created_by, n.week_start) for n in notes] == [
        ("запустили рилсы & сторис", EDITOR, current_week(TZ))]
    replies = await anna.send("/note")
    assert "Напишите после команды" in replies[-1].text
    assert len(await app.storage.get_notes(project_id)) == 1


async def test_formula_kpi_dialog_bad_formula_and_history(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="💬 Вовлечённость", tz="Москва (UTC+3)")
    project_id = (await app.storage.list_memberships(OWNER))[0].project.id
    await anna.send("/formula")
    await anna.send("Взвешенный ER")
    replies = await anna.send("(лайки + комменты*2 + foo) / охват * 100")
    text = replies[-1].text
    assert "Не знаю метрику «foo»" in text
    assert "(лайки + комменты*2 + foo) / охват * 100\n" + " " * 22 + "^" in text
    replies = await anna.send("(лайки + комменты*2 / охват")
    assert "скобка не закрыта" in replies[-1].text
    assert await app.storage.get_formula_kpis(project_id) == []

    replies = await anna.send("(лайки + комментарии×2) ÷ охват × 100")
    assert "(Лайки + Комментарии * 2) / Охват * 100" in replies[-1].text
    await anna.click("чем больше, тем лучше")
    replies = await anna.send("%")
    assert "KPI по формуле Взвешенный ER" in replies[-1].text
    [kpi] = await app.storage.get_formula_kpis(project_id)
    assert (kpi.name, kpi.direction, kpi.unit) == ("Взвешенный ER", "higher_is_better", "%")

    replies = await anna.send("прошлая неделя: лайки 400, комментарии 50, охват 10000")
    assert "• Взвешенный ER: 5 % = (лайки + комментарии×2) ÷ охват × 100" in replies[-1].text
    replies = await anna.send("прошлая неделя: охват 0")  # division by zero: no line, no crash
    assert "Записал" in replies[-1].text and "Взвешенный ER" not in replies[-1].text
    await anna.send("прошлая неделя: охват 10000")
    replies = await anna.send("/history Взвешенный ER")
    caption = replies[-1].caption  # (400 + 50×2) / 10000 × 100 = 5, with its chart
    assert replies[-1].photo.startswith(b"\x89PNG")
    assert "Взвешенны" in caption and caption.rstrip().endswith(" 5")


async def test_formula_dialog_is_for_editors(botapi: TelegramFake, app: App):
    _anna, _bob, vera, project_id = await team(botapi, app)
    replies = await vera.send("/formula")
    assert replies[-1].text == plain("access-denied-edit")
    await vera.send("AOV")
    assert await app.storage.get_formula_kpis(project_id) == []


async def test_digest_reports_verdicts_formula_kpis_and_marks_notes(botapi: TelegramFake,
                                                                    app: App):
    anna, bob, _vera, project_id = await team(botapi, app)
    start = await seed_reach(app, project_id, before=12, after=6, jump=0.3)
    await bob.send(f"/experiment Рилсы → охват вверх с {start}")
    await app.storage.save_formula_kpi(project_id, FormulaKpi("Охват ×2", "охват * 2"))
    await app.storage.add_note(project_id, EDITOR, current_week(TZ) - timedelta(weeks=2),
                               "новая обложка")
    replies = await anna.send("/report")
    text = "\n".join((r.caption or r.text or "") for r in replies)
    assert "🧪 Эксперименты:" in text and "Рилсы" in text and "✅ сработало" in text
    assert "Охват ×2" in text
    assert any(r.photo and r.photo.startswith(b"\x89PNG") for r in replies)


async def test_export_sends_notes_as_their_own_csv_and_xlsx_sheet(botapi: TelegramFake,
                                                                  app: App):
    anna, bob, _vera, _project_id = await team(botapi, app)
    await anna.send("охват 1000")
    await bob.send("/note =cmd|' /C calc'!A0 запустили рилсы")
    replies = await anna.send("/export")
    docs = [r for r in replies if r.document_name]
    assert [d.document_name.endswith(n) for d, n in zip(docs, ("-kpi.csv", "-notes.csv"),
                                                         strict=True)] == [True, True]
    rows = list(csv.reader(io.StringIO(docs[1].document.decode("utf-8"))))
    assert rows[0] == ["project", "week_start", "note"]
    assert rows[1][1] == current_week(TZ).isoformat()
    assert rows[1][2] == "'=cmd|' /C calc'!A0 запустили рилсы"  # never a spreadsheet formula
    replies = await anna.click("📗 То же в XLSX")
    workbook = openpyxl.load_workbook(io.BytesIO(replies[-1].document))
    assert workbook.sheetnames == ["KPI", "Notes"]
    assert workbook["Notes"]["C2"].value == "'=cmd|' /C calc'!A0 запустили рилсы"


async def test_formula_kpi_from_the_kpis_screen_in_english(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Shop", goal="💰 Sales", tz="UTC")
    project_id = (await app.storage.list_memberships(2002))[0].project.id
    await bob.send("/kpis")
    replies = await bob.click("➕ Formula KPI")
    assert "What is its name" in replies[-1].text
    await bob.send("AOV")
    replies = await bob.send("revenue / orders +")
    assert "The formula ends too early: expected a number, a metric or" in replies[-1].text
    replies = await bob.send("revenue / orders")
    await bob.click("higher is better")
    replies = await bob.click("No unit")
    assert "Formula KPI AOV" in replies[-1].text
    replies = await bob.send("last week: revenue 50000, orders 0")
    assert "Saved for the week" in replies[-1].text and "AOV" not in replies[-1].text
    replies = await bob.send("last week: orders 5")
    assert "• AOV: 10,000 = revenue / orders" in replies[-1].text
    assert [k.name for k in await app.storage.get_formula_kpis(project_id)] == ["AOV"]
