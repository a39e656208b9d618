"""The bot's main process describes charts and never draws them: matplotlib and numpy (about
55 MB of memory and half a second of start-up) load in the render workers only. On SQLite
without REDIS_URL it does not load the Redis client either."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import PACKAGE_ROOT

PROBE = """
import sys
from bot.config import Settings
from bot.factory import create_dispatcher
from bot.rendering import Renderer
from storage import open_storage
from storage.fsm import open_fsm_storage
import bot.app, bot.cli, bot.demo

url = "sqlite:///:memory:"
storage = open_storage(url)
create_dispatcher(Settings(bot_token="1:a", database_url=url), storage,
                  open_fsm_storage(storage), renderer=Renderer(workers=1))
from bot.scaling import dialog_storage, send_limiter, throttle_budget
settings = Settings(bot_token="1:a", database_url=url)
dialog_storage(settings, storage, None), send_limiter(settings, None)
throttle_budget(settings, None)
print(sorted(m for m in ("matplotlib", "numpy", "PIL", "redis") if m in sys.modules))
"""


def test_the_main_process_imports_neither_matplotlib_nor_redis_it_does_not_use() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, cwd=PACKAGE_ROOT, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_drawing_functions_still_come_from_charts() -> None:
    import charts
    from charts.digest import render_digest
    from charts.history import render_history

    assert charts.render_digest is render_digest
    assert charts.render_history is render_history
