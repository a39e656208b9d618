"""The Mini App on the bot's own aiohttp server: the page under /app/, its JSON API under
/app/api/ (docs/interface.md, "Dashboard (Mini App)").

Security, on every API call:
- `Authorization: tma <initData>` (the raw initData string the Telegram client gave the page) is
  validated by webapp.auth with the bot's token: a forged hash, a missing user or an auth_date
  older than WEBAPP_INITDATA_MAX_AGE gets 401 and no data. "Replayed" here means reused after
  that age: inside it Telegram's own model lets the page reuse its initData for every call (it
  is the session), so the age bounds how long a leaked copy is worth anything.
- The user is the one in the signed initData, never a parameter. Every project id in a path is
  checked against the user's membership in storage on that very call (403 and no data when the
  user is not a member); editing needs an editor or owner role, as in the chat (bot/access.py).
Every response of the sub-application carries a Content-Security-Policy that allows scripts,
styles, images and fetches from this origin only: the chart library is vendored
(static/vendor/), and Telegram's telegram-web-app.js is not loaded at all — the page reads
`tgWebAppData` and the theme from its URL hash itself (static/app.js).
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.i18n import get_translator, message_keys, pick_language
from bot.services.dashboard import edit_value, plain, project_series, user_projects
from bot.services.exporting import export_file
from bot.webhook import BOT_KEY, WORKFLOW_KEY
from handlers.entry import undone_text
from handlers.entry_view import outcome_text
from storage.base import Storage
from storage.models import Project, Role
from webapp.auth import InitData, InitDataError, authorization_init_data, validate_init_data

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PREFIX = "/app"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors https://web.telegram.org https://*.telegram.org")
STRING_PREFIX = "dashboard-"
AUTH = web.AppKey("webapp_auth", dict)


def add_routes(app: web.Application) -> None:
    """The route hook for `bot.webhook.build_web_app` / `build_routes_app`."""
    sub = web.Application(middlewares=[security_headers])
    sub.router.add_get("/", index)
    sub.router.add_get("/api/projects", projects)
    sub.router.add_get("/api/projects/{project_id:\\d+}/series", series)
    sub.router.add_get("/api/projects/{project_id:\\d+}/export", export)
    sub.router.add_post("/api/projects/{project_id:\\d+}/values", edit)
    sub.router.add_post("/api/projects/{project_id:\\d+}/undo", undo)
    sub.router.add_static("/static/", STATIC, follow_symlinks=False)
    sub.router.add_get("", slash)  # /app → /app/ (the page's URLs are relative to it)
    app.add_subapp(PREFIX, sub)


async def slash(_request: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX + "/")


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _headers(response)
        raise
    _headers(response)
    return response


def _headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


# --- who is asking ---------------------------------------------------------------------------


def _services(request: web.Request) -> tuple[Storage, Settings, str]:
    workflow = request.config_dict[WORKFLOW_KEY]
    return workflow["storage"], workflow["settings"], request.config_dict[BOT_KEY].token


def _refuse(status: int, error: str) -> web.HTTPException:
    kind = {401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 400: web.HTTPBadRequest,
            404: web.HTTPNotFound}[status]
    return kind(text=f'{{"error": "{error}"}}', content_type="application/json")


def authenticate(request: web.Request) -> InitData:
    """The signed initData of this request, or 401 (the reason is logged, never echoed)."""
    _storage, settings, token = _services(request)
    try:
        raw = authorization_init_data(request.headers.get("Authorization"))
        return validate_init_data(raw, token, max_age=settings.webapp_initdata_max_age)
    except InitDataError as exc:
        log.info("mini app: refused initData (%s)", exc)
        raise _refuse(401, "unauthorized") from None


async def language(storage: Storage, settings: Settings, init: InitData) -> str:
    user = await storage.get_user(init.user.id)
    if user is not None and user.language:
        return user.language
    return pick_language(init.user.language_code, settings.default_language)


async def project_for(request: web.Request, init: InitData, needs: str = "member"
                      ) -> tuple[Project, Role]:
    """The project in the path, only when this user is a member with the needed role."""
    storage, _settings, _token = _services(request)
    project_id = int(request.match_info["project_id"])
    role = await storage.get_membership(init.user.id, project_id)
    project = await storage.get_project(project_id) if role is not None else None
    if role is None or project is None:
        raise _refuse(403, "forbidden")
    if needs == "editor" and not role.can_edit:
        raise _refuse(403, "read_only")
    return project, role


@cache
def strings(lang: str) -> dict[str, str]:
    """The page's texts, from the same Fluent catalogues as the bot (dashboard.ftl)."""
    t = get_translator(lang)
    return {key[len(STRING_PREFIX):]: t(key) for key in sorted(message_keys(lang))
            if key.startswith(STRING_PREFIX)}


