"""Layers point one way: handlers/webapp → bot → storage/charts → kpi. Walks the imports of every
module (top-level and inside functions) and fails on one that points the wrong way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import PACKAGE_ROOT as ROOT  # the code under test, installed or not

# What each layer may not import (its own layer and the ones below it are fine).
FORBIDDEN = {
    "kpi": {"aiogram", "storage", "bot", "handlers", "charts", "webapp", "aiosqlite", "asyncpg",
            "redis", "matplotlib"},
    "charts": {"aiogram", "storage", "bot", "handlers", "webapp"},
    "storage": {"aiogram", "bot", "handlers", "webapp", "charts"},
    "bot": {"handlers", "webapp"},
}
# The composition root wires the routers in; the reminder's button payload is a callback-data
# class that lives with the handlers (moving it is left to the owner of reminders).
ALLOWED = {"bot/factory.py": {"handlers"}, "bot/reminder_job.py": {"handlers"},
           # the command line is the other composition root: it mounts the Mini App routes
           "bot/cli.py": {"webapp"},
           # aiogram's FSM storage interface, implemented on each backend
           "storage/fsm.py": {"aiogram"}, "storage/postgres_fsm.py": {"aiogram"}}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(package: str) -> None:
    found = modules(package)
    assert found, package
    wrong = {}
    for path in found:
        name = path.relative_to(ROOT).as_posix()
        wrong[name] = sorted(imported_roots(path) & FORBIDDEN[package] - ALLOWED.get(name, set()))
    assert not {k: v for k, v in wrong.items() if v}


def test_the_walker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.i18n import x\n    import storage.base\n")
    assert imported_roots(module) == {"bot", "storage"}
