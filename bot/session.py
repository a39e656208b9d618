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

from typing import Any, cast

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

_JSON_HEADERS = {"Content-Type": "application/json"}


class JsonBodySession(AiohttpSession):
    """`AiohttpSession` that posts requests without files as `application/json`."""

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The request as one JSON document, or None when it carries a file."""
        files: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                payload[key] = prepared
        if files:
            return None
        return orjson.dumps(payload)

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(url, data=body, headers=_JSON_HEADERS,
                                    timeout=self.timeout if timeout is None else timeout
                                    ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method,
                                       message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(bot=bot, method=method, status_code=resp.status,
                                       content=raw_result)
        return cast(TelegramType, response.result)
