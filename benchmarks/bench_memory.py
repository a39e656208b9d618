"""4. Memory: peak RSS (VmHWM) of the real bot (`python -m bot run`: storage, dispatcher,
scheduler, the 2-process render pool) vs a bare aiogram echo bot, each a subprocess against
the fake (in a third process) under the same message load; the bot also renders and sends a
digest for every project (all due at start-up)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path

from benchmarks.common import (
    Result,
    bulk_load,
    descendants,
    migrated_db,
    proc_status_kb,
    utc_now,
)
from benchmarks.procs import FakeServer
from tests.botapi.fake import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parent.parent


async def measure(kind: str, *, users: int, per_user: int, db: Path | None,
                  folder: str) -> tuple[int, dict[int, int], float]:
    """(main VmHWM kB, {descendant pid: VmHWM kB}, seconds until the load was done)."""
    fake = await FakeServer.start(users=users, messages_per_user=per_user)
    env = {**os.environ, "BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_URL": fake.url,
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    if kind == "bot":
        env["DATABASE_URL"] = f"sqlite:///{db}"
        args = [sys.executable, "-m", "bot", "run"]
    else:
        args = [sys.executable, "-m", "benchmarks.echo_bot"]
    proc = await asyncio.create_subprocess_exec(*args, env=env, cwd=folder)
    try:
        took = await fake.wait_for("sendmessage", users * per_user, timeout=300)
        if kind == "bot":
            took = max(took, await fake.wait_for("sendphoto", users, timeout=300))
        await asyncio.sleep(0.5)
        main_kb = proc_status_kb(proc.pid) or 0
        children = {pid: proc_status_kb(pid) or 0 for pid in descendants(proc.pid)}
        return main_kb, children, took
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await fake.stop()


async def run(quick: bool) -> list[Result]:
    users, per_user = (100, 5) if quick else (300, 5)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bot.db"
        await migrated_db(db)
        bulk_load(db, users, 13, now=utc_now(), all_due=True)
        bot_main, bot_children, bot_took = await measure("bot", users=users, per_user=per_user,
                                                         db=db, folder=folder)
        echo_main, echo_children, echo_took = await measure("echo", users=users,
                                                            per_user=per_user, db=None,
                                                            folder=folder)
    bot_all = bot_main + sum(bot_children.values())
    echo_all = echo_main + sum(echo_children.values())
    mb = 1024
    return [
        Result("memory: bot main process peak RSS", bot_main / mb, "MB", baseline=echo_main / mb,
               note=f"{users} users × {per_user} entries + {users} digests at start-up "
                    f"(done in {bot_took:.1f} s; echo {echo_took:.1f} s); children "
                    f"{', '.join(f'{v / mb:.0f}' for v in bot_children.values())} MB"),
        Result("memory: bot main / echo", bot_main / echo_main, "×", target=1.5,
               higher_is_better=False),
        Result("memory: all bot processes / echo", bot_all / echo_all, "×", target=4,
               higher_is_better=False, note=f"bot {bot_all / mb:.0f} MB in "
               f"{1 + len(bot_children)} processes, echo {echo_all / mb:.0f} MB"),
    ]
