"""docker-compose.yml and deploy/nginx.conf (no Docker daemon here: parsed and checked)."""

from __future__ import annotations

import re

import yaml

from bot.config import Settings
from bot.webhook import READY_PATH, WEBHOOK_PATH
from tests.paths import SOURCE_ROOT as ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_starts_instances_postgres_redis_and_a_proxy() -> None:
    services = compose()["services"]
    assert {"bot", "postgres", "redis", "proxy", "migrate"} <= set(services)
    bot = services["bot"]
    assert bot["deploy"]["replicas"] >= 2
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert READY_PATH in " ".join(bot["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["smm-kpi-bot", "migrate"]


def test_every_bot_variable_is_a_setting_and_the_scale_out_ones_are_set() -> None:
    env = compose()["services"]["bot"]["environment"]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(env) <= fields, set(env) - fields
    for name in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET",
                 "WEBHOOK_HOST", "WEBHOOK_PORT"):
        assert env[name], name
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["WEBHOOK_PORT"] == "8080" and "8080" in compose()["services"]["bot"]["expose"]


def test_the_proxy_routes_the_webhook_path_to_the_instances() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    proxy = compose()["services"]["proxy"]
    assert any(v.startswith("./deploy/nginx.conf:") for v in proxy["volumes"])
    assert re.search(rf"location = {re.escape(WEBHOOK_PATH)} \{{", conf)
    assert "server bot:8080" in conf and "proxy_pass http://bot_instances;" in conf


def test_env_example_lists_the_scale_out_settings() -> None:
    example = (ROOT / ".env.example").read_text()
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT", "REDIS_URL",
                 "REDIS_PREFIX"):
        assert re.search(rf"^{name}=", example, re.M), name
