"""The weekly digest image: a header and one small chart per KPI in a 2-column grid.

Only matplotlib's object API is used (Figure + FigureCanvasAgg; pyplot is never imported).
Building a figure and its axes costs more than drawing it, so each process keeps one prepared
figure per panel count and, on every call, updates the existing artists in place (line data,
texts, colours, limits) instead of clearing or recreating them. Every mutable property is set
on every call, so the output depends only on the input (identical input → identical bytes).
The cache is guarded by a lock; it is per process, which suits a process pool.

Other speed-ups (a 6-panel digest, analysis and caption included, takes ~19-25 ms of one
core): ticks, tick labels and grid lines are plain artists instead of matplotlib's Axis
machinery (a panel's grid lines are one path); text bitmaps and font heights are cached
(`_CachedTextRenderer`), and so are label layouts (`charts.labels.Label`); the PNG is encoded
with unfiltered rows and zlib-ng (`encode_png`). No tight_layout: the geometry below is fixed
in pixels.
"""

from __future__ import annotations

import functools
import math
import struct
import threading
import zlib
from collections.abc import Sequence
from datetime import date

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager, get_font
from matplotlib.ft2font import FT2Font
from matplotlib.lines import TICKDOWN
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory
from zlib_ng import zlib_ng

from charts import style
from charts.labels import add_label, font_key
from charts.model import DigestChart, Panel
from charts.stacks import (
    LEGEND_LABEL_CHARS,
    StackView,
    segment_colour,
    stack_colours,
    stack_window,
)
from kpi.formatting import format_change_pct, format_number

MAX_PANELS = 6
Y_TICKS_MAX = 7
MAX_MARKERS = 8  # note markers drawn per panel (the latest ones)
DIGEST_WEEKS = 12
TITLE_CHARS_HALF = 30  # panel titles longer than this are cut with "…" (half-width panel)
TITLE_CHARS_FULL = 64
HEADER_CHARS = 60
# zlib-ng level 2: ~2 ms and ~85 KB for a 6-panel digest (the standard zlib at level 3: ~8 ms
# and ~95 KB; zlib-ng level 6: ~6 ms, 77 KB)
PNG_COMPRESS_LEVEL = 2

# Geometry in pixels (the figure is style.WIDTH_PX wide at style.DPI).
OUTER = 16  # left/right figure margin
AXES_LEFT = 92  # room for y tick labels such as "125,5 тыс."
AXES_RIGHT = 18
HEADER_H = 112
ROW_TITLE = 54  # panel title above the axes
ROW_AXES = 262
ROW_BOTTOM = 58  # x tick labels and the gap to the next row
FOOTER = 6


def week_label(day: date, lang: str) -> str:
    if lang == "ru":
        return f"{day.day:02d}.{day.month:02d}"
    return f"{style.MONTHS_EN[day.month - 1]} {day.day}"


def change_colour(change_pct: float | None, direction: str) -> str:
    """Green when the change is good for this KPI, red when bad, grey when neutral/flat."""
    if change_pct is None or change_pct == 0 or direction not in (
            "higher_is_better", "lower_is_better"):
        return style.NEUTRAL
    rising = change_pct > 0
    good = rising if direction == "higher_is_better" else not rising
    return style.GOOD if good else style.BAD


