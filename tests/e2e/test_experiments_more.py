"""Formula KPIs in /export, /alerts and /report; managing formulas, notes and experiments."""

from __future__ import annotations

import copy
import csv
import io
from datetime import timedelta

from kpi.weeks import current_week
from storage.models import AlertThreshold, BatchSource, FormulaKpi, NewValue
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard
from tests.e2e.dbstate import snapshot as rows_of
from tests.e2e.test_experiments import TZ, seed_reach
from tests.e2e.test_files import SAVE_RU
from tests.e2e.test_security import alert, forge, mallory_with_own_project
from tests.e2e.test_teams import OWNER, TABLES, plain, team

ISSUE_14_TABLES = (*TABLES, "formula_kpis", "notes", "experiments", "alert_acks")


async def snapshot(storage) -> dict:
    """Every row a refused press must leave alone, the tables of issue 14 included."""
    return await rows_of(storage, ISSUE_14_TABLES)


async def test_export_has_formula_rows_that_an_import_skips(botapi: TelegramFake, app: App):
    anna, _bob, _vera, project_id = await team(botapi, app)
    await app.storage.save_formula_kpi(project_id, FormulaKpi("=Клики на лид", "клики / лиды"))
    await anna.send("прошлая неделя: клики 300, лиды 12")
    await anna.send("охват 1000")  # this week: no clicks, no formula value
    replies = await anna.send("/export")
    [doc] = [r for r in replies if r.document_name]
    rows = list(csv.reader(io.StringIO(doc.document.decode("utf-8"))))
    last_week = (current_week(TZ) - timedelta(weeks=1)).isoformat()
    formula_rows = [r for r in rows if r[4] == "formula"]
    assert formula_rows == [["Кофейня", last_week, "'=Клики на лид", "25", "formula", "false"]]
    assert rows.index(formula_rows[0]) == 3  # after the week's two stored rows
    assert "3 значений" in doc.caption  # stored values only

    replies = await anna.upload("export.csv", doc.document)
    assert "посчитанный экспортом бота" in replies[-1].text
    await anna.click(SAVE_RU)
    values = await app.storage.get_values(project_id)
    assert sorted(v.metric for v in values) == ["clicks", "leads", "reach"]


async def test_alerts_watch_formula_kpis(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)
    await seed_reach(app, project_id, before=10, after=3, jump=-0.45)
    await app.storage.save_formula_kpi(project_id, FormulaKpi("Охват <×2>", "охват * 2"))

    replies = await vera.send("/alerts")  # viewers read, without the acknowledge buttons
    assert "• Охват <×2>: внимание от −20 %, критично от −35 %" in replies[-1].text
    assert "• Охват <×2>: ниже с W" in replies[-1].text
    assert "<×2>" not in replies[-1].html and not replies[-1].buttons

    before = await snapshot(app.storage)
    replies = await vera.send("/alerts Охват <×2> 10 20")
    assert replies[-1].text == plain("access-denied-edit")
    assert await snapshot(app.storage) == before
    replies = await bob.send("/alerts охват  <×2> 10 20")  # the name as typed, any case/spaces
    assert "Охват <×2>" in replies[-1].text
    [threshold] = [th for th in await app.storage.get_thresholds(project_id)
                   if th.metric == "Охват <×2>"]
    assert (threshold.warning_pct, threshold.critical_pct) == (10, 20)

    replies = await anna.send("/report подробно")
    assert "«Охват <×2>» всё ещё на 4" in replies[-1].text

    replies = await anna.send("/alerts")
    [[button]] = replies[-1].buttons
    assert button.text.startswith("✔️ Принято: Охват <×2> (с W")  # plain text, not &lt;
    await anna.click(button.text)
    assert "Охват <×2>" in (await app.storage.get_alert_acks(project_id))
    replies = await anna.send("/alerts")
    assert "ниже с W" not in replies[-1].text


def answers_of(botapi: TelegramFake, data: str) -> list[int]:
    return [q.answer_attempts for q in botapi.callback_queries.values() if q.data == data]


