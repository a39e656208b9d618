"""The end-to-end feature suites (digests, teams, experiments and their management, alert
acknowledgements, posts) run a second time with the bot on PostgreSQL: every test of theirs that
takes the `app` fixture is collected here too, where `app` is the bot on a fresh PostgreSQL
database."""

from __future__ import annotations

import inspect

from tests.e2e import (
    test_alert_acks,
    test_channel,
    test_digests,
    test_errors,
    test_experiments,
    test_experiments_more,
    test_files,
    test_posts,
    test_security,
    test_teams,
)
from tests.e2e.postgres_app import app, pytestmark  # noqa: F401 — this module's `app`

for _module in (test_digests, test_teams, test_experiments, test_experiments_more,
                test_alert_acks, test_channel, test_errors, test_files, test_security, test_posts):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and "app" in inspect.signature(_test).parameters:
            globals()[f"{_name}__{_module.__name__.rsplit('.', 1)[1]}"] = _test
