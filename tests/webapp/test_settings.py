"""WEBAPP_URL and WEBAPP_INITDATA_MAX_AGE from the environment."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_webapp_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBAPP_URL", " https://bot.example.com/app/ ")
    monkeypatch.setenv("WEBAPP_INITDATA_MAX_AGE", "3600")
    settings = load_settings()
    assert settings.webapp_url == "https://bot.example.com/app/"
    assert settings.webapp_initdata_max_age == 3600


def test_no_webapp_url_means_no_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBAPP_URL", "")
    assert load_settings().webapp_url is None


@pytest.mark.parametrize(("name", "value"), [
    ("WEBAPP_URL", "http://bot.example.com/app/"),  # Telegram opens Mini Apps over https only
    ("WEBAPP_URL", "bot.example.com"),
    ("WEBAPP_INITDATA_MAX_AGE", "10"),
    ("WEBAPP_INITDATA_MAX_AGE", "day"),
])
def test_bad_webapp_settings_are_one_line_errors(monkeypatch: pytest.MonkeyPatch, name: str,
                                                 value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()