async def test_formulas_list_direction_unit_delete_and_forged_presses(botapi: TelegramFake,
                                                                      app: App):
    _anna, bob, vera, project_id = await team(botapi, app)
    await app.storage.save_formula_kpi(project_id, FormulaKpi("AOV <₽>", "revenue / orders",
                                                              "higher_is_better", "₽"))
    await app.storage.save_formula_kpi(project_id, FormulaKpi("Клики на лид", "клики / лиды"))
    await app.storage.set_threshold(project_id, AlertThreshold("Клики на лид", 10, 20),
                                    "Клики на лид")

    replies = await vera.send("/formulas")  # viewers read, without buttons
    text = replies[-1].text
    assert "• AOV <₽> = revenue / orders — чем больше, тем лучше, единица: ₽" in text
    assert "• Клики на лид = клики / лиды" in text and "единица: —" in text
    assert "<₽>" not in replies[-1].html and not replies[-1].buttons

    replies = await bob.send("/formulas")
    assert [b.text for row in replies[-1].buttons for b in row] == [
        "⚙️ AOV <₽>", "⚙️ Клики на лид"]
    open_data = replies[-1].buttons[1][0].callback_data
    replies = await bob.click("⚙️ Клики на лид")
    assert "Клики на лид" in replies[-1].text
    card = replies[-1]
    dir_data = card.find_button("чем меньше, тем лучше").callback_data
    del_data = card.find_button("🗑 Удалить").callback_data
    unit_data = card.find_button("✏️ Единица").callback_data

    # Forged presses of these very buttons: a viewer and a stranger are refused, once each.
    mallory = await mallory_with_own_project(botapi)
    before = await snapshot(app.storage)
    for user, reason in ((vera, "access-denied-edit"), (mallory, "access-denied")):
        for data in (open_data, dir_data, unit_data, del_data):
            await forge(user, data)
            assert alert(user) == plain(reason)
    assert await snapshot(app.storage) == before
    for data in (dir_data, unit_data, del_data):
        assert answers_of(botapi, data) == [1, 1]  # one answer each, viewer's and stranger's
    assert answers_of(botapi, open_data) == [1, 1, 1]  # Bob's own press, then the two forged
    replies = await vera.send("шт")  # the refused unit press started no dialog
    assert "единица" not in replies[-1].text.casefold()

    replies = await bob.click("чем меньше, тем лучше", card)
    assert "✓ чем меньше, тем лучше" in [b.text for row in replies[-1].buttons for b in row]
    await bob.click("✏️ Единица", card)
    replies = await bob.send("очень длинная")
    assert replies[-1].text == plain("formula-bad-unit", limit=8)
    replies = await bob.send("шт")
    assert "Единица Клики на лид теперь: шт" in replies[-1].text
    kpi = (await app.storage.get_formula_kpis(project_id))[1]
    assert (kpi.name, kpi.direction, kpi.unit) == ("Клики на лид", "lower_is_better", "шт")

    replies = await bob.click("🗑 Удалить", card)
    assert "удалён" in replies[-1].text
    assert [k.name for k in await app.storage.get_formula_kpis(project_id)] == ["AOV <₽>"]
    assert [th.metric for th in await app.storage.get_thresholds(project_id)] == []
    # The old list's button now names a place that holds nothing: stale, not another formula.
    await forge(bob, open_data)
    assert alert(bob) == plain("stale-button")