def shorten(text: str, limit: int) -> str:
    text = " ".join(drawable(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@functools.cache
def _glyph_font() -> FT2Font:
    return get_font(findfont(FontProperties(family=style.FONT_FAMILY)))


def drawable(text: str) -> str:
    """`text` without the characters the chart font has no glyph for (emoji in a project's
    name): they would print as empty boxes. Spaces stay."""
    font = _glyph_font()
    return "".join(c for c in text if c.isspace() or font.get_char_index(ord(c)))


def window(panel: Panel, max_weeks: int | None) -> tuple[list[date], list[float | None]]:
    """The panel's points sorted by week, the last `max_weeks` of them."""
    pairs = sorted(zip(panel.weeks, panel.values, strict=False), key=lambda p: p[0])
    if max_weeks is not None:
        pairs = pairs[-max_weeks:]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


_HEIGHT_TABLES = (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                  ("hhea", "lineGap", "ascent", "descent"))  # as matplotlib's Text._get_layout


class _CachedTextRenderer(RendererAgg):
    """RendererAgg that rasterises each distinct (text, font) once per process.

    Since matplotlib 3.11 Agg lays out and renders text glyph by glyph on every draw (~1 ms
    for a short label), which made text ~70 % of a digest's render time. Labels repeat a
    lot (week labels, round tick values, titles), so the bitmap of a whole string is cached,
    as matplotlib ≤ 3.10 drew it: `FT2Font.set_text` + `draw_glyphs_to_bitmap`, placed on a
    whole pixel. Mathtext and anything unusual goes through the stock path.
    """

    _cache: dict[tuple, tuple[np.ndarray, float, float, float]] = {}  # noqa: RUF012
    _CACHE_MAX = 4096
    _heights: dict[tuple, tuple[float | None, float | None, float | None]] = {}  # noqa: RUF012

    def _get_font_height_metrics(self, prop: FontProperties
                                 ) -> tuple[float | None, float | None, float | None]:
        """(ascent, descent, line gap) of the font, for `Text._get_layout` (matplotlib ≥
        3.11 asks a renderer that has this method). Without it, every label's layout looked
        the font up and read three of its tables again, 81 times a digest; the numbers are
        matplotlib's own, from the first table it finds, once per font, size and dpi."""
        key = (font_key(prop), self.dpi)
        metrics = self._heights.get(key)
        if metrics is None:
            metrics = (None, None, None)  # matplotlib then measures "lp", as it would
            font = get_font(fontManager._find_fonts_by_props(prop))
            for table_name, gap_key, ascent_key, descent_key in _HEIGHT_TABLES:
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = (prop.get_size_in_points() * self.dpi / 72
                         / font.get_sfnt_table("head")["unitsPerEm"])
                metrics = (table[ascent_key] * scale, -table[descent_key] * scale,
                           table[gap_key] * scale)
                break
            self._heights[key] = metrics
        return metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not s:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        antialiased = bool(gc.get_antialiased())
        flags = get_hinting_flag()
        key = (s, font_key(prop), self.dpi, antialiased, flags)
        cached = self._cache.get(key)
        if cached is None:
            font = self._prepare_font(prop)
            try:
                font.set_text(s, 0, flags=flags)  # angle 0: rotation happens in raster space
                font.draw_glyphs_to_bitmap(antialiased=antialiased)
                xo, yo = font.get_bitmap_offset()
                cached = (np.array(font.get_image(), dtype=np.uint8), xo / 64.0, yo / 64.0,
                          font.get_descent() / 64.0)
            except AttributeError:  # a future FT2Font without this API: draw the stock way
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            if len(self._cache) >= self._CACHE_MAX:
                self._cache.clear()
            self._cache[key] = cached
        image, xo, yo, descent = cached
        xd = descent * math.sin(math.radians(angle))
        yd = descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1,
                                       angle, gc)
        return None


class _Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with `_CachedTextRenderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def new_figure(height_px: int) -> Figure:
    fig = Figure(figsize=(style.WIDTH_PX / style.DPI, height_px / style.DPI), dpi=style.DPI,
                 facecolor=style.BACKGROUND)
    _Canvas(fig)
    return fig


def encode_png(rgba: np.ndarray, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An opaque (h, w, 4) uint8 image as an 8-bit RGB PNG, rows unfiltered.

    Pillow's encoder tries every PNG row filter and takes ~20 ms on a digest; chart images are
    mostly flat colour, so unfiltered rows deflated by zlib-ng (SIMD; the standard zlib took
    four times as long at a bigger size) are ~8x faster at a smaller size.
    """
    height, width, _ = rgba.shape
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None"
    pixels = rows[:, 1:].reshape(height, width, 3)
    for channel in range(3):  # one plane at a time: 5x faster than the 3-byte strided copy
        pixels[:, :, channel] = rgba[:, :, channel]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib_ng.compress(rows, level)) + chunk(b"IEND", b""))


def figure_png(fig: Figure) -> bytes:
    """Draw the figure (opaque background) and encode it as PNG; deterministic bytes."""
    canvas = fig.canvas
    with matplotlib.rc_context(style.RC):
        canvas.draw()
    return encode_png(np.asarray(canvas.buffer_rgba()))


class Header:
    """Title and subtitle at the top of a figure."""

    def __init__(self, fig: Figure) -> None:
        height = fig.bbox.height
        x = OUTER / style.WIDTH_PX
        self.title = add_label(fig, x, 1 - 50 / height, ha="left", va="baseline",
                              fontsize=style.HEADER_SIZE, fontweight="bold", color=style.TEXT)
        self.subtitle = add_label(fig, x, 1 - 88 / height, ha="left", va="baseline",
                                 fontsize=style.SUBTITLE_SIZE, color=style.MUTED)

    def update(self, title: str, subtitle: str) -> None:
        self.title.set_text(shorten(title, HEADER_CHARS))
        self.subtitle.set_text(shorten(subtitle, HEADER_CHARS + 20))


class PanelView:
    """One KPI chart on a prepared axes; `update` redraws it for a new Panel in place."""

    def __init__(self, fig: Figure, rect_px: tuple[float, float, float, float], *,
                 max_xlabels: int, title_chars: int) -> None:
        fig_w, fig_h = fig.bbox.width, fig.bbox.height
        left, bottom, width, height = rect_px
        ax = fig.add_axes((left / fig_w, bottom / fig_h, width / fig_w, height / fig_h))
        self.ax = ax
        self.max_xlabels = max_xlabels
        self.title_chars = title_chars
        self.ylocator = MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10])

        # Ticks, tick labels and grid lines are plain artists from fixed pools: matplotlib's
        # Axis machinery (tick bookkeeping, label bboxes) cost more than all the drawing.
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)
        points = fig.dpi_scale_trans
        y_labels_at = blended_transform_factory(ax.transAxes, ax.transData) + ScaledTranslation(
            -9 / 72, 0, points)
        x_labels_at = blended_transform_factory(ax.transData, ax.transAxes) + ScaledTranslation(
            0, -11 / 72, points)
        # all grid lines in one path (NaN between them): one artist to draw, not seven
        (self.ygrid,) = ax.plot([], [], color=style.GRID, linewidth=1.2, zorder=0.5,
                                transform=blended_transform_factory(ax.transAxes, ax.transData))
        self.ylabels = [add_label(ax, 0, 0, transform=y_labels_at, ha="right",
                                va="center_baseline", fontsize=style.TICK_SIZE,
                                color=style.MUTED, clip_on=False)
                        for _ in range(Y_TICKS_MAX)]
        self.xlabels = [add_label(ax, 0, 0, transform=x_labels_at, ha="center", va="top",
                                fontsize=style.TICK_SIZE, color=style.MUTED, clip_on=False)
                        for _ in range(max_xlabels)]
        (self.xticks,) = ax.plot([], [], linestyle="none", marker=TICKDOWN, markersize=5,
                                 markeredgewidth=1.2, color=style.SPINE, clip_on=False,
                                 transform=blended_transform_factory(ax.transData, ax.transAxes))

        (self.line,) = ax.plot([], [], color=style.LINE, linewidth=2.8, marker="o",
                               markersize=6.5, markerfacecolor=style.LINE,
                               markeredgecolor="white", markeredgewidth=1.2,
                               solid_capstyle="round", solid_joinstyle="round", zorder=3,
                               gid="series")
        (self.last_dot,) = ax.plot([], [], linestyle="none", marker="o", markersize=11,
                                   markerfacecolor=style.LINE, markeredgecolor="white",
                                   markeredgewidth=2, zorder=4)
        self.target_line = ax.axhline(0, color=style.TARGET, linewidth=1.8,
                                      linestyle=(0, (6, 4)), zorder=2)
        # Weeks with a note: a pool of dotted vertical lines, hidden until used.
        self.markers = [ax.axvline(0, color=style.MUTED, linewidth=1.6, linestyle=(0, (2, 3)),
                                   zorder=1, visible=False, gid="note-marker")
                        for _ in range(MAX_MARKERS)]
        self.target_label = add_label(
            ax, 0.015, 0, transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="left", va="bottom", fontsize=style.TARGET_SIZE, color=style.TARGET,
            zorder=5, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                            "edgecolor": "none", "alpha": 0.85})
        # The latest value and its weekly change, in the top band kept free of data.
        self.annotation = add_label(
            ax, 0.985, 0.965, transform=ax.transAxes, ha="right", va="top",
            fontsize=style.ANNOTATION_SIZE, fontweight="bold", zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none",
                  "alpha": 0.9})
        self.no_data = add_label(ax, 0.5, 0.5, transform=ax.transAxes, ha="center",
                               va="center", fontsize=style.NO_DATA_SIZE, color=style.NO_DATA,
                               fontweight="bold", zorder=7)
        # y=1.0 fixes the title position, which skips matplotlib's costly auto-placement
        self.title = ax.set_title("", loc="left", y=1.0, pad=14,
                                  fontsize=style.PANEL_TITLE_SIZE, fontweight="bold",
                                  color=style.TEXT)
        self.stack = StackView(ax, width, height)

    # -- update ------------------------------------------------------------------------------

    def update(self, panel: Panel, lang: str, max_weeks: int | None,
               colours: dict[str, str] | None = None) -> None:
        """Show `panel`; `colours`: each network label's colour when the image has several
        stacked panels (default: by position)."""
        ax = self.ax
        ax.set_visible(True)
        weeks, values = window(panel, max_weeks)
        last_week = weeks[-1] if weeks else date(2000, 1, 3)
        xs = np.array([(w - last_week).days / 7 for w in weeks], dtype=float)
        ys = np.array([v if _finite(v) else np.nan for v in values], dtype=float)
        has_values = bool(np.isfinite(ys).any())
        no_data = panel.status == "no_data" or not has_values
        # a total by network: stacked bars instead of the line (never for a rate)
        stacks = (stack_window(panel, max_weeks)
                  if panel.stacks and panel.unit != "percent" and not no_data else [])
        legend = [shorten(label, LEGEND_LABEL_CHARS) for label, _ in stacks]
        colours = colours if colours is not None else stack_colours([panel])

        # x axis: week labels, thinned to fit, always including the latest week
        step = max(1, math.ceil(len(xs) / self.max_xlabels))
        shown = list(range(len(xs) - 1, -1, -step))[::-1]
        self.xticks.set_data(xs[shown], np.zeros(len(shown)))
        for k, label in enumerate(self.xlabels):
            if k < len(shown):
                label.set_x(float(xs[shown[k]]))
                label.set_text(week_label(weeks[shown[k]], lang))
            else:
                label.set_text("")
        first_x = float(xs[0]) if len(xs) else 0.0
        ax.set_xlim(first_x - 0.45, 0.45)

        # y range: data and target, with headroom for the annotation
        finite = ys[np.isfinite(ys)]
        target = panel.target if _finite(panel.target) else None
        bounds = list(finite) + ([target] if target is not None else [])
        if stacks:  # bars stand on zero and leave room for the legend
            bounds += [*self.stack.tops(stacks, len(xs)), 0.0]
        lo, hi = (min(bounds), max(bounds)) if bounds else (0.0, 1.0)
        span = hi - lo
        if span <= 0:
            span = abs(hi) * 0.2 or 1.0
            lo, hi = lo - span / 2, hi + span / 2
        bottom, top = lo - 0.14 * span, hi + 0.32 * span
        if stacks:
            top = lo + span / self.stack.data_fraction(legend)
        if lo >= 0 > bottom:  # never show a negative range for non-negative data
            bottom = 0.0
        ax.set_ylim(bottom, top)
        yticks = [v for v in self.ylocator.tick_values(bottom, top)
                  if bottom - 1e-9 * span <= v <= top + 1e-9 * span] if bounds else []
        levels = [float(v) if abs(v) > 1e-9 * span else 0.0 for v in yticks[:Y_TICKS_MAX]]
        self.ygrid.set_data([0.0, 1.0, np.nan] * len(levels),
                            [y for v in levels for y in (v, v, np.nan)])
        for k, label in enumerate(self.ylabels):
            if k < len(levels):
                label.set_y(levels[k])
                label.set_text(format_number(levels[k], lang, panel.unit, compact=True))
            else:
                label.set_text("")

        # the series: a line, or the bars by network
        self.line.set_data(xs, ys)
        self.line.set_visible(has_values and not stacks)
        self.stack.update(xs, [(legend[k], segment_colour(panel, k, colours), values)
                               for k, (_label, values) in enumerate(stacks)],
                          thin=len(xs) > 52)
        faded = no_data and has_values
        line_colour = style.NO_DATA if no_data else style.LINE
        self.line.set_color(line_colour)
        self.line.set_markerfacecolor(line_colour)
        self.line.set_alpha(0.45 if faded else 1.0)

        # notes
        marked = sorted({(w - last_week).days / 7 for w in panel.markers
                         if weeks and weeks[0] <= w <= last_week})[-MAX_MARKERS:]
        for k, marker in enumerate(self.markers):
            marker.set_visible(k < len(marked))
            if k < len(marked):
                marker.set_xdata([marked[k], marked[k]])

        # target
        self.target_line.set_visible(target is not None and not no_data)
        self.target_label.set_visible(target is not None and not no_data)
        if target is not None:
            self.target_line.set_ydata([target, target])
            self.target_label.set_y(target)
            self.target_label.set_text(
                f"{style.word('target', lang)}: "
                f"{format_number(target, lang, panel.unit, compact=True)}")

        # the last value with its weekly change
        last = np.flatnonzero(np.isfinite(ys))
        show_last = has_values and not no_data
        self.annotation.set_visible(show_last)
        self.last_dot.set_visible(show_last and not stacks)
        if show_last:
            i = int(last[-1])
            x, y = float(xs[i]), float(ys[i])
            text = format_number(y, lang, panel.unit, compact=True)
            colour = style.TEXT
            if _finite(panel.change_pct) and i == len(ys) - 1:
                text += "  " + format_change_pct(float(panel.change_pct), lang)
                colour = change_colour(panel.change_pct, panel.direction)
            self.last_dot.set_data([x], [y])
            self.annotation.set_text(text)
            self.annotation.set_color(colour)

        self.no_data.set_visible(no_data)
        self.no_data.set_text(style.word("no_data", lang) if no_data else "")

        # status: a coloured title badge, a border and a faint tint for warning/critical
        alert = style.STATUS_COLOURS.get(panel.status)
        title = shorten(panel.title, self.title_chars)
        if alert:
            self.title.set_text("▼ " + title)
            self.title.set_color("white")
            self.title.set_bbox({"boxstyle": "round,pad=0.32", "facecolor": alert,
                                 "edgecolor": "none"})
            ax.set_facecolor(style.STATUS_TINTS[panel.status])
        else:
            self.title.set_text(title)
            self.title.set_color(style.NO_DATA if no_data else style.TEXT)
            self.title.set_bbox(None)
            ax.set_facecolor(style.BACKGROUND)
        for name, spine in ax.spines.items():
            if alert:
                spine.set_visible(True)
                spine.set_color(alert)
                spine.set_linewidth(2.5)
            else:
                spine.set_visible(name == "bottom")
                spine.set_color(style.SPINE)
                spine.set_linewidth(1.2)


class DigestLayout:
    """A prepared figure for `n` panels: header + grid of 2 columns (an odd last panel spans
    the full width; a single panel is full width)."""

    def __init__(self, n: int) -> None:
        rows = math.ceil(n / 2)
        row_h = ROW_TITLE + ROW_AXES + ROW_BOTTOM
        height = HEADER_H + rows * row_h + FOOTER
        self.figure = new_figure(height)
        self.lock = threading.Lock()
        with matplotlib.rc_context(style.RC):
            self.header = Header(self.figure)
            self.views: list[PanelView] = []
            col_w = (style.WIDTH_PX - 2 * OUTER) / 2
            for i in range(n):
                row, col = divmod(i, 2)
                full = i == n - 1 and n % 2 == 1
                cell_left = OUTER + (0 if full else col * col_w)
                cell_w = 2 * col_w if full else col_w
                axes_bottom = height - HEADER_H - row * row_h - ROW_TITLE - ROW_AXES
                rect = (cell_left + AXES_LEFT, axes_bottom,
                        cell_w - AXES_LEFT - AXES_RIGHT, ROW_AXES)
                self.views.append(PanelView(
                    self.figure, rect, max_xlabels=12 if full else 6,
                    title_chars=TITLE_CHARS_FULL if full else TITLE_CHARS_HALF))

    def update(self, chart: DigestChart, panels: Sequence[Panel]) -> Figure:
        with matplotlib.rc_context(style.RC):
            self.header.update(chart.title, chart.subtitle)
            colours = stack_colours(panels)  # a network has one colour on every panel
            for view, panel in zip(self.views, panels, strict=True):
                view.update(panel, chart.lang, DIGEST_WEEKS, colours)
        return self.figure


_layouts: dict[int, DigestLayout] = {}
_layouts_lock = threading.Lock()


def _layout(n: int) -> DigestLayout:
    with _layouts_lock:
        layout = _layouts.get(n)
        if layout is None:
            layout = _layouts[n] = DigestLayout(n)
        return layout


def _empty_panel() -> Panel:
    return Panel(title="", weeks=[], values=[], target=None, unit="count", status="no_data",
                 change_pct=None, direction="neutral")


def build_digest_figure(chart: DigestChart) -> Figure:
    """The digest as a (cached, reused) Figure, updated but not yet drawn. For tests and
    inspection: the next call in this process mutates the same Figure."""
    panels = list(chart.panels[:MAX_PANELS]) or [_empty_panel()]
    return _layout(len(panels)).update(chart, panels)


def render_digest(chart: DigestChart) -> bytes:
    """The digest as PNG bytes: one panel per KPI (first 6), last 12 weeks each."""
    panels = list(chart.panels[:MAX_PANELS]) or [_empty_panel()]
    layout = _layout(len(panels))
    with layout.lock:
        return figure_png(layout.update(chart, panels))
