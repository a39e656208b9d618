"""Telegram Mini App `initData`, validated as Telegram documents it
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):

    secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash       = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

where data_check_string is every received field except `hash`, as `key=value`, sorted by key
and joined by "\\n". The hashes are compared in constant time, and `auth_date` must be at most
`max_age` old (and not from the future beyond a small clock skew), so an old initData cannot
be replayed forever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

DEFAULT_MAX_AGE = 24 * 3600  # seconds
CLOCK_SKEW = 60  # seconds an auth_date may lie in the future (clocks differ a little)


class InitDataError(Exception):
    """initData is missing, malformed, forged or too old. The message never holds the data."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class InitData:
    user: WebAppUser
    auth_date: int
    fields: dict[str, str]


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The hex hash Telegram would put beside `fields` (tests and local tools use it)."""
    return hmac.new(secret_key(bot_token), data_check_string(fields).encode(),
                    hashlib.sha256).hexdigest()


def validate_init_data(raw: str, bot_token: str, *, max_age: float | None = DEFAULT_MAX_AGE,
                       now: float | None = None) -> InitData:
    """The parsed initData when its signature and age are right; InitDataError otherwise.
    `max_age=None` skips the age check (only for checking published examples)."""
    if not raw or len(raw) > 8192:
        raise InitDataError("missing or oversized initData")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed initData") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field is repeated")
    received = fields.get("hash", "")
    if not received:
        raise InitDataError("no hash")
    expected = sign(fields, bot_token)
    if not hmac.compare_digest(expected.encode(), received.lower().encode()):
        raise InitDataError("bad signature")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataError("no auth_date") from None
    if max_age is not None:
        moment = time.time() if now is None else now
        if auth_date < moment - max_age:
            raise InitDataError("initData expired")
        if auth_date > moment + CLOCK_SKEW:
            raise InitDataError("auth_date in the future")
    return InitData(_user(fields.get("user")), auth_date, fields)


def _user(text: str | None) -> WebAppUser:
    try:
        data = json.loads(text or "")
        user_id = data["id"]
    except (ValueError, TypeError, KeyError):
        raise InitDataError("no user in initData") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("bad user id")
    language = data.get("language_code")
    username = data.get("username")
    return WebAppUser(user_id, str(data.get("first_name") or ""),
                      username if isinstance(username, str) else None,
                      language if isinstance(language, str) else None)


def authorization_init_data(header: str | None) -> str:
    """The initData from an `Authorization: tma <initData>` header."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "tma" or not value.strip():
        raise InitDataError("no tma authorization")
    return value.strip()
