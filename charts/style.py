"""Colours, fonts, sizes and the two words charts need in each language.

Everything is tuned for a 1080 px wide PNG read on a phone: the figure is drawn at
``DPI`` = 100, so 1 pt = 1.39 px and the smallest text (``TICK_SIZE``) is ~17 px.
"""

from __future__ import annotations

from typing import Any

DPI = 100
WIDTH_PX = 1080

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib and covers Cyrillic

# Text sizes in points.
HEADER_SIZE = 22
SUBTITLE_SIZE = 14
PANEL_TITLE_SIZE = 15
TICK_SIZE = 12
ANNOTATION_SIZE = 15
TARGET_SIZE = 11.5
NO_DATA_SIZE = 18

# Palette (high contrast on white; green/red are AA-readable as text).
BACKGROUND = "#FFFFFF"
TEXT = "#1A1A1A"
MUTED = "#5C636A"
GRID = "#E3E6EA"
SPINE = "#C4C9CF"
LINE = "#1C5FC7"
TARGET = "#6F42C1"
GOOD = "#1E7B34"
BAD = "#C62828"
NEUTRAL = "#5C636A"
NO_DATA = "#868E96"

# Stacked bars by network: one colour per network (colour-blind-safe, distinct on white), in
# the order the networks first appear on an image; the part no network accounts for is grey.
STACK_COLOURS = ("#1C5FC7", "#E8A33D", "#2A9D8F", "#C2417A", "#7E57C2", "#8C6D46")
STACK_REST = "#B8BEC5"
STACK_EDGE = "#FFFFFF"
LEGEND_SIZE = 11

STATUS_COLOURS = {
    "warning": "#E8590C",
    "critical": "#C62828",
}

WORDS: dict[str, dict[str, str]] = {
    "ru": {"no_data": "нет данных", "target": "цель"},
    "en": {"no_data": "no data", "target": "target"},
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Applied with matplotlib.rc_context while figures are built and drawn, so the app's global
# rcParams are neither relied upon nor changed.
RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "axes.unicode_minus": True,
    "text.antialiased": True,
    "lines.antialiased": True,
    "path.simplify": False,
}


def word(key: str, lang: str) -> str:
    return WORDS.get(lang, WORDS["en"])[key]

STATUS_TINTS = {
    "warning": "#FFF6EE",
    "critical": "#FFF1F1",
}
