"""Settings from the environment or a `.env` file (names fixed by shared/docs/interface.md)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's rule for secret_token


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line, safe to print."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None)
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///data/smm-kpi-bot.db"
    default_timezone: str = "Europe/Moscow"
    default_language: str = "ru"
    log_level: str = "INFO"
    # Scaling out (README "Scaling out"): all optional; unset means one process, long polling.
    webhook_url: str | None = None  # public https base; set with WEBHOOK_SECRET -> webhook mode
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    redis_url: SecretStr | None = None  # redis://host:port/db: FSM, isolation, shared limiter
    redis_prefix: str = "smm"
    redis_lock_timeout: float = 60.0  # seconds a crashed instance's per-user lock outlives it
    # The Mini App dashboard (README "Dashboard (Mini App)"): its public https address, e.g.
    # https://bot.example.com/app/ ; unset: no dashboard, no buttons, no server in polling mode.
    webapp_url: str | None = None
    webapp_initdata_max_age: int = Field(default=24 * 3600, ge=60)  # seconds initData is good
    # Seconds a digest claim holds without a heartbeat: how soon another instance takes over
    # the digest of an instance that died mid-send (bot.digest_job).
    digest_lease_seconds: float = 60.0
    # Chart worker processes of this instance (bot.rendering); unset: as many as the machine
    # has cores, at most 2. Fewer save memory where several instances share a machine.
    render_workers: int | None = Field(default=None, ge=1, le=32)

    @field_validator("digest_lease_seconds")
    @classmethod
    def _lease(cls, value: float) -> float:
        if not 2 <= value <= 3600:
            raise ValueError("DIGEST_LEASE_SECONDS must be between 2 and 3600")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("ru", "en"):
            raise ValueError("DEFAULT_LANGUAGE must be ru or en")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"DEFAULT_TIMEZONE {value!r} is not an IANA time zone") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("WEBHOOK_URL must be the public https:// base of this bot")
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith("https://"):  # Telegram opens Mini Apps over https only
            raise ValueError("WEBAPP_URL must be the public https:// address of the dashboard")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters A-Z, a-z, 0-9, _ or -")
        return value

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    def check_webhook(self) -> None:
        """Webhook mode needs both WEBHOOK_URL and WEBHOOK_SECRET (never one without the
        other: an open webhook would take updates from anyone)."""
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ConfigError("WEBHOOK_URL and WEBHOOK_SECRET go together: set both for "
                              "webhook mode, or neither for long polling")

    def token(self) -> str:
        """The bot token, validated; raises ConfigError without ever echoing it."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and put it "
                              "in the environment or in .env")
        token = self.bot_token.get_secret_value().strip()
        if not TOKEN_PATTERN.match(token):
            raise ConfigError("BOT_TOKEN is malformed: expected '<digits>:<35 letters>' "
                              "as given by @BotFather")
        return token


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(f"{field}: {first['msg']}") from None
