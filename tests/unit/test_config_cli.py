import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings
from bot.logging_setup import redact
from tests.paths import PACKAGE_ROOT

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def run_cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    import os

    env = {k: v for k, v in os.environ.items() if k not in
           ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "DEFAULT_LANGUAGE")}
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return env


@pytest.mark.parametrize("token", [None, "", "not-a-token", "123:short"])
def test_run_without_a_valid_token_exits_2_with_one_line(token, clean_env, tmp_path):
    if token is not None:
        clean_env["BOT_TOKEN"] = token
    result = run_cli("run", env=clean_env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TOKEN" in lines[0]
    if token:
        assert token not in result.stderr


def test_bad_default_language_exits_2(clean_env, tmp_path):
    clean_env["DEFAULT_LANGUAGE"] = "fr"
    result = run_cli("run", env=clean_env, cwd=tmp_path)
    assert result.returncode == 2
    assert "DEFAULT_LANGUAGE" in result.stderr


def test_good_token_is_accepted_and_never_repr():
    settings = Settings(bot_token=GOOD_TOKEN)
    assert settings.token() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)


def test_missing_token_raises_config_error():
    with pytest.raises(ConfigError):
        Settings(bot_token=None).token()


def test_redact_hides_tokens_in_urls():
    text = f"ClientError: https://api.telegram.org/bot{GOOD_TOKEN}/getMe failed"
    assert GOOD_TOKEN not in redact(text)


def test_render_workers_is_read_and_checked(clean_env, tmp_path, monkeypatch):
    monkeypatch.setenv("RENDER_WORKERS", "1")
    assert Settings(bot_token=GOOD_TOKEN).render_workers == 1
    monkeypatch.delenv("RENDER_WORKERS")
    assert Settings(bot_token=GOOD_TOKEN).render_workers is None  # the Renderer's default
    clean_env.update(BOT_TOKEN=GOOD_TOKEN, RENDER_WORKERS="0")
    result = run_cli("run", env=clean_env, cwd=tmp_path)
    assert result.returncode == 2
    assert "RENDER_WORKERS" in result.stderr
