"""KPI data → PNG bytes (matplotlib object API only; no Telegram, no storage).

The data model (`Panel`, `DigestChart`) imports nothing heavy. The drawing functions load
matplotlib and numpy on first use: the bot's main process only describes charts, its render
workers (bot.rendering) draw them, so the main process never holds matplotlib (~55 MB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from charts.model import DigestChart, Panel

if TYPE_CHECKING:
    from charts.digest import build_digest_figure, render_digest
    from charts.history import build_history_figure, render_history

_DRAWING = {"build_digest_figure": "charts.digest", "render_digest": "charts.digest",
            "build_history_figure": "charts.history", "render_history": "charts.history"}

__all__ = [
    "DigestChart",
    "Panel",
    "build_digest_figure",
    "build_history_figure",
    "render_digest",
    "render_history",
]


def __getattr__(name: str) -> Any:
    if name in _DRAWING:
        return getattr(importlib.import_module(_DRAWING[name]), name)
    raise AttributeError(f"module 'charts' has no attribute {name!r}")