# --- endpoints -------------------------------------------------------------------------------


async def projects(request: web.Request) -> web.Response:
    init = authenticate(request)
    storage, settings, _token = _services(request)
    lang = await language(storage, settings, init)
    memberships = await user_projects(storage, init.user.id)
    return web.json_response({
        "lang": lang,
        "strings": strings(lang),
        "projects": [{"id": m.project.id, "name": m.project.name, "role": m.role.value}
                     for m in memberships],
    })


async def series(request: web.Request) -> web.Response:
    init = authenticate(request)
    project, role = await project_for(request, init)
    storage, settings, _token = _services(request)
    week = _week(request.query.get("week"))
    lang = await language(storage, settings, init)
    return web.json_response(await project_series(storage, project, role, lang, week))


async def export(request: web.Request) -> web.Response:
    init = authenticate(request)
    project, _role = await project_for(request, init)
    storage, _settings, _token = _services(request)
    fmt = request.query.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise _refuse(400, "format")
    exported = await export_file(storage, project, fmt)
    if exported is None:
        raise _refuse(404, "empty")
    content_type = ("text/csv" if fmt == "csv" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return web.Response(body=exported.data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{exported.filename}"'})


async def edit(request: web.Request) -> web.Response:
    init = authenticate(request)
    project, _role = await project_for(request, init, "editor")
    storage, settings, _token = _services(request)
    body = await _json(request)
    week = _week(body.get("week"))
    metric, value = body.get("metric"), body.get("value")
    if week is None or not isinstance(metric, str) or not isinstance(value, str):
        raise _refuse(400, "bad_request")
    lang = await language(storage, settings, init)
    t = get_translator(lang)
    outcome = await edit_value(storage, project, init.user.id, week, metric, value)
    if outcome is None or (not outcome.saved and not outcome.refused):
        return web.json_response({"ok": False, "message": plain(t("dashboard-edit-invalid"))},
                                 status=422)
    if outcome.refused:
        return web.json_response({"ok": False,
                                  "message": plain(t(f"entry-refused-{outcome.refused}"))},
                                 status=422)
    return web.json_response({"ok": True, "batch_id": outcome.batch_id,
                              "message": plain(outcome_text(outcome, t))})


async def undo(request: web.Request) -> web.Response:
    init = authenticate(request)
    project, _role = await project_for(request, init, "editor")
    storage, settings, _token = _services(request)
    body = await _json(request)
    batch_id = body.get("batch_id")
    if not isinstance(batch_id, int) or isinstance(batch_id, bool):
        raise _refuse(400, "bad_request")
    t = get_translator(await language(storage, settings, init))
    batch = await storage.undo_batch(project.id, batch_id)
    if batch is None:
        return web.json_response({"ok": False, "message": plain(t("undo-not-possible"))},
                                 status=409)
    return web.json_response({"ok": True, "message": plain(undone_text(batch, t))})


async def _json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise _refuse(400, "bad_request") from None
    if not isinstance(body, dict):
        raise _refuse(400, "bad_request")
    return body


def _week(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if day.weekday() == 0 else None
