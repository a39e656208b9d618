"""The Bot API session: aiogram's aiohttp session, with JSON request bodies.

aiogram sends every request as a form: each field serialized on its own, the form
URL-encoded field by field, a multipart writer (and a random boundary) made for it even when
no file goes along. The Bot API takes `application/json` as well, for every method but file
uploads (https://core.telegram.org/bots/api#making-requests), so a request without a file is
sent as one JSON document, serialized once by orjson: a reply costs about a tenth less CPU
(see README, Benchmarks). A request that carries a file (a chart, an export) still goes as
aiogram's multipart form.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiohttp import BytesPayload, FormData


class JsonBodySession(AiohttpSession):
    """`AiohttpSession` that posts requests without files as `application/json`: aiogram's own
    request, timeout and error handling, with the body built here."""

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The request as one JSON document, or None when it carries a file."""
        files: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        # None is never sent (aiogram's prepare_value drops it at every depth): leaving it out
        # of the dump spares walking the dozen empty fields of every method and button
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                payload[key] = prepared
        if files:
            return None
        return orjson.dumps(payload)

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData:
        body = self.json_body(bot, method)
        if body is None:
            return super().build_form_data(bot, method)
        # aiohttp posts any payload as `data`; aiogram's make_request only passes it on
        return BytesPayload(body, content_type="application/json")  # type: ignore[return-value]
