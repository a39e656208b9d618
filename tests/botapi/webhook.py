"""Webhook delivery for the Bot API fake, as Telegram does it.

After `setWebhook` the fake POSTs every pending update as JSON to the webhook URL with the
`X-Telegram-Bot-Api-Secret-Token` header, at most `max_connections` at once and one at a time
per chat, in order (a failing update holds back the later ones of its chat, as Telegram's
queue does). An update counts as
delivered only on a 2xx answer; any other status, a timeout or a connection error is recorded
(`attempts`, `last_error`) and the update is sent again after `retry_delay` seconds. With
`backends` (base URLs of bot instances) the fake stands in for the load balancer too: each
attempt goes to the next backend in turn (round robin, so a retry lands on another instance),
keeping the path of the registered URL. getUpdates answers 409 while a webhook is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

if TYPE_CHECKING:
    from tests.botapi.fake import TelegramFake

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookAttempt:
    update_id: int
    target: str
    at: float
    status: int | None = None  # None: timeout or connection error (see error), or pending
    error: str | None = None
    pending: bool = True  # the request is on its way (recorded before it is sent)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _chat_of(update: dict[str, Any]) -> object:
    """The chat an update belongs to: its updates go out one at a time, in order."""
    body = next((v for k, v in update.items() if k != "update_id"), None)
    if not isinstance(body, dict):
        return None
    chat = body.get("chat") or (body.get("message") or {}).get("chat")
    if isinstance(chat, dict):
        return ("chat", chat.get("id"))
    sender = body.get("from")
    return ("user", sender.get("id")) if isinstance(sender, dict) else None


class WebhookDelivery:
    """The delivery loop of one webhook registration (see the module docstring)."""

    def __init__(self, fake: TelegramFake, url: str, secret_token: str | None,
                 max_connections: int) -> None:
        self.fake = fake
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max(1, min(100, max_connections))
        self._delivering: dict[int, asyncio.Task[None]] = {}
        self._turn = itertools.count()
        self._task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fake-webhook-delivery")

    async def stop(self) -> None:
        self._stopped.set()
        self.fake._wake()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=5)

    def target(self) -> str:
        backends = self.fake.webhook_backends
        if not backends:
            return self.url
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return backends[next(self._turn) % len(backends)].rstrip("/") + path

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as session:
            try:
                while not self._stopped.is_set() and not self.fake._closing.is_set():
                    self.fake._drop_disallowed()
                    blocked: set[object] = set()  # chats with an earlier update still pending
                    for update in list(self.fake._updates):
                        if len(self._delivering) >= self.max_connections:
                            break
                        update_id, key = update["update_id"], _chat_of(update)
                        if update_id not in self._delivering and key not in blocked:
                            self._delivering[update_id] = asyncio.create_task(
                                self._deliver(session, update), name=f"deliver-{update_id}")
                        if key is not None:
                            blocked.add(key)
                    waiter = self.fake._updates_changed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waiter.wait(), 0.5)
            finally:
                tasks = list(self._delivering.values())
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        fake = self.fake
        update_id = update["update_id"]
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        try:
            while not self._stopped.is_set():
                target = self.target()
                attempt = WebhookAttempt(update_id, target, time.time())
                fake.webhook_attempts.append(attempt)
                status: int | None = None
                error: str | None = None
                try:
                    async with session.post(
                        target, json=update, headers=headers,
                        timeout=aiohttp.ClientTimeout(total=fake.webhook_timeout),
                    ) as response:
                        status = response.status
                        await response.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                attempt.status, attempt.error, attempt.pending = status, error, False
                if attempt.ok:
                    fake._webhook_delivered(update_id)
                    return
                fake.webhook_last_error = error or f"Wrong response from the webhook: {status}"
                await asyncio.sleep(fake.webhook_retry_delay)
        finally:
            self._delivering.pop(update_id, None)
            fake._wake()
