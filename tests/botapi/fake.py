"""An in-process fake of the Telegram Bot API served over real HTTP on 127.0.0.1.

The fake speaks the real wire protocol (``POST /bot{token}/{method}`` with JSON,
urlencoded or multipart bodies, ``GET /file/bot{token}/{file_path}``) so a real
aiogram ``Bot`` with ``AiohttpSession`` can be pointed at it via
``TelegramAPIServer.from_base(fake.url)``.

Usage::

    async with TelegramFake() as fake:
        fake.add_user(1001, "Anna")
        fake.push_message(1001, "/start")
        ...

See ``tests/botapi/client.py`` (simulated human) and ``tests/botapi/harness.py``
(running a real dispatcher against the fake).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import re
import secrets
import struct
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.botapi.webhook import WebhookAttempt, WebhookDelivery

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64

# Fields aiogram serialises as JSON strings inside form data.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "menu_button",
    }
)

_SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})


class ApiError(Exception):
    """Raised inside method implementations; rendered as ``{"ok": false, ...}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------- HTML


class EntityParseError(ValueError):
    pass


_ALLOWED_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _u16len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    m = _HTML_ENTITY_RE.match(text, i)
    if not m:
        return None
    if m.group(1):
        return _NAMED_ENTITIES[m.group(1)], m.end()
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _decode_attr(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&" and (dec := _decode_entity(value, i)):
            out.append(dec[0])
            i = dec[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML like the Bot API does.

    Returns ``(plain_text, entities)`` with UTF-16 offsets, or raises
    ``EntityParseError`` with a Telegram-like message. Stricter than Telegram in
    one point: a bare ``&`` that does not start an entity is rejected (Telegram
    keeps it literally) so tests catch unescaped user text.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            dec = _decode_entity(text, i)
            if dec is None:
                raise EntityParseError(
                    "Character '&' is reserved and must be escaped as &amp; "
                    f"at byte offset {_byte_offset(text, i)}"
                )
            out.append(dec[0])
            pos16 += _u16len(dec[0])
            i = dec[1]
            continue
        if ch != "<":
            out.append(ch)
            pos16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        boff = _byte_offset(text, begin)
        i += 1
        if i < n and text[i] == "/":
            end = text.find(">", i)
            if end == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {boff}")
            name = text[i + 1 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {boff}")
            tag, start16, attrs = stack.pop()
            if name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {boff}, expected "</{tag}>", '
                    f'found "</{name}>"'
                )
            if pos16 > start16:
                entity: dict[str, Any] = {
                    "type": _ALLOWED_TAGS[tag],
                    "offset": start16,
                    "length": pos16 - start16,
                }
                if tag == "a":
                    entity["url"] = attrs.get("href", "")
                elif tag == "pre" and attrs.get("language"):
                    entity["language"] = attrs["language"]
                elif tag == "tg-emoji":
                    entity["custom_emoji_id"] = attrs.get("emoji-id", "")
                elif tag == "blockquote" and "expandable" in attrs:
                    entity["type"] = "expandable_blockquote"
                entities.append(entity)
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "/>":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
        name = text[i:j].lower()
        if name not in _ALLOWED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {boff}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
            if text[j] == ">":
                j += 1
                break
            m = re.compile(r"[A-Za-z0-9_-]+").match(text, j)
            if not m:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {boff}'
                )
            attr = m.group(0).lower()
            j = m.end()
            while j < n and text[j].isspace():
                j += 1
            value = ""
            if j < n and text[j] == "=":
                j += 1
                while j < n and text[j].isspace():
                    j += 1
                if j < n and text[j] in "\"'":
                    quote = text[j]
                    close = text.find(quote, j + 1)
                    if close == -1:
                        raise EntityParseError(
                            f"Unclosed end of attribute value at byte offset {boff}"
                        )
                    value = text[j + 1 : close]
                    j = close + 1
                else:
                    k = j
                    while k < n and not text[k].isspace() and text[k] != ">":
                        k += 1
                    value = text[j:k]
                    j = k
            attrs[attr] = _decode_attr(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff}')
        if name == "code" and stack and stack[-1][0] == "pre":
            cls = attrs.get("class", "")
            if cls.startswith("language-"):
                stack[-1][2]["language"] = cls[len("language-") :]
        stack.append((name, pos16, attrs))
        i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# --------------------------------------------------------------------------- state


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "ru"
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeMember:
    user_id: int
    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)


@dataclass
class FakeChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    blocked: bool = False  # private chat: the user blocked the bot
    members: dict[int, FakeMember] = field(default_factory=dict)
    next_message_id: int = 1

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    data: bytes
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class UploadedPart:
    filename: str | None
    data: bytes
    content_type: str | None = None


