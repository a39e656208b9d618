"""Renderer.warm starts every chart worker ahead of the first chart, and a chart after it
comes from the workers already running."""

from __future__ import annotations

import time
from datetime import date, timedelta

from bot.rendering import Renderer
from charts import Panel


async def test_warm_starts_every_worker_and_the_next_chart_needs_no_new_one() -> None:
    renderer = Renderer(workers=2)
    try:
        assert not renderer._executor._processes  # type: ignore[attr-defined]  # lazy, as before
        await renderer.warm()
        started = set(renderer._executor._processes)  # type: ignore[attr-defined]
        assert len(started) == 2
        weeks = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(6)]
        begun = time.perf_counter()
        png = await renderer.history(Panel(title="Reach", weeks=weeks,
                                           values=[5.0, 6.0, 7.0, None, 8.0, 9.0]), "T", "ru")
        assert png.startswith(b"\x89PNG")
        assert set(renderer._executor._processes) == started  # type: ignore[attr-defined]
        assert time.perf_counter() - begun < 5  # drawn, not waiting for a process to start
    finally:
        renderer.close()
