"""Networks and campaigns end to end (issue 13): entry by message, the reply's breakdown and
totals, undo, import with a network column, /export and its round trip into a new project."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from storage.models import BatchSource, NewValue, ProjectKpi
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.conftest import onboard

OWNER = 1001
SAVE_RU, SAVE_EN = "✅ Сохранить", "✅ Save"


def monday(weeks_ago: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_ago)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


async def breakdown_of(app: App, project_id: int) -> dict[tuple[date, str, str, str], float]:
    return {(v.week_start, v.metric, v.network, v.campaign): v.value
            for v in await app.storage.get_values(project_id, breakdown=True)}


async def totals_of(app: App, project_id: int) -> dict[tuple[date, str], float]:
    return {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project_id)}


async def test_entry_per_network_and_campaign_in_russian(botapi: TelegramFake, app: App):
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    await onboard(anna, "Кофейня", goal="🎯 Лиды и трафик", tz="Москва (UTC+3)")
    project = (await app.storage.list_memberships(OWNER))[0].project
    week, last = monday(0), monday(1)

    await anna.send("прошлая неделя, вк: охват 4 000")
    reply = (await anna.send("вк: охват 5 000, лиды 4; инстаграм: охват 7 200"))[-1]
    text = plain(reply.text)
    assert "ВК" in text and "Instagram" in text
    assert "5 000" in text and "+25" in text  # VK against VK's own last week
    assert "Σ Охват по проекту: 12 200" in text
    assert "↩️ Отменить" in reply.button_texts

    campaign = (await anna.send("кампания «Чёрная <пятница>»: бюджет 20 000, лиды 31"))[-1]
    assert "кампания «Чёрная <пятница>»" in campaign.text  # escaped on the wire, intact here
    assert await breakdown_of(app, project.id) == {
        (last, "reach", "vk", ""): 4000, (week, "reach", "vk", ""): 5000,
        (week, "leads", "vk", ""): 4, (week, "reach", "instagram", ""): 7200,
        (week, "spend", "", "Чёрная <пятница>"): 20000,
        (week, "leads", "", "Чёрная <пятница>"): 31}
    # leads: the networks' sum is the total; the campaign's spend is, when nothing else is
    assert await totals_of(app, project.id) == {
        (last, "reach"): 4000, (week, "reach"): 12200, (week, "leads"): 4,
        (week, "spend"): 20000}

    # a project-wide number is the team's own total: it stays, and the reply says so
    reply = (await anna.send("охват 12 000"))[-1]
    reply = (await anna.send("тг: охват 300"))[-1]
    assert "остаётся 12 000" in plain(reply.text) and "12 500" in plain(reply.text)
    assert (await totals_of(app, project.id))[(week, "reach")] == 12000

    await anna.send("/undo")
    await anna.send("/undo")
    await anna.send("/undo")  # the campaign's batch
    assert await totals_of(app, project.id) == {
        (last, "reach"): 4000, (week, "reach"): 12200, (week, "leads"): 4}
    assert [n for n in await app.storage.get_networks(project.id)] and \
        set(await app.storage.get_networks(project.id)) >= {"vk", "instagram"}


async def test_import_with_a_network_column_export_and_round_trip(botapi: TelegramFake,
                                                                   app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Yoga studio", goal="📣 Awareness", tz="UTC")
    project_a = (await app.storage.list_memberships(2002))[0].project.id
    w2, w1 = monday(2), monday(1)
    data = (f"week_start,network,reach,followers\n{w2},VK,5000,900\n{w2},ig,7000,1200\n"
            f"{w1},vk,5500,910\n{w1},,13000,\n").encode()
    body = plain((await bob.upload("networks.csv", data))[-1].text)
    assert "Networks and campaigns: Instagram, VK" in body
    await bob.click(SAVE_EN)
    assert await breakdown_of(app, project_a) == {
        (w2, "reach", "vk", ""): 5000, (w2, "followers", "vk", ""): 900,
        (w2, "reach", "instagram", ""): 7000, (w2, "followers", "instagram", ""): 1200,
        (w1, "reach", "vk", ""): 5500, (w1, "followers", "vk", ""): 910,
        (w1, "reach", "", ""): 13000}
    assert await totals_of(app, project_a) == {
        (w2, "reach"): 12000, (w2, "followers"): 2100, (w1, "reach"): 13000,
        (w1, "followers"): 910}
    await bob.send("campaign \"=Promo\": spend $300")

    exported = (await bob.send("/export"))[-1]
    lines = exported.document.decode().splitlines()
    assert lines[0] == "project,week_start,metric,value,source,approximate,network,campaign"
    assert f"Yoga studio,{w2},reach,5000,,false,vk," in lines
    assert any(line.endswith(",,'=Promo") for line in lines)  # never a formula

    await onboard(bob, "Yoga 2", goal="📣 Awareness", tz="UTC")
    project_b = max(m.project.id for m in await app.storage.list_memberships(2002))
    await bob.upload(exported.document_name, exported.document)
    await bob.click(SAVE_EN)
    assert await breakdown_of(app, project_b) == await breakdown_of(app, project_a)


async def test_report_says_which_network_moved_the_total(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Yoga studio", goal="📣 Awareness", tz="UTC")
    project = (await app.storage.list_memberships(2002))[0].project
    for weeks_ago, vk in ((5, 9900), (4, 10100), (3, 9950), (2, 10000)):  # a steady month
        iso = monday(weeks_ago).isocalendar()
        await bob.send(f"{iso.year}-W{iso.week:02d}: vk: reach {vk}; ig: reach 5000\n"
                       "campaign \"BF\": spend 1000, leads 4")
    await bob.send("last week, vk: reach 5900; ig: reach 5150\n"
                   "campaign \"BF\": spend 1000, leads 5; campaign \"Winter <2>\": spend 900, "
                   "leads 2")
    assert (await totals_of(app, project.id))[(monday(1), "reach")] == 11050

    replies = await bob.send("/report")
    text = plain("\n".join(r.content for r in replies))
    assert "By network and campaign:" in text
    assert "Reach −26%: VK −41%, Instagram +3%" in text
    assert "mostly VK (−41%)" in text  # the reach alert names the network that fell
    # CPL: BF 200, Winter <2> 450 — the cheaper lead first; the name is escaped on the wire
    assert "Campaigns by CPL, best first: campaign “BF” 200, campaign “Winter <2>” 450" in text
    details = plain((await bob.send("/report details"))[-1].text)
    assert "Reach" in details and "mostly VK (−41%)" in details


async def test_history_of_one_network(botapi: TelegramFake, app: App):
    bob = TgUser(botapi, 2002, "Bob", language_code="en")
    await onboard(bob, "Yoga <studio>", goal="📣 Awareness", tz="UTC")
    await bob.send("last week, vk: reach 5900; ig: reach 5150")
    await bob.send("network \"Dzen\": reach 777")

    everything = plain((await bob.send("/history"))[-1].text)
    assert "11.1K" in everything and "777" in everything  # totals: VK + Instagram; Dzen
    vk = (await bob.send("/history vk"))[-1]
    assert "Yoga <studio> · VK" in vk.text
    assert "5.9K" in plain(vk.text) and "11.1K" not in plain(vk.text) and "777" not in vk.text
    dzen = (await bob.send("/history dzen reach"))[-1]  # one network, one metric: a chart
    assert dzen.photo and "777" in plain(dzen.content) and "Dzen" in dzen.content
    unknown = (await bob.send("/history vk nonsense"))[-1]
    assert "nonsense" in unknown.text


async def test_campaign_weeks_by_an_editor_viewers_read_and_are_refused(botapi: TelegramFake,
                                                                        app: App):
    from tests.e2e.test_teams import plain as i18n_text
    from tests.e2e.test_teams import snapshot, team

    anna, bob, vera, project_id = await team(botapi, app)
    await bob.send("кампания «Чёрная <пятница>»: бюджет 20 000, лиды 31")
    await bob.send("вк: охват 100")
    listing = (await vera.send("/campaigns"))[-1].text  # viewers read
    assert "кампания «Чёрная <пятница>»: недели не заданы" in listing and "Сети: ВК" in listing

    before = await snapshot(app.storage)
    campaigns = await app.storage.get_campaigns(project_id)
    refused = (await vera.send("/campaigns «Чёрная <пятница>» 2026-W47"))[-1]
    assert refused.text == i18n_text("access-denied-edit")
    assert await app.storage.get_campaigns(project_id) == campaigns
    assert await snapshot(app.storage) == before

    reply = (await bob.send("/campaigns «Чёрная <пятница>» 2026-W47 2026-W48"))[-1].text
    assert "кампания «Чёрная <пятница>»: 2026-W47 — 2026-W48" in reply
    bad = (await bob.send("/campaigns «Чёрная <пятница>» 2026-W48 2026-W47"))[-1].text
    assert "Последняя неделя раньше первой" in bad
    bad = (await anna.send("/campaigns «Зима» никогда"))[-1].text
    assert "«никогда» — это не неделя" in bad
    stored = {c.name: (c.start_week, c.end_week)
              for c in await app.storage.get_campaigns(project_id)}
    assert stored == {"Чёрная <пятница>": (date(2026, 11, 16), date(2026, 11, 23))}


async def test_the_digest_job_collects_the_channels_subscribers(botapi: TelegramFake, app: App):
    channel = -1001234567890
    project = await app.storage.create_project(OWNER, "Кофейня", "reach", "UTC", "ru",
                                               [ProjectKpi("followers")])
    botapi.add_chat(channel, "channel", "Coffee News", username="coffee_news")
    botapi.set_member(channel, OWNER, "creator")
    for user_id in range(5000, 5042):
        botapi.set_member(channel, user_id, "member")
    botapi.set_member(channel, 5042, "left")
    await app.storage.set_channel(project.id, channel, "Coffee News")
    next_monday = date.today() + timedelta(days=7 - date.today().weekday())
    await app.storage.set_schedule(project.id, weekday=0, at=time(10), enabled=True,
                                   reminder_hours=None)
    # a person typed the week before last: that number is never overwritten
    typed_week, report_week = next_monday - timedelta(weeks=2), next_monday - timedelta(weeks=1)
    await app.storage.save_batch(project.id, OWNER, BatchSource.MESSAGE, [
        NewValue(typed_week, "followers", 40, network="telegram")])
    due = datetime.combine(next_monday, time(10), tzinfo=UTC)
    assert await app.delivery.deliver_due(due) == 1
    stored = await breakdown_of(app, project.id)
    # the bot itself (an administrator), the creator and 42 members; "left" does not count
    assert stored == {(typed_week, "followers", "telegram", ""): 40,
                      (report_week, "followers", "telegram", ""): 44}
    assert len(botapi.calls_to("getChatMemberCount")) == 1
    caption = botapi.calls_to("sendPhoto", ok=True)[-1].params.get("caption", "")
    assert "44" in caption  # the digest already counts it
    # /export says which number the bot recorded itself
    anna = TgUser(botapi, OWNER, "Анна", language_code="ru")
    [doc] = [r for r in await anna.send("/export") if r.document_name]
    rows = list(csv.reader(io.StringIO(doc.document.decode("utf-8"))))
    by_week = {row[1]: row for row in rows[1:]}
    assert by_week[report_week.isoformat()][4] == "collected"
    assert by_week[typed_week.isoformat()][4] == ""
