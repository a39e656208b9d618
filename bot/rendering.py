"""Digest rendering off the event loop, in worker processes (matplotlib is CPU-bound and its
figures are reused per process, so threads would contend and share state)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import date, timedelta

from bot.services.digest import Digest, DigestInput, build_digest
from charts import Panel


class Renderer:
    def __init__(self, workers: int | None = None, executor: Executor | None = None) -> None:
        self._own = executor is None
        self.workers = workers or min(2, os.cpu_count() or 1)
        self._executor = executor or ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    async def warm(self) -> None:
        """Start the workers and draw a chart in them: a worker's start (a fresh interpreter,
        matplotlib's imports, its fonts) costs about a second, which the first digest wave or
        /report after a restart would otherwise wait for."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, draw_once)
                               for _ in range(self.workers)))

    async def digest(self, data: DigestInput) -> Digest:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, build_digest, data)

    async def history(self, panel: Panel, title: str, lang: str) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, history_png, panel, title, lang)

    def close(self) -> None:
        if self._own:
            self._executor.shutdown(wait=True, cancel_futures=True)


def history_png(panel: Panel, title: str, lang: str) -> bytes:
    """In a worker: the history chart (matplotlib is imported there, never in the bot's main
    process; see charts/__init__)."""
    from charts.history import render_history

    return render_history(panel, title, lang)


def draw_once() -> None:
    """In a worker: draw one small chart, so that everything a chart needs is loaded."""
    weeks = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(4)]
    history_png(Panel(title="", weeks=weeks, values=[1.0, 2.0, None, 3.0]), "", "en")
