"""Formula KPIs in /export, /alerts and /report; managing formulas, notes and experiments."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from kpi.weeks import current_week
from storage.models import FormulaKpi
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.test_experiments import TZ, seed_reach
from tests.e2e.test_files import SAVE_RU
from tests.e2e.test_teams import plain, snapshot, team


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
