"""Shared parts of the dashboard tests: initData signed the way Telegram signs it (written out
here, not with webapp.auth), a seeded project, and an HTTP client for the Mini App API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp

from kpi.weeks import current_week
from storage.base import Storage
from storage.models import BatchSource, NewValue, Project, ProjectKpi, Role

OWNER, EDITOR, VIEWER, STRANGER = 1001, 2002, 3003, 4004
WEEKS = 20
TZ = "Europe/Moscow"


def init_data(token: str, user_id: int, *, lang: str = "en", auth_date: float | None = None,
              query_id: str = "AAHdF6IQAAAAAN0XohDhrOrc") -> str:
    user = json.dumps({"id": user_id, "first_name": "Ann", "language_code": lang},
                      separators=(",", ":"))
    fields = {"auth_date": str(int(time.time() if auth_date is None else auth_date)),
              "query_id": query_id, "user": user}
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def reach_of(index: int) -> float:
    """A wavy reach that collapses in the newest full week (so the digest raises alerts)."""
    return 300.0 if index == WEEKS - 1 else 1000.0 + (index % 4) * 40


async def seed(storage: Storage, name: str = "Coffee <b>house</b>", owner: int = OWNER
               ) -> Project:
    """A project with 20 full weeks of reach, likes and followers; an editor and a viewer."""
    project = await storage.create_project(
        owner, name, "reach", TZ, "en",
        [ProjectKpi("reach", target=1500.0), ProjectKpi("er_reach"), ProjectKpi("followers")])
    first = current_week(TZ) - timedelta(weeks=WEEKS)
    for i in range(WEEKS):
        week = first + timedelta(weeks=i)
        await storage.save_batch(project.id, owner, BatchSource.MESSAGE, [
            NewValue(week, "reach", reach_of(i)), NewValue(week, "likes", 40.0 + i),
            NewValue(week, "followers", 500.0 + 3 * i)])
    if owner == OWNER:
        await storage.ensure_user(EDITOR)
        await storage.ensure_user(VIEWER)
        await storage.set_member_role(project.id, EDITOR, Role.EDITOR)
        await storage.set_member_role(project.id, VIEWER, Role.VIEWER)
    return project


class Api:
    """The page's calls, over real HTTP, as one Telegram user."""

    def __init__(self, http: aiohttp.ClientSession, base: str, init: str | None) -> None:
        self.http, self.base, self.init = http, base, init

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"tma {self.init}"} if self.init is not None else {}

    async def get(self, path: str, **params: str) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.http.get(f"{self.base}/app/api/{path}", params=params,
                                 headers=self.headers()) as resp:
            body = await resp.read()
            return resp.status, body, resp

    async def json(self, path: str, **params: str) -> tuple[int, Any]:
        status, body, _resp = await self.get(path, **params)
        return status, json.loads(body)

    async def post(self, path: str, payload: object) -> tuple[int, Any]:
        async with self.http.post(f"{self.base}/app/api/{path}", json=payload,
                                  headers=self.headers()) as resp:
            return resp.status, await resp.json()
