"""The event loop the bot runs on: uvloop where it is installed (aiogram's `fast` extra; the
same asyncio code on a faster loop, measured in README's benchmarks), else asyncio's own."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # not on this platform (pyproject installs it on Linux and macOS)
        return asyncio.run(main)
    return uvloop.run(main)
