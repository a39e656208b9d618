"""End to end through the loopback Bot API: onboarding, entry, replace, undo, history, export."""

import csv
import io

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard


async def test_onboarding_in_russian_creates_the_project_with_goal_kpis_and_target(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    replies = await anna.send("/start")
    assert "Как назовём проект" in replies[-1].text
    replies = await anna.send("Кофейня <Зерно> & Co")
    assert "Кофейня <Зерно> & Co" in replies[-1].text  # escaped on the wire, intact for the user
    replies = await anna.click("🎯 Лиды и трафик")
    picker = replies[-1]
    assert "✅ Лиды" in picker.button_texts and "✅ CPL" in picker.button_texts
    await anna.click("▫️ Охват")  # add reach to the suggested four
    replies = await anna.click("✔️ Готово")
    assert "Цель для «Клики»" in replies[-1].text
    await anna.send("500")  # clicks target
    await anna.send("абв")  # not a number: asked again, nothing changes
    assert "Не понял число" in anna.last_message.text
    await anna.click("Без целей")
    replies = await anna.click("Москва (UTC+3)")
    assert "готов" in replies[-1].text

    memberships = await app.storage.list_memberships(1001)
    assert len(memberships) == 1
    project = memberships[0].project
    assert (project.name, project.goal, project.timezone) == (
        "Кофейня <Зерно> & Co", "leads", "Europe/Moscow")
    kpis = await app.storage.get_kpis(project.id)
    assert [k.metric for k in kpis] == ["clicks", "ctr", "leads", "cpl", "reach"]
    assert kpis[0].target == 500 and all(k.target is None for k in kpis[1:])

    replies = await anna.send("/start")
    assert "Активный проект" in replies[-1].text


async def test_entry_replace_undo_history_and_export_in_russian(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project = (await app.storage.list_memberships(1001))[0].project

    await anna.send("прошлая неделя: охват 10 000, лиды 20, бюджет 10 000 ₽")
    replies = await anna.send("охват 12 500, подписчики 3 400, лиды 17, бюджет 15 000 ₽")
    reply = replies[-1]
    assert "Записал за неделю" in reply.text
    assert "12\u00a0500" in reply.text or "12 500" in reply.text
    assert "CPL" in reply.text  # derived from spend and leads
    assert "↩️ Отменить" in reply.button_texts

    values = {(v.metric): v.value for v in await app.storage.get_values(project.id)
              if v.week_start == max(x.week_start for x in await app.storage.get_values(
                  project.id))}
    assert values == {"reach": 12500, "followers": 3400, "leads": 17, "spend": 15000}

    replies = await anna.send("лиды 19")
    assert "заменил прежнее 17" in replies[-1].text
    await anna.click("↩️ Отменить")
    assert "Отменено" in anna.last_message.text
    current = await app.storage.get_values(project.id, metrics=["leads"])
    assert [v.value for v in current] == [20, 17]

    replies = await anna.send("/undo")
    assert "Отменено" in replies[-1].text
    current = await app.storage.get_values(project.id, metrics=["leads"])
    assert [v.value for v in current] == [20]

    replies = await anna.send("/history")
    assert "<pre>" in replies[-1].html and "Лиды" in replies[-1].text
    replies = await anna.send("/history лиды")  # one metric: a chart with the table as caption
    assert replies[-1].photo.startswith(b"\x89PNG") and "Лиды" in replies[-1].caption

    replies = await anna.send("/export")
    document = replies[-1]
    assert document.document_name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(document.document.decode("utf-8"))))
    assert rows[0][:4] == ["project", "week_start", "metric", "value"]
    exported = {(r[2], r[3]) for r in rows[1:]}
    assert {("leads", "20"), ("reach", "10000"), ("spend", "10000")} <= exported


async def test_english_entry_with_suffixes_and_percent(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Yoga studio", goal="💬 Engagement", tz="UTC")
    replies = await bob.send("last week: reach 12.5k followers 3400 ER 4.2%")
    text = replies[-1].text
    assert "Saved for the week" in text
    assert "12,500" in text and "3,400" in text and "4.2%" in text
    project = (await app.storage.list_memberships(2002))[0].project
    stored = {v.metric: v.value for v in await app.storage.get_values(project.id)}
    assert stored == {"reach": 12500, "followers": 3400, "er_reach": 4.2}


async def test_unknown_names_get_suggestions_and_text_without_numbers_gets_help(
        botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="📣 Узнаваемость", tz="Москва (UTC+3)")
    replies = await anna.send("охвт 100")
    assert "Не знаю метрику «охвт»" in replies[-1].text and "Охват" in replies[-1].text
    replies = await anna.send("привет, как дела?")
    assert "не нашёл в сообщении цифр" in replies[-1].text
    project = (await app.storage.list_memberships(1001))[0].project
    assert await app.storage.get_values(project.id) == []


async def test_commands_are_registered_in_both_languages(botapi: TelegramFake, app: App):
    scope = {"type": "all_private_chats"}
    ru, en = botapi.get_commands("ru", scope), botapi.get_commands("en", scope)
    assert ru and en
    assert {c["command"] for c in ru} == {c["command"] for c in en}
    assert any(c["description"] == "Отчёт сейчас" for c in ru)


async def test_guided_entry_saves_one_batch(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    replies = await anna.send("/add")
    assert "(1/" in replies[-1].text
    await anna.send("410")  # clicks
    await anna.send("много")  # not a number
    assert "Не понял число" in anna.last_message.text
    await anna.click("Пропустить")  # impressions
    await anna.send("17")  # leads
    replies = await anna.click("Сохранить")
    assert "Записал" in replies[-1].text
    project = (await app.storage.list_memberships(1001))[0].project
    stored = {v.metric: v.value for v in await app.storage.get_values(project.id)}
    assert stored == {"clicks": 410, "leads": 17}


async def test_a_restart_in_the_middle_of_onboarding_keeps_the_dialog(
        botapi: TelegramFake, tmp_path):
    from tests.e2e.app import running_app

    db = tmp_path / "bot.db"
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    async with running_app(botapi, db):
        await anna.send("/start")
        await anna.send("Кофейня")
    async with running_app(botapi, db) as app:  # the bot process restarted
        replies = await anna.click("💬 Вовлечённость")
        assert "Цель: 💬 Вовлечённость" in replies[-1].text
        await anna.click("✔️ Готово")
        await anna.click("Без целей")
        await anna.click("Москва (UTC+3)")
        project = (await app.storage.list_memberships(1001))[0].project
        assert (project.name, project.goal) == ("Кофейня", "engagement")


async def test_alert_thresholds_are_set_checked_and_reset(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, 1001, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project = (await app.storage.list_memberships(1001))[0].project
    replies = await anna.send("/alerts")
    assert "Лиды: внимание от −20 %, критично от −35 %" in replies[-1].text
    replies = await anna.send("/alerts лиды 15 30")
    assert "✅ Лиды: внимание от −15 %" in replies[-1].text
    [threshold] = await app.storage.get_thresholds(project.id)
    assert (threshold.metric, threshold.warning_pct, threshold.critical_pct) == ("leads", 15, 30)
    replies = await anna.send("/alerts лиды 40 30")  # warning above critical: refused
    assert "Нужны два числа" in replies[-1].text
    replies = await anna.send("/alerts охват 10 20")  # not a KPI of this project
    assert "не KPI этого проекта" in replies[-1].text
    assert len(await app.storage.get_thresholds(project.id)) == 1
    replies = await anna.send("/alerts лиды по умолчанию")
    assert "пороги по умолчанию" in replies[-1].text
    assert await app.storage.get_thresholds(project.id) == []
