"""KPI data → PNG bytes (matplotlib object API only; no Telegram, no storage)."""

from charts.digest import build_digest_figure, render_digest
from charts.history import build_history_figure, render_history
from charts.model import DigestChart, Panel

__all__ = [
    "DigestChart",
    "Panel",
    "build_digest_figure",
    "build_history_figure",
    "render_digest",
    "render_history",
]
