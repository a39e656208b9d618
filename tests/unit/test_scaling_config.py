"""Settings of webhook mode and Redis."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.delivery import RateLimiter
from bot.scaling import connect_redis, send_limiter


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_polling_unless_webhook_url_and_secret_are_both_set() -> None:
    assert not settings().webhook_mode
    settings().check_webhook()
    full = settings(webhook_url="https://bot.example/", webhook_secret="abc_DEF-1")
    assert full.webhook_mode and full.webhook_url == "https://bot.example"
    full.check_webhook()
    for half in (settings(webhook_url="https://bot.example"), settings(webhook_secret="abc")):
        with pytest.raises(ConfigError, match="go together"):
            half.check_webhook()


@pytest.mark.parametrize("secret", ["with space", "ü", "x" * 257, "semi;colon"])
def test_a_secret_telegram_would_refuse_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        settings(webhook_secret=secret)


def test_webhook_url_must_be_http_or_https() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        settings(webhook_url="bot.example")
    assert settings(webhook_url="").webhook_url is None


def test_no_redis_url_means_in_process_parts() -> None:
    plain = settings()
    assert connect_redis(plain) is None
    assert isinstance(send_limiter(plain, None), RateLimiter)


@pytest.mark.parametrize("lease", [0, 1.9, 3601, -5])
def test_a_digest_lease_outside_2_to_3600_seconds_is_refused(lease: float) -> None:
    with pytest.raises(ValueError, match="DIGEST_LEASE_SECONDS"):
        settings(digest_lease_seconds=lease)


def test_the_digest_lease_defaults_to_a_minute() -> None:
    assert settings().digest_lease_seconds == 60
    assert settings(digest_lease_seconds="2.5").digest_lease_seconds == 2.5
