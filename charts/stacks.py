"""A KPI's weekly total as stacked bars by network, with a legend (issue 13).

Like the rest of a panel, the artists are made once per axes and updated in place: a pool of
`MAX_SEGMENTS` bar collections and a legend of plain swatches and texts laid out here, from
the labels' measured widths (matplotlib's Legend, made anew per panel, doubled a digest's
render time).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

from charts import style
from charts.labels import add_label
from charts.model import Panel

MAX_SEGMENTS = 6  # segments drawn per panel (the services fold the rest into "other")
BAR_WIDTH = 0.72  # of a week
LEGEND_LABEL_CHARS = 16
_ANNOTATION_BAND = 46  # px at the axes' top kept for the latest value (PanelView.annotation)
_LEGEND_ROW = 24  # px per legend row
_SWATCH = 22  # px: an entry's colour square and the gap to its label
_ENTRY_GAP = 18  # px between two entries of a row
_TARGET_LABEL = 22  # px under the legend, for a target's label just above the bars


@functools.cache
def _measuring_font() -> FT2Font:
    font = FT2Font(findfont(FontProperties(family=style.FONT_FAMILY)))  # own: not the renderer's
    font.set_size(style.LEGEND_SIZE, style.DPI)
    return font


_measure_lock = threading.Lock()


@functools.lru_cache(maxsize=1024)
def label_width(text: str) -> float:
    """`text`'s width in pixels at the legend's size (the chart font, `style.DPI`)."""
    with _measure_lock:
        font = _measuring_font()
        font.set_text(text, 0)
        return font.get_width_height()[0] / 64


def stack_window(panel: Panel, max_weeks: int | None
                 ) -> list[tuple[str, list[float | None]]]:
    """The panel's stacks in the order and window `charts.digest.window` gives its values."""
    size = min(len(panel.weeks), len(panel.values))
    order = sorted(range(size), key=lambda i: panel.weeks[i])
    if max_weeks is not None:
        order = order[-max_weeks:]
    return [(label, [values[i] if i < len(values) else None for i in order])
            for label, values in panel.stacks[:MAX_SEGMENTS]]


def stack_colours(panels: Iterable[Panel]) -> dict[str, str]:
    """One colour per network label, the same on every panel of an image (with more networks
    than colours, one colour may mean two networks, never on the same panel)."""
    palette = style.STACK_COLOURS
    colours: dict[str, str] = {}
    for panel in panels:
        labels = [label for label, _ in panel.stacks[:MAX_SEGMENTS]]
        labels = labels[:-1] if panel.stack_rest else labels
        used = {colours[label] for label in labels if label in colours}
        for label in labels:
            if label not in colours:
                colour = next((palette[(len(colours) + k) % len(palette)]
                               for k in range(len(palette))
                               if palette[(len(colours) + k) % len(palette)] not in used),
                              palette[0])
                colours[label] = colour
                used.add(colour)
    return colours


def segment_colour(panel: Panel, index: int, colours: dict[str, str]) -> str:
    """The colour of `panel`'s stack segment `index` (grey for the unattributed rest)."""
    last = min(len(panel.stacks), MAX_SEGMENTS) - 1
    if panel.stack_rest and index == last:
        return style.STACK_REST
    label = panel.stacks[index][0]
    return colours.get(label, style.STACK_COLOURS[index % len(style.STACK_COLOURS)])


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


class StackView:
    """Stacked bars and their legend on one panel's axes."""

    def __init__(self, ax: Axes, width_px: float, height_px: float) -> None:
        self.ax = ax
        self.width_px = width_px
        self.height_px = height_px
        self.bars = [PolyCollection([], closed=True, edgecolor=style.STACK_EDGE,
                                    linewidth=0.8, zorder=1.8, visible=False,
                                    gid="stack-segment")
                     for _ in range(MAX_SEGMENTS)]
        for bars in self.bars:
            ax.add_collection(bars, autolim=False)
        self.swatches = [ax.plot([], [], linestyle="none", marker="s", markersize=9,
                                 markeredgewidth=0, transform=ax.transAxes, clip_on=False,
                                 zorder=6, visible=False)[0]
                         for _ in range(MAX_SEGMENTS)]
        self.labels = [add_label(ax, 0, 0, transform=ax.transAxes, ha="left",
                               va="center_baseline", fontsize=style.LEGEND_SIZE,
                               color=style.TEXT, zorder=6, visible=False, gid="stack-legend")
                       for _ in range(MAX_SEGMENTS)]

    def columns(self, labels: Sequence[str]) -> int:
        """Legend entries per row: as many of the widest as fit the axes' width."""
        if not labels:
            return 1
        widest = _SWATCH + _ENTRY_GAP + max(label_width(label) for label in labels)
        return max(1, min(len(labels), int((self.width_px + _ENTRY_GAP) // widest)))

    def data_fraction(self, labels: Sequence[str]) -> float:
        """How much of the axes' height (from the bottom) the bars may fill, below the latest
        value and the legend."""
        rows = math.ceil(len(labels) / self.columns(labels))
        free = self.height_px - _ANNOTATION_BAND - rows * _LEGEND_ROW - _TARGET_LABEL
        return max(0.3, min(0.78, free / self.height_px))

    @staticmethod
    def tops(stacks: Sequence[tuple[str, Sequence[float | None]]], size: int) -> list[float]:
        """Each week's stacked height (the weeks without any segment: none)."""
        heights = []
        for i in range(size):
            parts = [values[i] for _, values in stacks if _finite(values[i])]
            if parts:
                heights.append(float(sum(parts)))
        return heights

    def update(self, xs: np.ndarray,
               segments: Sequence[tuple[str, str, Sequence[float | None]]], *,
               thin: bool) -> None:
        """Draw `segments` (legend label, colour, values parallel to `xs`; bottom first) at
        week positions `xs`; without any, hide the bars and the legend."""
        base = np.zeros(len(xs))
        half = BAR_WIDTH / 2
        for k, bars in enumerate(self.bars):
            if k >= len(segments):
                bars.set_visible(False)
                bars.set_verts([])
                continue
            _label, colour, values = segments[k]
            verts = []
            for i, x in enumerate(xs):
                value = values[i]
                if not _finite(value) or value == 0:
                    continue
                low, high = base[i], base[i] + float(value)
                verts.append(((x - half, low), (x + half, low), (x + half, high),
                              (x - half, high)))
                base[i] = high
            bars.set_verts(verts)
            bars.set_facecolor(colour)
            bars.set_linewidth(0 if thin else 0.8)
            bars.set_visible(True)
        self._legend([(label, colour) for label, colour, _ in segments])

    def _legend(self, entries: Sequence[tuple[str, str]]) -> None:
        """Entries in rows under the latest value, left to right, in equal columns."""
        labels = [label for label, _ in entries]
        columns = self.columns(labels)
        width = (_SWATCH + _ENTRY_GAP + max(map(label_width, labels))) if labels else 0.0
        for k, (swatch, text) in enumerate(zip(self.swatches, self.labels, strict=True)):
            shown = k < len(entries)
            swatch.set_visible(shown)
            text.set_visible(shown)
            if not shown:
                text.set_text("")
                continue
            row, column = divmod(k, columns)
            x = (8 + column * width) / self.width_px
            y = 1 - (_ANNOTATION_BAND + _LEGEND_ROW / 2 + row * _LEGEND_ROW) / self.height_px
            swatch.set_data([x], [y])
            swatch.set_color(entries[k][1])
            text.set_position((x + (_SWATCH - 8) / self.width_px, y))  # from the centre
            text.set_text(entries[k][0])