@dataclass
class FakeMessage:
    """A message in the fake's history (sent by the bot or pushed by a test)."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    sender_id: int | None = None  # user id for user messages; None for bot/channel
    text: str | None = None  # plain text after entity parsing
    html: str | None = None  # text exactly as the bot sent it
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_html: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None  # as sent (any keyboard type)
    document: StoredFile | None = None
    photo: StoredFile | None = None
    photo_size: tuple[int, int] = (0, 0)
    forward_origin: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    method: str = ""
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    def snapshot(self) -> FakeMessage:
        return copy.deepcopy(self)


@dataclass
class Call:
    """One HTTP request the bot made to the fake."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedPart]
    time: float
    ok: bool | None = None
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    seq: int = 0
    message: FakeMessage | None = None  # snapshot of the sent/edited message
    content_type: str | None = None  # of the request body: JSON, a form or multipart

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class FaultRule:
    method: str  # method name (case-insensitive) or "*" for any but getUpdates
    kind: str  # "status" | "drop" | "delay" | "late"
    count: int = 1
    status: int = 0
    description: str | None = None
    retry_after: int = 1
    delay: float = 0.0
    chat_id: int | str | None = None
    hits: int = 0

    @property
    def remaining(self) -> int:
        return self.count - self.hits

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.remaining <= 0:
            return False
        if self.method == "*":
            if method.lower() == "getupdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass
class RateLimits:
    per_private_chat_per_sec: int = 1
    per_group_per_min: int = 20
    global_per_sec: int = 30


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    data: str | None
    message_id: int
    chat_id: int
    answered: bool = False
    answer: dict[str, Any] | None = None
    # Every answerCallbackQuery for this id, refused ones included (Telegram takes one).
    answer_attempts: int = 0


_DEFAULT_FAULT_TEXT = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one "
    "bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    return None


# --------------------------------------------------------------------------- fake


