"""A single KPI over time (all weeks given, up to `MAX_WEEKS`), e.g. for /history."""

from __future__ import annotations

import threading

import matplotlib
from matplotlib.figure import Figure

from charts import style
from charts.digest import AXES_LEFT, AXES_RIGHT, OUTER, Header, PanelView, figure_png, new_figure
from charts.model import Panel

MAX_WEEKS = 104
HEIGHT = 760
_AXES_TOP = 136  # header (no subtitle) + panel title
_AXES_BOTTOM = 60  # x tick labels


class HistoryLayout:
    def __init__(self) -> None:
        self.figure = new_figure(HEIGHT)
        self.lock = threading.Lock()
        with matplotlib.rc_context(style.RC):
            self.header = Header(self.figure)
            rect = (OUTER + AXES_LEFT, _AXES_BOTTOM,
                    style.WIDTH_PX - 2 * OUTER - AXES_LEFT - AXES_RIGHT,
                    HEIGHT - _AXES_TOP - _AXES_BOTTOM)
            self.view = PanelView(self.figure, rect, max_xlabels=12, title_chars=64)

    def update(self, panel: Panel, title: str, lang: str) -> Figure:
        with matplotlib.rc_context(style.RC):
            self.header.update(title, "")  # the panel title (with its status) is below
            self.view.update(panel, lang, MAX_WEEKS)
            # long series: smaller markers so the line stays readable
            n = min(len(panel.weeks), MAX_WEEKS)
            self.view.line.set_markersize(6.5 if n <= 26 else 4 if n <= 52 else 0)
        return self.figure


_layout: HistoryLayout | None = None
_layout_lock = threading.Lock()


def _get_layout() -> HistoryLayout:
    global _layout
    with _layout_lock:
        if _layout is None:
            _layout = HistoryLayout()
        return _layout


def build_history_figure(panel: Panel, title: str, lang: str) -> Figure:
    """The history chart as a (cached, reused) Figure, updated but not drawn."""
    return _get_layout().update(panel, title, lang)


def render_history(panel: Panel, title: str, lang: str) -> bytes:
    """One KPI as PNG bytes: all of `panel`'s weeks (last 104 at most), header `title`."""
    layout = _get_layout()
    with layout.lock:
        return figure_png(layout.update(panel, title, lang))
