"""The Mini App API over real HTTP, on the bot's own aiohttp app (the dispatcher's storage and
settings), with initData signed by the test: who may see and change what, and that the numbers,
comparisons and sentences are the bot's own (the chat shows an edit at once)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from io import BytesIO

import aiohttp
import pytest
from openpyxl import load_workbook

from bot.i18n import get_translator
from bot.webhook import WebhookServer, build_web_app
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import current_week
from storage.models import Project
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake, parse_html
from tests.e2e.app import App, running_app
from tests.e2e.test_webhook import free_port
from tests.webapp.helpers import (
    EDITOR,
    OWNER,
    STRANGER,
    TZ,
    VIEWER,
    WEEKS,
    Api,
    init_data,
    reach_of,
    seed,
)
from webapp.server import CSP, add_routes


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path) -> AsyncIterator[App]:
    async with running_app(botapi, tmp_path / "bot.db", default_language="en",
                           webapp=True) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def api(http: aiohttp.ClientSession, app: App, user_id: int, **kwargs: object) -> Api:
    return Api(http, app.web_url, init_data(app.bot.token, user_id, **kwargs))


def last_full_week():
    return current_week(TZ) - timedelta(weeks=1)


async def test_the_owner_sees_the_projects_active_first_and_the_series(
        app: App, http: aiohttp.ClientSession) -> None:
    first = await seed(app.storage)
    second = await seed(app.storage, "Second")  # created last: now the active one
    status, body = await api(http, app, OWNER).json("projects")
    assert status == 200
    assert [p["id"] for p in body["projects"]] == [second.id, first.id]
    assert body["strings"]["title"] == get_translator("en")("dashboard-title")
    await app.storage.set_active_project(OWNER, first.id)
    _status, body = await api(http, app, OWNER).json("projects")
    assert [p["id"] for p in body["projects"]] == [first.id, second.id]

    status, doc = await api(http, app, OWNER).json(f"projects/{first.id}/series")
    assert status == 200 and doc["project"] == {"id": first.id, "name": first.name,
                                                "role": "owner", "can_edit": True}
    assert len(doc["weeks"]) == WEEKS and doc["week"] == last_full_week().isoformat()
    reach = next(m for m in doc["metrics"] if m["key"] == "reach")
    assert reach["values"] == [reach_of(i) for i in range(WEEKS)]
    assert reach["target"] == 1500.0 and reach["editable"] and reach["kpi"]
    assert last_full_week().isoformat() in reach["alert_weeks"]
    wow = (reach_of(WEEKS - 1) - reach_of(WEEKS - 2)) / reach_of(WEEKS - 2) * 100
    assert reach["comparison"]["wow"] == format_change_pct(wow, "en")
    assert reach["comparison"]["last"] == format_number(reach_of(WEEKS - 1), "en")
    er = next(m for m in doc["metrics"] if m["key"] == "er_reach")
    assert not er["editable"]  # computed from likes and reach
    assert {m["key"] for m in doc["metrics"]} >= {"reach", "likes", "followers", "er_reach"}
    assert doc["alerts"] and doc["monthly"]["rows"][0]["key"] == "reach"


async def test_notes_come_with_the_series_for_the_chart_markers(
        app: App, http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    await app.storage.add_note(project.id, OWNER, last_full_week(), "<i>Reels</i> started")
    _status, doc = await api(http, app, VIEWER).json(f"projects/{project.id}/series")
    assert doc["notes"] == [{"week": last_full_week().isoformat(), "text": "<i>Reels</i> started"}]
    stranger, _doc = await api(http, app, STRANGER).json(f"projects/{project.id}/series")
    assert stranger == 403


async def test_the_alert_sentences_are_the_digests(app: App, http: aiohttp.ClientSession,
                                                   botapi: TelegramFake) -> None:
    project = await seed(app.storage)
    _status, doc = await api(http, app, OWNER).json(f"projects/{project.id}/series")
    owner = TgUser(botapi, OWNER, "Ann", "en")
    replies = await owner.send("/report")
    said = "\n".join(r.caption or r.text or "" for r in replies)
    assert doc["alerts"]
    for sentence in doc["alerts"]:
        assert sentence in said


async def test_an_earlier_week_is_compared_as_its_digest_did(
        app: App, http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    week = last_full_week() - timedelta(weeks=1)
    _status, doc = await api(http, app, OWNER).json(f"projects/{project.id}/series",
                                                    week=week.isoformat())
    assert doc["week"] == week.isoformat()
    reach = next(m for m in doc["metrics"] if m["key"] == "reach")
    assert reach["comparison"]["last"] == format_number(reach_of(WEEKS - 2), "en")


@pytest.mark.parametrize("case", ["missing", "forged", "other_token", "expired", "future",
                                  "garbage"])
async def test_bad_init_data_gets_401_and_no_data(app: App, http: aiohttp.ClientSession,
                                                  case: str) -> None:
    project = await seed(app.storage)
    token = app.bot.token
    init = {
        "missing": None,
        "forged": init_data(token, OWNER).replace("%22id%22%3A1001", "%22id%22%3A1002"),
        "other_token": init_data("42:" + "x" * 35, OWNER),
        "expired": init_data(token, OWNER, auth_date=time.time() - 24 * 3600 - 60),
        "future": init_data(token, OWNER, auth_date=time.time() + 3600),
        "garbage": "user=%7B%7D&hash=zz",
    }[case]
    client = Api(http, app.web_url, init)
    for path in ("projects", f"projects/{project.id}/series", f"projects/{project.id}/export"):
        status, body, _resp = await client.get(path)
        assert status == 401, path
        assert project.name.encode() not in body and b"reach" not in body
    status, body = await client.post(f"projects/{project.id}/values",
                                     {"week": last_full_week().isoformat(), "metric": "reach",
                                      "value": "5"})
    assert status == 401 and body == {"error": "unauthorized"}
    assert (await app.storage.get_values(project.id))[-1].value != 5.0


async def test_the_max_age_is_configurable(botapi: TelegramFake, tmp_path,
                                           http: aiohttp.ClientSession) -> None:
    async with running_app(botapi, tmp_path / "bot.db", webapp=True,
                           webapp_initdata_max_age=60) as app:
        await seed(app.storage)
        fresh = api(http, app, OWNER, auth_date=time.time() - 30)
        stale = api(http, app, OWNER, auth_date=time.time() - 120)
        assert (await fresh.json("projects"))[0] == 200
        assert (await stale.json("projects"))[0] == 401


async def test_another_users_project_is_refused_with_no_data(
        app: App, http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    theirs = await seed(app.storage, "Stranger's", owner=STRANGER)
    me = api(http, app, OWNER)
    _status, body = await me.json("projects")
    assert theirs.id not in [p["id"] for p in body["projects"]]
    for path in (f"projects/{theirs.id}/series", f"projects/{theirs.id}/export",
                 "projects/999999/series"):
        status, raw, _resp = await me.get(path)
        assert status == 403 and b"Stranger" not in raw and b"reach" not in raw, path
    before = await app.storage.get_values(theirs.id)
    status, body = await me.post(f"projects/{theirs.id}/values",
                                 {"week": last_full_week().isoformat(), "metric": "reach",
                                  "value": "5"})
    assert status == 403 and body == {"error": "forbidden"}
    assert await app.storage.get_values(theirs.id) == before
    # a member who is removed loses the project on the very next call
    assert (await api(http, app, VIEWER).json(f"projects/{project.id}/series"))[0] == 200
    await app.storage.set_member_role(project.id, VIEWER, None)
    assert (await api(http, app, VIEWER).json(f"projects/{project.id}/series"))[0] == 403


async def test_a_viewer_reads_but_cannot_edit(app: App, http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    viewer = api(http, app, VIEWER)
    status, doc = await viewer.json(f"projects/{project.id}/series")
    assert status == 200 and doc["project"]["can_edit"] is False
    before = await app.storage.get_values(project.id)
    status, body = await viewer.post(f"projects/{project.id}/values",
                                     {"week": last_full_week().isoformat(), "metric": "reach",
                                      "value": "5"})
    assert status == 403 and body == {"error": "read_only"}
    status, body = await viewer.post(f"projects/{project.id}/undo", {"batch_id": 1})
    assert status == 403
    assert await app.storage.get_values(project.id) == before


async def test_an_editor_corrects_a_week_as_a_chat_entry_and_the_chat_sees_it(
        app: App, http: aiohttp.ClientSession, botapi: TelegramFake) -> None:
    project = await seed(app.storage)
    week = last_full_week()
    editor = api(http, app, EDITOR)
    status, body = await editor.post(f"projects/{project.id}/values",
                                     {"week": week.isoformat(), "metric": "reach",
                                      "value": "1 234"})
    assert status == 200 and body["ok"]
    assert "1,234" in body["message"] and format_number(reach_of(WEEKS - 1), "en") in body[
        "message"]  # "replaced the earlier 300", as the chat says
    values = {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project.id)}
    assert values[(week, "reach")] == 1234.0
    _status, doc = await editor.json(f"projects/{project.id}/series")
    assert next(m for m in doc["metrics"] if m["key"] == "reach")["values"][-1] == 1234.0
    # the chat: /history shows the new number, /undo takes the batch back like a chat entry
    bob = TgUser(botapi, EDITOR, "Bob", "en")
    await app.storage.set_active_project(EDITOR, project.id)
    history = "\n".join(r.text or "" for r in await bob.send("/history"))
    newest = history.strip().splitlines()[-1]  # the newest week, compact numbers: "1.2K"
    assert format_number(1234.0, "en", compact=True) in newest
    export = next(r for r in await bob.send("/export") if r.document)
    assert f"{week.isoformat()},reach,1234," in export.document.decode()
    await bob.send("/undo")
    values = {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project.id)}
    assert values[(week, "reach")] == reach_of(WEEKS - 1)


async def test_the_edit_undo_button_reverts_the_batch(app: App,
                                                      http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    week = last_full_week() - timedelta(weeks=3)
    editor = api(http, app, EDITOR)
    _status, body = await editor.post(f"projects/{project.id}/values",
                                      {"week": week.isoformat(), "metric": "likes",
                                       "value": "77"})
    status, undone = await editor.post(f"projects/{project.id}/undo",
                                       {"batch_id": body["batch_id"]})
    assert status == 200 and undone["ok"]
    values = {(v.week_start, v.metric): v.value for v in await app.storage.get_values(project.id)}
    assert values[(week, "likes")] == 40.0 + WEEKS - 4
    status, again = await editor.post(f"projects/{project.id}/undo",
                                      {"batch_id": body["batch_id"]})
    assert status == 409 and not again["ok"]


@pytest.mark.parametrize(("payload", "message_key"), [
    ({"metric": "reach", "value": "-5"}, "entry-refused-negative"),
    ({"metric": "reach", "value": "abc"}, "dashboard-edit-invalid"),
    ({"metric": "reach", "value": "5 likes 9"}, "dashboard-edit-invalid"),
    ({"metric": "reach", "value": "5\nlikes 9"}, "dashboard-edit-invalid"),
    ({"metric": "nonsense", "value": "5"}, "dashboard-edit-invalid"),
    ({"metric": "reach", "value": "5%"}, "entry-refused-percent_for_count"),
])
async def test_bad_values_are_refused_with_the_chats_message_and_change_nothing(
        app: App, http: aiohttp.ClientSession, payload: dict, message_key: str) -> None:
    project = await seed(app.storage)
    before = await app.storage.get_values(project.id)
    status, body = await api(http, app, EDITOR).post(
        f"projects/{project.id}/values", {"week": last_full_week().isoformat(), **payload})
    assert status == 422 and body["ok"] is False
    assert body["message"] == parse_html(get_translator("en")(message_key))[0]
    assert await app.storage.get_values(project.id) == before


@pytest.mark.parametrize("payload", [
    {"week": "2026-13-01", "metric": "reach", "value": "5"},
    {"week": "not a week", "metric": "reach", "value": "5"},
    {"metric": "reach", "value": "5"},
    {"week": "WEEK", "metric": 5, "value": 5},
])
async def test_malformed_edits_get_400(app: App, http: aiohttp.ClientSession,
                                       payload: dict) -> None:
    project = await seed(app.storage)
    if payload.get("week") == "WEEK":
        payload["week"] = last_full_week().isoformat()
    status, _body = await api(http, app, EDITOR).post(f"projects/{project.id}/values", payload)
    assert status == 400


async def test_a_future_week_is_refused_as_in_the_chat(app: App,
                                                       http: aiohttp.ClientSession) -> None:
    project = await seed(app.storage)
    week = current_week(TZ) + timedelta(weeks=2)
    status, body = await api(http, app, EDITOR).post(
        f"projects/{project.id}/values", {"week": week.isoformat(), "metric": "reach",
                                          "value": "5"})
    assert status == 422 and body["message"] == get_translator("en")(
        "entry-refused-future_week")


async def test_csv_and_xlsx_downloads_are_the_export(app: App, http: aiohttp.ClientSession,
                                                     botapi: TelegramFake) -> None:
    project: Project = await seed(app.storage)
    viewer = api(http, app, VIEWER)
    status, csv, resp = await viewer.get(f"projects/{project.id}/export", format="csv")
    assert status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    vera = TgUser(botapi, VIEWER, "Vera", "en")
    await app.storage.set_active_project(VIEWER, project.id)
    document = next(r for r in await vera.send("/export") if r.document)
    assert csv == document.document  # the very file /export sends
    status, xlsx, _resp = await viewer.get(f"projects/{project.id}/export", format="xlsx")
    sheet = load_workbook(BytesIO(xlsx)).active
    assert status == 200 and sheet.max_row == len(await app.storage.get_values(project.id)) + 1
    assert (await viewer.get(f"projects/{project.id}/export", format="pdf"))[0] == 400


async def test_the_page_is_served_with_a_strict_csp_and_no_third_party_script(
        app: App, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{app.web_url}/app") as resp:  # redirected to /app/
        page = await resp.text()
        assert resp.status == 200 and resp.url.path == "/app/"
        assert resp.headers["Content-Security-Policy"] == CSP
        assert "script-src 'self'" in CSP and "https://" not in CSP.split("frame-ancestors")[0]
    assert "http://" not in page and "https://" not in page and "//" not in page.replace(
        "<!--", "")
    for path in ("static/app.js", "static/vendor/uPlot.iife.min.js", "static/app.css"):
        async with http.get(f"{app.web_url}/app/{path}") as resp:
            assert resp.status == 200 and resp.headers["Content-Security-Policy"] == CSP
    async with http.get(f"{app.web_url}/app/static/../server.py") as resp:
        assert resp.status in (403, 404)
    async with http.get(f"{app.web_url}/app/api/projects") as resp:  # no initData
        assert resp.status == 401 and resp.headers["Content-Security-Policy"] == CSP


async def test_webhook_mode_mounts_the_app_beside_the_webhook(
        app: App, http: aiohttp.ClientSession) -> None:
    """The same routes on the webhook server's Application (webhook mode)."""
    project = await seed(app.storage)
    web_app, handler = build_web_app(app.dispatcher, app.bot, secret="s3cret",
                                     extra_routes=[add_routes])
    server = WebhookServer(web_app, handler, "127.0.0.1", free_port())
    await server.start()
    try:
        client = Api(http, f"http://127.0.0.1:{server.port}", init_data(app.bot.token, OWNER))
        status, body = await client.json("projects")
        assert status == 200 and [p["id"] for p in body["projects"]] == [project.id]
        async with http.post(f"http://127.0.0.1:{server.port}/webhook", json={}) as resp:
            assert resp.status == 401  # the webhook still wants Telegram's secret
    finally:
        server.stop()
        await server.close()