class TelegramFake:
    """Fake Telegram Bot API server. Use as ``async with TelegramFake() as fake``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "smm_kpi_test_bot",
        bot_first_name: str = "SMM KPI Test Bot",
        rate_limit: bool | RateLimits = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = FakeUser(
            self.bot_id, bot_first_name, username=bot_username, language_code=None, is_bot=True
        )
        self.host = host
        self.port: int | None = None
        self.rate_limits: RateLimits | None = (
            rate_limit
            if isinstance(rate_limit, RateLimits)
            else (RateLimits() if rate_limit else None)
        )

        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._history: dict[int, dict[int, FakeMessage]] = {}
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, Any] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}  # chat id (None: default)
        self.faults: list[FaultRule] = []

        self.calls: list[Call] = []  # every call except getUpdates
        # each call keeps a copy of the message it sent or edited (what the user saw then);
        # the benchmarks' fake, which forgets its calls at once, turns it off
        self.keep_sent_messages = True
        self.get_updates_calls: list[Call] = []
        self._seq = itertools.count(1)

        self._updates: list[dict[str, Any]] = []  # pending (unconfirmed) updates
        self._next_update_id = 100_000_001
        self.confirmed_offset = 0  # all update ids below this were confirmed
        self.allowed_updates: list[str] | None = None
        self._updates_changed = asyncio.Event()
        self._closing = asyncio.Event()

        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._tracking = 0
        self._processing: set[int] = set()
        self.handled_updates: set[int] = set()
        self.handler_errors: list[tuple[int, BaseException]] = []
        self.polling_started = asyncio.Event()
        self.parked_polls: list[float] = []  # deadlines of long polls waiting for updates

        # Webhook delivery (tests/botapi/webhook.py): active after setWebhook.
        self.webhook: WebhookDelivery | None = None
        self.webhook_backends: list[str] = []  # instance base URLs behind the "load balancer"
        self.webhook_timeout = 60.0  # seconds Telegram waits for the webhook's answer
        self.webhook_retry_delay = 0.2  # seconds before an update is sent again
        self.webhook_attempts: list[WebhookAttempt] = []
        self.webhook_delivered: set[int] = set()
        self.webhook_last_error: str | None = None
        self.webhook_set_calls = 0

        self._rl_chat: dict[int, deque[float]] = {}
        self._rl_global: deque[float] = deque()
        self._file_counter = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("TelegramFake is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> TelegramFake:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._closing.set()
        self._updates_changed.set()
        if self.webhook is not None:
            await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramFake:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ world setup

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "ru",
    ) -> FakeUser:
        """Register a user and their private chat with the bot."""
        user = FakeUser(user_id, first_name, username, last_name, language_code)
        self.users[user_id] = user
        if user_id not in self.chats:
            chat = FakeChat(
                user_id, "private", username=username, first_name=first_name, last_name=last_name
            )
            chat.members[user_id] = FakeMember(user_id, "member")
            chat.members[self.bot_id] = FakeMember(self.bot_id, "member")
            self.chats[user_id] = chat
        return user

    def add_chat(
        self,
        chat_id: int,
        type: str,
        title: str | None = None,
        *,
        username: str | None = None,
        bot_status: str = "administrator",
        can_post_messages: bool = True,
        **bot_rights: bool,
    ) -> FakeChat:
        """Register a group/supergroup/channel; the bot gets ``bot_status`` in it."""
        if type not in ("group", "supergroup", "channel", "private"):
            raise ValueError(f"bad chat type {type!r}")
        chat = FakeChat(chat_id, type, title=title, username=username)
        self.chats[chat_id] = chat
        rights = {"can_post_messages": can_post_messages, **bot_rights}
        chat.members[self.bot_id] = FakeMember(self.bot_id, bot_status, rights)
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str, **rights: bool) -> None:
        """Set membership of a user (or the bot: ``fake.bot_id``) in a chat."""
        self._chat(chat_id).members[user_id] = FakeMember(user_id, status, rights)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        self._chat(user_id).blocked = blocked

    def remove_bot_from(self, chat_id: int, status: str = "kicked") -> None:
        self.set_member(chat_id, self.bot_id, status)

    def register_file(
        self,
        data: bytes,
        filename: str | None = None,
        mime_type: str | None = None,
        kind: str = "documents",
    ) -> StoredFile:
        n = next(self._file_counter)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif kind == "photos":
            ext = ".jpg"
        prefix = "AgAC" if kind == "photos" else "BQAC"
        stored = StoredFile(
            file_id=f"{prefix}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            file_path=f"{kind}/file_{n}{ext}",
            filename=filename,
            data=bytes(data),
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        m = method.lower()
        return [c for c in self.calls if c.method.lower() == m and (ok is None or c.ok is ok)]

    def history(self, chat_id: int, *, include_deleted: bool = True) -> list[FakeMessage]:
        """All messages in a chat (user and bot), ordered by message id."""
        msgs = sorted(self._history.get(chat_id, {}).values(), key=lambda m: m.message_id)
        return [m for m in msgs if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        return [m for m in self.history(chat_id, include_deleted=include_deleted) if m.from_bot]

    def message(self, chat_id: int, message_id: int) -> FakeMessage | None:
        return self._history.get(chat_id, {}).get(message_id)

    def get_commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(scope, language_code), [])

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        method: str,
        error: int | str | FaultRule,
        count: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.0,
        description: str | None = None,
        chat_id: int | str | None = None,
    ) -> FaultRule:
        """Make the next ``count`` calls of ``method`` ("*" = any but getUpdates) fail.

        ``error``: an HTTP code (429 uses ``retry_after``; 400/403/500/502/...),
        ``"drop"`` (connection closed without a response), ``"delay"`` (sleep
        ``delay`` seconds, then handle normally) or ``"late"`` (handle normally at
        once, then hold the response back ``delay`` seconds: Telegram has done it,
        the bot does not know yet). ``delay`` also applies before other kinds.
        """
        if isinstance(error, FaultRule):
            rule = error
        elif error == "drop":
            rule = FaultRule(method, "drop", count, delay=delay, chat_id=chat_id)
        elif error == "delay":
            rule = FaultRule(method, "delay", count, delay=delay, chat_id=chat_id)
        elif error == "late":
            rule = FaultRule(method, "late", count, delay=delay, chat_id=chat_id)
        elif isinstance(error, int):
            if error == 429:
                description = description or f"Too Many Requests: retry after {retry_after}"
            rule = FaultRule(
                method,
                "status",
                count,
                status=error,
                description=description or _DEFAULT_FAULT_TEXT.get(error, f"Error {error}"),
                retry_after=retry_after,
                delay=delay,
                chat_id=chat_id,
            )
        else:
            raise ValueError(f"unknown fault {error!r}")
        self.faults.append(rule)
        return rule

    def poll_parked(self, for_at_least: float = 3.0) -> bool:
        """Whether a long poll is waiting here, past the fault checks, for `for_at_least`
        seconds more: an update pushed now reaches the bot whatever faults are injected."""
        return any(d - time.monotonic() >= for_at_least for d in self.parked_polls)

    def clear_faults(self) -> None:
        self.faults.clear()

    # ------------------------------------------------------------------ updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is assigned) and wake long polls."""
        update = dict(update)
        update_id = self._next_update_id
        self._next_update_id += 1
        update["update_id"] = update_id
        self._updates.append(update)
        self._wake()
        return update_id

    def _wake(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _store_user_message(
        self, chat_id: int, from_user: int | None, **fields: Any
    ) -> FakeMessage:
        chat = self._chat(chat_id)
        msg = FakeMessage(
            message_id=chat.next_message_id,
            chat_id=chat_id,
            from_bot=False,
            date=int(time.time()),
            sender_id=from_user,
            **fields,
        )
        chat.next_message_id += 1
        self._history.setdefault(chat_id, {})[msg.message_id] = msg
        return msg

    def _user_message_api(self, msg: FakeMessage) -> dict[str, Any]:
        data = self._message_api(msg)
        if msg.sender_id is not None:
            data["from"] = self.users[msg.sender_id].to_api()
        return data

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
    ) -> int:
        """A text message from a user (private chat by default). ``/commands`` get
        a ``bot_command`` entity at offset 0 automatically."""
        chat_id = user_id if chat_id is None else chat_id
        if entities is None:
            entities = []
            m = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
            if m and not forward_origin:
                entities.append({"type": "bot_command", "offset": 0, "length": _u16len(m.group(0))})
        msg = self._store_user_message(
            chat_id, user_id, text=text, entities=entities or None, forward_origin=forward_origin
        )
        return self.push_update({"message": self._user_message_api(msg)})

    def push_forwarded_channel_post(
        self,
        user_id: int,
        channel_id: int,
        text: str = "Post",
        *,
        channel_message_id: int | None = None,
        author_signature: str | None = None,
    ) -> int:
        channel = self._chat(channel_id)
        origin: dict[str, Any] = {
            "type": "channel",
            "date": int(time.time()) - 60,
            "chat": channel.to_api(),
            "message_id": channel_message_id or 1,
        }
        if author_signature:
            origin["author_signature"] = author_signature
        return self.push_message(user_id, text, forward_origin=origin)

    def push_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        chat_id: int | None = None,
    ) -> int:
        chat_id = user_id if chat_id is None else chat_id
        stored = self.register_file(data, filename, mime_type or _guess_mime(filename))
        msg = self._store_user_message(chat_id, user_id, document=stored, caption=caption)
        return self.push_update({"message": self._user_message_api(msg)})

    def push_callback(self, user_id: int, message: FakeMessage, data: str) -> int:
        query_id = str(secrets.randbits(63))
        self.callback_queries[query_id] = CallbackRecord(
            query_id, user_id, data, message.message_id, message.chat_id
        )
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id].to_api(),
                    "message": self._message_api(message),
                    "chat_instance": str(abs(hash((message.chat_id, self.bot_id)))),
                    "data": data,
                }
            }
        )

    def push_my_chat_member(
        self,
        chat_id: int,
        from_user_id: int,
        *,
        new_status: str = "administrator",
        old_status: str = "left",
        **rights: bool,
    ) -> int:
        """The bot's membership changed (e.g. added to a channel as admin)."""
        chat = self._chat(chat_id)
        old = FakeMember(self.bot_id, old_status)
        if chat.type == "channel" and new_status == "administrator":
            rights = {"can_post_messages": True, "can_edit_messages": True, **rights}
        new = FakeMember(self.bot_id, new_status, rights)
        chat.members[self.bot_id] = new
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": self.users[from_user_id].to_api(),
                    "date": int(time.time()),
                    "old_chat_member": self._member_api(chat, old),
                    "new_chat_member": self._member_api(chat, new),
                }
            }
        )

    def push_channel_post(self, channel_id: int, text: str) -> int:
        msg = self._store_user_message(channel_id, None, text=text)
        data = self._message_api(msg)
        data["sender_chat"] = self._chat(channel_id).to_api()
        return self.push_update({"channel_post": data})

    # ------------------------------------------------------------------ processing sync

    def mark_processing(self, update_id: int) -> None:
        self._processing.add(update_id)

    def mark_handled(self, update_id: int, error: BaseException | None = None) -> None:
        self._processing.discard(update_id)
        self.handled_updates.add(update_id)
        self._last_activity = time.monotonic()
        if error is not None:
            self.handler_errors.append((update_id, error))

    def attach_tracker(self) -> None:
        self._tracking += 1

    def detach_tracker(self) -> None:
        self._tracking -= 1

    def is_processed(self, update_id: int) -> bool:
        if self._tracking:
            return update_id in self.handled_updates
        return self.confirmed_offset > update_id or update_id in self.webhook_delivered

    def _webhook_delivered(self, update_id: int) -> None:
        """A webhook answered 2xx: the update is confirmed (Telegram forgets it)."""
        self.webhook_delivered.add(update_id)
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        lowest = min((u["update_id"] for u in self._updates), default=self._next_update_id)
        self.confirmed_offset = max(self.confirmed_offset, lowest)
        self._last_activity = time.monotonic()

    def is_idle(self, quiet: float = 0.05) -> bool:
        return (
            self._in_flight == 0
            and not self._processing
            and time.monotonic() - self._last_activity >= quiet
        )

    async def wait_processed(
        self, update_id: int, timeout: float = 5.0, quiet: float = 0.05, what: str = ""
    ) -> None:
        """Wait until the bot processed ``update_id`` and went quiet for ``quiet`` s.

        With the harness attached, "processed" means the dispatcher finished the
        handler; otherwise that a later getUpdates confirmed it."""
        deadline = time.monotonic() + timeout
        while True:
            if self.is_processed(update_id) and self.is_idle(quiet):
                return
            if time.monotonic() >= deadline:
                state = (
                    "processed"
                    if self.is_processed(update_id)
                    else (
                        "confirmed but handler still running"
                        if self.confirmed_offset > update_id
                        else "not even fetched/confirmed"
                    )
                )
                recent = [f"{c.method}({_short(c.params)}) -> {c.ok}" for c in self.calls[-10:]]
                raise AssertionError(
                    f"Bot did not finish processing update {update_id} {what} within "
                    f"{timeout}s (state: {state}; in-flight requests: {self._in_flight}; "
                    f"getUpdates calls so far: {len(self.get_updates_calls)}). "
                    f"Last bot calls: {recent}"
                )
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ HTTP

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedPart]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedPart] = {}
        ctype = request.content_type
        if request.method == "POST" and request.can_read_body:
            if ctype == "application/json":
                body = await request.read()
                if body:
                    params.update(json.loads(body))
            elif ctype.startswith("multipart/"):
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if part.filename is not None:  # type: ignore[union-attr]
                        files[part.name or ""] = UploadedPart(
                            part.filename,  # type: ignore[union-attr]
                            bytes(await part.read()),  # type: ignore[union-attr]
                            part.headers.get("Content-Type"),
                        )
                    else:
                        params[part.name or ""] = await part.text()  # type: ignore[union-attr]
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in _JSON_FIELDS:
            value = params.get(key)
            if isinstance(value, str) and value[:1] in ("{", "["):
                try:
                    params[key] = json.loads(value)
                except ValueError as e:
                    raise bad_request(f"can't parse {key} JSON object") from e
        return params, files

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        is_poll = method.lower() == "getupdates"
        if not is_poll:
            self._in_flight += 1
            self._last_activity = time.monotonic()
        call = Call(method, {}, {}, time.time(), seq=next(self._seq))
        try:
            try:
                (self.get_updates_calls if is_poll else self.calls).append(call)
                call.content_type = request.content_type
                call.params, call.files = await self._read_params(request)
                if token != self.token:
                    raise ApiError(401, "Unauthorized")
                late: FaultRule | None = None
                for rule in self.faults:
                    if rule.matches(method, call.params):
                        rule.hits += 1
                        if rule.kind == "late":
                            late = rule
                            break
                        if rule.delay:
                            await asyncio.sleep(rule.delay)
                        if rule.kind == "drop":
                            call.ok = False
                            call.description = "connection dropped (injected)"
                            if request.transport is not None:
                                request.transport.abort()
                            # aiohttp quietly ignores writing to the aborted transport
                            return web.Response(status=204)
                        if rule.kind == "status":
                            extra = None
                            if rule.status == 429:
                                extra = {"retry_after": rule.retry_after}
                            raise ApiError(rule.status, rule.description or "", extra)
                        break
                impl = getattr(self, f"_m_{method.lower()}", None)
                if impl is None:
                    raise ApiError(404, "Not Found: method not found")
                self._check_rate_limit(method, call.params)
                result = await impl(call.params, call.files)
                call.ok, call.result = True, result
                if (self.keep_sent_messages and isinstance(result, dict)
                        and "message_id" in result and "chat" in result):
                    sent = self.message(result["chat"]["id"], result["message_id"])
                    call.message = sent.snapshot() if sent else None
                if late is not None:
                    await asyncio.sleep(late.delay)
                return web.json_response({"ok": True, "result": result})
            except ApiError as e:
                call.ok, call.error_code, call.description = False, e.code, e.description
                return web.json_response(e.payload(), status=e.code)
        finally:
            if not is_poll:
                self._in_flight -= 1
                self._last_activity = time.monotonic()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        stored = self._files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ helpers

    def _chat(self, chat_id: int) -> FakeChat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"chat {chat_id} is not registered in the fake") from None

    def _resolve_chat(self, raw: Any) -> FakeChat:
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == raw[1:].lower():
                    return chat
            raise bad_request("chat not found")
        chat_id = _as_int(raw)
        if chat_id is None or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def _check_can_send(self, chat: FakeChat) -> None:
        if chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        member = chat.members.get(self.bot_id)
        status = member.status if member else "left"
        if status in ("left", "kicked"):
            if chat.type == "channel":
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            if chat.type == "group":
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
            raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        if chat.type == "channel" and not (
            status == "creator"
            or (status == "administrator" and member and member.rights.get("can_post_messages"))
        ):
            raise bad_request("need administrator rights in the channel chat")

    def _check_rate_limit(self, method: str, params: dict[str, Any]) -> None:
        limits = self.rate_limits
        if limits is None or method.lower() not in _SEND_METHODS:
            return
        chat_id = _as_int(params.get("chat_id"))
        now = time.monotonic()
        while self._rl_global and now - self._rl_global[0] >= 1.0:
            self._rl_global.popleft()
        if len(self._rl_global) >= limits.global_per_sec:
            self._raise_429(self._rl_global[0] + 1.0 - now)
        if chat_id is not None and chat_id in self.chats:
            private = self.chats[chat_id].type == "private"
            window, limit = (
                (1.0, limits.per_private_chat_per_sec)
                if private
                else (60.0, limits.per_group_per_min)
            )
            q = self._rl_chat.setdefault(chat_id, deque())
            while q and now - q[0] >= window:
                q.popleft()
            if len(q) >= limit:
                self._raise_429(q[0] + window - now)
            q.append(now)
        self._rl_global.append(now)

    @staticmethod
    def _raise_429(wait: float) -> None:
        retry = max(1, math.ceil(wait))
        raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _parse_text(
        self, text: Any, parse_mode: Any, entities: Any, *, caption: bool
    ) -> tuple[str, list[dict[str, Any]] | None]:
        text = "" if text is None else str(text)
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                plain, ents = parse_html(text)
            except EntityParseError as e:
                raise bad_request(f"can't parse entities: {e}") from None
        else:
            plain, ents = text, (entities if isinstance(entities, list) else [])
        limit = CAPTION_LIMIT if caption else TEXT_LIMIT
        if _u16len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        if not caption and not plain.strip():
            raise bad_request("message text is empty")
        return plain, (ents or None)

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list):
            raise bad_request("can't parse inline keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                data = button.get("callback_data")
                if data is not None and not (
                    0 < len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
                actions = {
                    "callback_data",
                    "url",
                    "switch_inline_query",
                    "web_app",
                    "login_url",
                    "switch_inline_query_current_chat",
                    "callback_game",
                    "pay",
                    "copy_text",
                    "switch_inline_query_chosen_chat",
                }
                web_app = button.get("web_app")
                if web_app is not None and not str(
                        (web_app or {}).get("url", "")).startswith("https://"):
                    raise bad_request("BUTTON_URL_INVALID")  # Mini Apps open over https only
                if not actions & button.keys():
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
        return markup

    def _message_api(self, msg: FakeMessage) -> dict[str, Any]:
        chat = self.chats[msg.chat_id]
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": chat.to_api(),
        }
        if msg.from_bot:
            if chat.type == "channel":
                data["sender_chat"] = chat.to_api()
            else:
                data["from"] = self.bot_user.to_api()
        elif msg.sender_id is not None and msg.sender_id in self.users:
            data["from"] = self.users[msg.sender_id].to_api()
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.document is not None:
            doc: dict[str, Any] = {
                "file_id": msg.document.file_id,
                "file_unique_id": msg.document.file_unique_id,
                "file_size": msg.document.size,
            }
            if msg.document.filename:
                doc["file_name"] = msg.document.filename
            if msg.document.mime_type:
                doc["mime_type"] = msg.document.mime_type
            data["document"] = doc
        if msg.photo is not None:
            w, h = msg.photo_size
            data["photo"] = [
                {
                    "file_id": msg.photo.file_id,
                    "file_unique_id": msg.photo.file_unique_id,
                    "file_size": msg.photo.size,
                    "width": w,
                    "height": h,
                }
            ]
        if msg.forward_origin:
            data["forward_origin"] = msg.forward_origin
        if msg.reply_to_message_id and (
            replied := self.message(msg.chat_id, msg.reply_to_message_id)
        ):
            data["reply_to_message"] = {
                k: v for k, v in self._message_api(replied).items() if k != "reply_to_message"
            }
        if msg.edit_date:
            data["edit_date"] = msg.edit_date
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        return data

    def _member_api(self, chat: FakeChat, member: FakeMember) -> dict[str, Any]:
        if member.user_id == self.bot_id:
            user = self.bot_user.to_api()
        elif member.user_id in self.users:
            user = self.users[member.user_id].to_api()
        else:
            user = {"id": member.user_id, "is_bot": False, "first_name": f"User{member.user_id}"}
        status = member.status
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": False,
                "can_manage_video_chats": False,
                "can_restrict_members": False,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": False,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_send_welcome_messages": False,
            }
            if chat.type == "channel":
                rights.update(can_post_messages=False, can_edit_messages=False)
            rights.update(member.rights)
            return {"status": "administrator", "user": user, **rights}
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status == "left":
            return {"status": "left", "user": user}
        if status == "restricted":
            perms = {
                k: False
                for k in (
                    "is_member",
                    "can_send_messages",
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_manage_topics",
                    "can_edit_tag",
                )
            }
            perms.update(member.rights)
            return {"status": "restricted", "user": user, "until_date": 0, **perms}
        return {"status": "member", "user": user}

    def _new_bot_message(
        self, chat: FakeChat, method: str, params: dict[str, Any], **fields: Any
    ) -> FakeMessage:
        reply_to = _as_int(params.get("reply_to_message_id"))
        rp = params.get("reply_parameters")
        if isinstance(rp, dict):
            reply_to = _as_int(rp.get("message_id"))
        if reply_to is not None and self.message(chat.id, reply_to) is None:
            allow = _as_bool(params.get("allow_sending_without_reply")) or (
                isinstance(rp, dict) and _as_bool(rp.get("allow_sending_without_reply"))
            )
            if not allow:
                raise bad_request("message to be replied not found")
            reply_to = None
        msg = FakeMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_bot=True,
            date=int(time.time()),
            method=method,
            reply_to_message_id=reply_to,
            **fields,
        )
        chat.next_message_id += 1
        self._history.setdefault(chat.id, {})[msg.message_id] = msg
        return msg

    def _upload(
        self, params: dict[str, Any], files: dict[str, UploadedPart], field_name: str, kind: str
    ) -> StoredFile:
        value = params.get(field_name)
        part: UploadedPart | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://") :])
        elif field_name in files:
            part = files[field_name]
        if part is not None:
            mime = part.content_type
            if not mime or mime == "application/octet-stream":
                mime = _guess_mime(part.filename or "")
            return self.register_file(part.data, part.filename, mime, kind=kind)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.register_file(b"", value.rsplit("/", 1)[-1], None, kind=kind)
        if not value:
            raise bad_request(f"there is no {field_name} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _find_message(self, params: dict[str, Any], not_found: str) -> FakeMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params.get("chat_id"))
        msg_id = _as_int(params.get("message_id"))
        msg = self.message(chat.id, msg_id) if msg_id is not None else None
        if msg is None or msg.deleted:
            raise bad_request(not_found)
        return msg

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if not isinstance(scope, dict) or not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # ------------------------------------------------------------------ methods

    async def _m_getme(self, params: dict[str, Any], files: Any) -> Any:
        return {
            **self.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, params: dict[str, Any], files: Any) -> Any:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active;"
                           " use deleteWebhook to delete the webhook first")
        if not self.polling_started.is_set():
            self.polling_started.set()
        offset = _as_int(params.get("offset"))
        limit = max(1, min(100, _as_int(params.get("limit")) or 100))
        timeout = max(0, _as_int(params.get("timeout")) or 0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if allowed else None
        if offset is not None:
            if offset < 0:
                keep = self._updates[offset:] if -offset <= len(self._updates) else self._updates
                self._confirm_before(keep[0]["update_id"] if keep else self._next_update_id)
            else:
                self._confirm_before(offset)
        deadline = time.monotonic() + timeout
        while True:
            self._drop_disallowed()
            if self._updates or self._closing.is_set():
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            waiter = self._updates_changed
            self.parked_polls.append(deadline)
            try:
                await asyncio.wait_for(waiter.wait(), remaining)
            except TimeoutError:
                return []
            finally:
                self.parked_polls.remove(deadline)

    def _confirm_before(self, offset: int) -> None:
        if offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._last_activity = time.monotonic()

    def _drop_disallowed(self) -> None:
        if not self.allowed_updates:
            return
        keep = []
        for upd in self._updates:
            kind = next(k for k in upd if k != "update_id")
            if kind in self.allowed_updates:
                keep.append(upd)
            else:  # Telegram silently discards such updates
                self.handled_updates.add(upd["update_id"])
                self.confirmed_offset = max(self.confirmed_offset, upd["update_id"] + 1)
        self._updates = keep

    async def _m_setwebhook(self, params: dict[str, Any], files: Any) -> Any:
        url = params.get("url") or ""
        if not url:
            return await self._m_deletewebhook(params, files)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if allowed else None
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm_before(self._next_update_id)
        self.webhook_set_calls += 1
        current = self.webhook
        max_connections = _as_int(params.get("max_connections")) or 40
        if (current is not None and current.url == url and current.secret_token == secret
                and current.max_connections == max_connections):
            return True  # the same registration again (every instance sets it at start)
        if current is not None:
            await current.stop()
        self.webhook = WebhookDelivery(self, url, secret, max_connections)
        self.webhook.start()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any], files: Any) -> Any:
        if self.webhook is not None:
            webhook, self.webhook = self.webhook, None
            await webhook.stop()
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm_before(self._next_update_id)
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any], files: Any) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
            if self.webhook_last_error:
                info["last_error_message"] = self.webhook_last_error
                info["last_error_date"] = int(time.time())
        return info

    async def _m_setmycommands(self, params: dict[str, Any], files: Any) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('field "commands" must be an Array')
        for cmd in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(cmd.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _m_getmycommands(self, params: dict[str, Any], files: Any) -> Any:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return self.commands.get(key, [])

    async def _m_deletemycommands(self, params: dict[str, Any], files: Any) -> Any:
        self.commands.pop(
            self._commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    async def _generic_setting(self, name: str, params: dict[str, Any]) -> Any:
        self.settings[name] = params
        return True

    async def _m_setmydescription(self, params: dict[str, Any], files: Any) -> Any:
        return await self._generic_setting("setMyDescription", params)

    async def _m_setmyshortdescription(self, params: dict[str, Any], files: Any) -> Any:
        return await self._generic_setting("setMyShortDescription", params)

    async def _m_setmyname(self, params: dict[str, Any], files: Any) -> Any:
        return await self._generic_setting("setMyName", params)

    async def _m_setchatmenubutton(self, params: dict[str, Any], files: Any) -> Any:
        """Per private chat (chat_id) or the default (no chat_id); `menu_buttons` keeps each."""
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
                "default", "commands", "web_app"):
            raise bad_request("can't parse menu button")
        if button["type"] == "web_app":
            url = str((button.get("web_app") or {}).get("url", ""))
            if not button.get("text") or not url.startswith("https://"):
                raise bad_request("BUTTON_URL_INVALID" if button.get("text") else
                                  "menu button text must be non-empty")
        chat_id = None
        if params.get("chat_id") is not None:
            chat = self._resolve_chat(params.get("chat_id"))
            if chat.type != "private":
                raise bad_request("chat must be a private chat")
            chat_id = chat.id
        self.menu_buttons[chat_id] = button
        return await self._generic_setting("setChatMenuButton", params)

    def _check_web_app_chat(self, chat: FakeChat, markup: dict[str, Any] | None) -> None:
        """Telegram allows web_app inline buttons in private chats only."""
        rows = (markup or {}).get("inline_keyboard") or []
        if chat.type != "private" and any("web_app" in b for row in rows for b in row):
            raise bad_request("BUTTON_TYPE_INVALID")

    async def _m_sendmessage(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        self._check_can_send(chat)
        plain, ents = self._parse_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        markup = self._check_markup(params.get("reply_markup"))
        self._check_web_app_chat(chat, markup)
        msg = self._new_bot_message(
            chat,
            "sendMessage",
            params,
            text=plain,
            html=str(params.get("text")),
            entities=ents,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        return self._message_api(msg)

    async def _send_media(
        self,
        method: str,
        kind: str,
        field_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedPart],
    ) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        self._check_can_send(chat)
        caption = params.get("caption")
        plain = ents = None
        if caption is not None:
            plain, ents = self._parse_text(
                caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
            )
        markup = self._check_markup(params.get("reply_markup"))
        self._check_web_app_chat(chat, markup)
        stored = self._upload(params, files, field_name, kind)
        extra: dict[str, Any] = {}
        if kind == "photos":
            extra["photo"] = stored
            extra["photo_size"] = _png_size(stored.data) or (1280, 720)
        else:
            extra["document"] = stored
        msg = self._new_bot_message(
            chat,
            method,
            params,
            caption=plain,
            caption_html=caption,
            caption_entities=ents,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            **extra,
        )
        return self._message_api(msg)

    async def _m_senddocument(self, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media("sendDocument", "documents", "document", params, files)

    async def _m_sendphoto(self, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media("sendPhoto", "photos", "photo", params, files)

    async def _m_editmessagetext(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._find_message(params, "message to edit not found")
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        plain, ents = self._parse_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and "inline_keyboard" in markup else None
        old_markup = msg.reply_markup if msg.inline_keyboard else None
        if (
            plain == msg.text
            and (ents or None) == (msg.entities or None)
            and (new_markup == old_markup)
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        msg.versions.append(self._message_api(msg))
        msg.text, msg.entities, msg.html = plain, ents, str(params.get("text"))
        msg.parse_mode = params.get("parse_mode")
        msg.reply_markup = new_markup
        msg.edit_date = int(time.time())
        msg.method = "editMessageText"
        return self._message_api(msg)

    async def _m_editmessagecaption(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._find_message(params, "message to edit not found")
        plain, ents = self._parse_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if plain == (msg.caption or "") and new_markup == (
            msg.reply_markup if msg.inline_keyboard else None
        ):
            raise bad_request("message is not modified")
        msg.versions.append(self._message_api(msg))
        msg.caption, msg.caption_entities = plain, ents
        msg.caption_html = params.get("caption")
        msg.reply_markup = new_markup
        msg.edit_date = int(time.time())
        msg.method = "editMessageCaption"
        return self._message_api(msg)

    async def _m_editmessagereplymarkup(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._find_message(params, "message to edit not found")
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and "inline_keyboard" in markup else None
        old_markup = msg.reply_markup if msg.inline_keyboard else None
        if new_markup == old_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        msg.versions.append(self._message_api(msg))
        msg.reply_markup = new_markup
        msg.edit_date = int(time.time())
        msg.method = "editMessageReplyMarkup"
        return self._message_api(msg)

    async def _m_deletemessage(self, params: dict[str, Any], files: Any) -> Any:
        msg = self._find_message(params, "message to delete not found")
        msg.deleted = True
        return True

    async def _m_answercallbackquery(self, params: dict[str, Any], files: Any) -> Any:
        record = self.callback_queries.get(str(params.get("callback_query_id")))
        if record is not None:
            record.answer_attempts += 1
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer = {
            "text": text,
            "show_alert": _as_bool(params.get("show_alert")),
            "url": params.get("url"),
            "cache_time": _as_int(params.get("cache_time")),
        }
        return True

    async def _m_getfile(self, params: dict[str, Any], files: Any) -> Any:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _m_sendchataction(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        self._check_can_send(chat)
        return True

    async def _m_getchat(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        member = chat.members.get(self.bot_id)
        if chat.type != "private" and (member is None or member.status == "kicked"):
            raise bad_request("chat not found")
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_getchatmember(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        user_id = _as_int(params.get("user_id"))
        if user_id is None or (
            user_id not in self.users and user_id != self.bot_id and user_id not in chat.members
        ):
            raise bad_request("user not found")
        if chat.type == "channel" and user_id != self.bot_id:
            bot_member = chat.members.get(self.bot_id)
            if bot_member is None or bot_member.status != "administrator":
                raise bad_request("member list is inaccessible")
        member = chat.members.get(user_id) or FakeMember(user_id, "left")
        return self._member_api(chat, member)

    async def _m_getchatadministrators(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self._member_api(chat, m)
            for m in chat.members.values()
            if m.status in ("creator", "administrator")
        ]

    async def _m_getchatmembercount(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        return sum(1 for m in chat.members.values() if m.status not in ("left", "kicked"))

    async def _m_leavechat(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._resolve_chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        chat.members[self.bot_id] = FakeMember(self.bot_id, "left")
        return True

    async def _m_close(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_logout(self, params: dict[str, Any], files: Any) -> Any:
        return True


def _guess_mime(filename: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(filename)[0]


def _short(params: dict[str, Any], limit: int = 80) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in params.items() if k not in ("reply_markup",))
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__: Iterable[str] = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "CallbackRecord",
    "EntityParseError",
    "FakeChat",
    "FakeMember",
    "FakeMessage",
    "FakeUser",
    "FaultRule",
    "RateLimits",
    "StoredFile",
    "TelegramFake",
    "parse_html",
]
