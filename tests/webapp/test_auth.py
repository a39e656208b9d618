"""initData validation: Telegram's documented scheme, a published example, and an independent
vector computed here step by step."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

import pytest

from webapp.auth import (
    InitDataError,
    authorization_init_data,
    validate_init_data,
)

TOKEN = "123456789:AAEhBP0av28-AbCdEfGhIjKlMnOpQrStUvW"

# Published example (docs.telegram-mini-apps.com, "Validating", @tma.js/init-data-node).
PUBLISHED_TOKEN = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"
PUBLISHED = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    "&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22"
    "%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22"
    "%2C%22is_premium%22%3Atrue%7D"
    "&auth_date=1662771648"
    "&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2"
)


def independent_init_data(token: str, auth_date: int, user_id: int = 42) -> str:
    """Signed without webapp.auth: the documented steps written out."""
    user = json.dumps({"id": user_id, "first_name": "Ann", "language_code": "en"},
                      separators=(",", ":"))
    fields = {"auth_date": str(auth_date), "query_id": "AAE1", "user": user}
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hmac.new(key=b"WebAppData", msg=token.encode(), digestmod=hashlib.sha256).digest()
    digest = hmac.new(key=key, msg=check.encode(), digestmod=hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def test_published_example_is_valid() -> None:
    data = validate_init_data(PUBLISHED, PUBLISHED_TOKEN, max_age=None)
    assert data.user.id == 279058397
    assert data.user.language_code == "ru"
    assert data.auth_date == 1662771648


def test_published_example_with_other_token_is_refused() -> None:
    with pytest.raises(InitDataError):
        validate_init_data(PUBLISHED, TOKEN, max_age=None)


def test_published_example_is_expired_by_default() -> None:
    with pytest.raises(InitDataError, match="expired"):
        validate_init_data(PUBLISHED, PUBLISHED_TOKEN)


def test_independent_vector() -> None:
    now = 1_800_000_000
    data = validate_init_data(independent_init_data(TOKEN, now - 10), TOKEN, now=now)
    assert data.user.id == 42 and data.user.language_code == "en"


@pytest.mark.parametrize("tamper", [
    lambda s: s.replace("%22id%22%3A42", "%22id%22%3A43"),  # another user
    lambda s: s.replace("query_id=AAE1", "query_id=AAE2"),
    lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # hash changed
    lambda s: s + "&extra=1",  # an unsigned field added
    lambda s: s.split("&hash=")[0],  # no hash
    lambda s: s + "&hash=00",  # repeated hash
])
def test_tampered_data_is_refused(tamper) -> None:
    now = 1_800_000_000
    raw = independent_init_data(TOKEN, now)
    with pytest.raises(InitDataError):
        validate_init_data(tamper(raw), TOKEN, now=now)


def test_age_limits() -> None:
    now = 1_800_000_000
    old = independent_init_data(TOKEN, now - 3601)
    with pytest.raises(InitDataError, match="expired"):
        validate_init_data(old, TOKEN, max_age=3600, now=now)
    assert validate_init_data(old, TOKEN, max_age=7200, now=now).user.id == 42
    future = independent_init_data(TOKEN, now + 600)
    with pytest.raises(InitDataError, match="future"):
        validate_init_data(future, TOKEN, now=now)
    slightly = independent_init_data(TOKEN, now + 30)
    assert validate_init_data(slightly, TOKEN, now=now).user.id == 42


@pytest.mark.parametrize("raw", ["", "garbage", "a=1&&b", "hash=abc", "=x&hash=1"])
def test_garbage_is_refused(raw: str) -> None:
    with pytest.raises(InitDataError):
        validate_init_data(raw, TOKEN, now=1_800_000_000)


def test_authorization_header() -> None:
    assert authorization_init_data("tma a=1&hash=2") == "a=1&hash=2"
    for header in (None, "", "Bearer x", "tma ", "tma"):
        with pytest.raises(InitDataError):
            authorization_init_data(header)