async def test_formulas_from_the_kpis_screen_in_english(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Shop", goal="💰 Sales", tz="UTC")
    project_id = (await app.storage.list_memberships(2002))[0].project.id
    await bob.send("/kpis")
    replies = await bob.click("🧮 My formula KPIs")
    assert "has no formula KPIs yet" in replies[-1].text
    await app.storage.save_formula_kpi(project_id, FormulaKpi("AOV", "revenue / orders"))
    replies = await bob.click("🧮 My formula KPIs")
    assert "• AOV = revenue / orders — higher is better, unit: —" in replies[-1].text


async def test_notes_lists_and_deletes_notes_and_experiments(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)
    await bob.send("/note запустили <рилсы>")
    await bob.send("/experiment Рилсы → охват вверх")
    replies = await vera.send("/notes")
    text = replies[-1].text
    assert "запустили <рилсы>" in text and "Рилсы (Охват ↑" in text
    assert "<рилсы>" not in replies[-1].html and not replies[-1].buttons

    replies = await anna.send("/notes")
    listing = replies[-1]
    labels = [b.text for row in listing.buttons for b in row]
    assert labels == ["🗑 📝 запустили <рилсы>", "🗑 🧪 Рилсы"]
    note_data = listing.buttons[0][0].callback_data
    mallory = await mallory_with_own_project(botapi)
    before = await snapshot(app.storage)
    for user, reason in ((vera, "access-denied-edit"), (mallory, "access-denied")):
        await forge(user, note_data)
        assert alert(user) == plain(reason)
    assert await snapshot(app.storage) == before
    assert answers_of(botapi, note_data) == [1, 1]

    replies = await anna.click("🗑 📝 запустили <рилсы>", listing)
    assert alert(anna) == plain("notes-deleted-note")
    assert await app.storage.get_notes(project_id) == []
    assert [b.text for row in replies[-1].buttons for b in row] == ["🗑 🧪 Рилсы"]
    await forge(anna, note_data)  # the same note again: already gone
    assert alert(anna) == plain("stale-button")
    await anna.click("🗑 🧪 Рилсы")
    assert await app.storage.get_experiments(project_id) == []
    replies = await anna.send("/notes")
    assert "пока нет заметок и экспериментов" in replies[-1].text


async def test_notes_and_formulas_in_english_for_an_empty_project(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Shop", goal="💰 Sales", tz="UTC")
    replies = await bob.send("/notes")
    assert "has no notes or experiments yet" in replies[-1].text
    replies = await bob.send("/formulas")
    assert "has no formula KPIs yet" in replies[-1].text


class Recorder:
    """Keeps each raw update the fake hands out, to feed one to the Dispatcher again."""

    def __init__(self, fake: TelegramFake) -> None:
        self.updates: dict[int, dict] = {}
        push = fake.push_update

        def recording(update: dict) -> int:
            update_id = push(update)
            self.updates[update_id] = copy.deepcopy({**update, "update_id": update_id})
            return update_id

        fake.push_update = recording

    def last(self) -> dict:
        return self.updates[max(self.updates)]


async def redeliver(app: App, user: TgUser, update: dict) -> list[str]:
    """The same update handled again, as after a crash that lost its journal note; the texts
    the bot sent in answer."""
    before = len(user.messages)
    await app.dispatcher.feed_raw_update(app.bot, copy.deepcopy(update))
    return [m.text for m in user.messages[before:]]


async def test_formula_dialog_steps_redelivered_are_applied_once(botapi: TelegramFake,
                                                                 app: App):
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="💬 Вовлечённость", tz="Москва (UTC+3)")
    project_id = (await app.storage.list_memberships(OWNER))[0].project.id
    recorder = Recorder(botapi)
    context = app.dispatcher.fsm.get_context(app.bot, chat_id=OWNER, user_id=OWNER)

    await anna.send("/formula")
    await anna.send("Взвешенный ER")
    name_step = recorder.last()
    # The name again, now in the formula step: asked for the formula again, not parsed as one.
    assert await redeliver(app, anna, name_step) == [
        plain("formula-ask-formula", name="Взвешенный ER")]
    replies = await anna.send("(лайки + комментарии*2) / охват * 100")
    formula_step = recorder.last()
    asked = replies[-1].text
    assert await redeliver(app, anna, formula_step) == [asked]  # the same question, again
    assert (await context.get_data())["formula"] == "(лайки + комментарии*2) / охват * 100"

    await anna.click("чем больше, тем лучше")
    direction_tap = recorder.last()
    assert await redeliver(app, anna, direction_tap) == [plain("formula-ask-unit", limit=8)]

    state, data = await context.get_state(), await context.get_data()
    replies = await anna.send("%")
    unit_step = recorder.last()
    saved = replies[-1].text
    assert "KPI по формуле Взвешенный ER" in saved
    stored = await app.storage.get_formula_kpis(project_id)
    # Killed after the save, before the dialog was closed: the dialog is back as it was.
    await context.set_state(state)
    await context.set_data(data)
    assert await redeliver(app, anna, unit_step) == [saved]
    assert await app.storage.get_formula_kpis(project_id) == stored  # one, unchanged
    assert await context.get_state() is None

    # A new dialog with that name is refused: it would silently replace the formula.
    await anna.send("/formula")
    replies = await anna.send("взвешенный  er")
    assert replies[-1].text == plain("formula-name-taken-formula", name="взвешенный er")
    assert await app.storage.get_formula_kpis(project_id) == stored


async def test_formula_dialog_text_instead_of_a_direction_tap(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Shop", goal="💰 Sales", tz="UTC")
    await bob.send("/formula")
    await bob.send("AOV")
    await bob.send("revenue / orders")
    replies = await bob.send("higher")
    assert "Tap one of the buttons above" in replies[-1].text
    replies = await bob.click("higher is better")
    assert "The unit to show" in replies[-1].text


async def test_monthly_view_computes_formula_kpis_from_the_period_totals(botapi: TelegramFake,
                                                                          app: App):
    anna, _bob, _vera, project_id = await team(botapi, app)
    await app.storage.save_formula_kpi(project_id, FormulaKpi("Клики на лид", "клики / лиды"))
    this_week = current_week(TZ)
    values = []
    for i in range(1, 9):  # last 4 weeks: 300 clicks, 10 then 20 leads; the 4 before: 5 leads
        week = this_week - timedelta(weeks=i)
        leads = (10 if i % 2 else 20) if i <= 4 else 5
        values += [NewValue(week, "clicks", 300), NewValue(week, "leads", leads)]
    await app.storage.save_batch(project_id, OWNER, BatchSource.IMPORT, values)
    await anna.send("/report")
    replies = await anna.click("📅 Месяц: 4 недели против 4 предыдущих")
    # 1200 / 60 = 20 against 1200 / 20 = 60 (the weekly ratios 30 and 15 averaged would be 22.5)
    assert "• Клики на лид: 20 (было 60) −67" in replies[-1].text
