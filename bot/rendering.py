"""Digest rendering off the event loop, in worker processes (matplotlib is CPU-bound and its
figures are reused per process, so threads would contend and share state)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor

from bot.services.digest import Digest, DigestInput, build_digest
from charts import Panel, render_history


class Renderer:
    def __init__(self, workers: int | None = None, executor: Executor | None = None) -> None:
        self._own = executor is None
        self._executor = executor or ProcessPoolExecutor(
            max_workers=workers or min(2, os.cpu_count() or 1),
            mp_context=multiprocessing.get_context("spawn"))

    async def digest(self, data: DigestInput) -> Digest:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, build_digest, data)

    async def history(self, panel: Panel, title: str, lang: str) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, render_history, panel, title, lang)

    def close(self) -> None:
        if self._own:
            self._executor.shutdown(wait=True, cancel_futures=True)
