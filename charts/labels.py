"""Chart labels whose layout is worked out once per distinct text and style.

matplotlib's `Text` lays itself out again at every draw (`Text._get_layout`: the extent of
each line, its alignment offsets, the rotated box), about 80 times a digest, although tick
labels, week labels and targets repeat from one digest to the next. The layout depends on
the text, the font, the dpi, the alignment, the rotation and the renderer's text metrics,
never on the label's position, colour or visibility, so `Label` keeps it per process under
exactly those. Wrapped text depends on the position and is laid out the stock way.
"""

from __future__ import annotations

from typing import Any

import matplotlib
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

LAYOUTS_MAX = 4096  # distinct layouts kept per process (a digest has ~80, mostly repeats)


def font_key(prop: FontProperties) -> tuple:
    """What decides the font file and size `prop` resolves to."""
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(),
            tuple(matplotlib.rcParams["font.sans-serif"]))


class Label(Text):
    """A `Text` that reuses the layout of an equal text in the same style (see the module
    docstring). `cache_layouts = False` lays every label out anew, as `Text` does (tests
    compare the two)."""

    cache_layouts = True
    _layouts: dict[tuple, Any] = {}  # noqa: RUF012  (per process, shared by all labels)

    def _get_layout(self, renderer: Any) -> Any:
        if not self.cache_layouts or self.get_wrap():
            return super()._get_layout(renderer)
        key = (self.get_text(), font_key(self._fontproperties),
               self.get_figure(root=True).dpi, type(renderer), self.get_rotation(),
               self.get_rotation_mode(), self.get_horizontalalignment(),
               self.get_verticalalignment(), self._linespacing, self._multialignment,
               self.get_usetex(), self.get_parse_math(), self.get_transform_rotates_text())
        layout = self._layouts.get(key)
        if layout is None:
            layout = super()._get_layout(renderer)
            if len(self._layouts) >= LAYOUTS_MAX:
                self._layouts.clear()
            self._layouts[key] = layout
        return layout


def add_label(parent: Axes | Figure, x: float, y: float, **kwargs: Any) -> Label:
    """An empty `Label` at (x, y) on an axes or a figure, with the defaults of `Axes.text`
    and `Figure.text` (baseline, left, not clipped; data or figure coordinates)."""
    transform = parent.transData if isinstance(parent, Axes) else parent.transSubfigure
    defaults = {"verticalalignment": "baseline", "horizontalalignment": "left",
                "clip_on": False, "transform": transform}
    # `ha`, `va`… become their full names first, so a default never meets its own alias
    label = Label(x, y, "", **{**defaults, **cbook.normalize_kwargs(kwargs, Text)})
    parent.add_artist(label)
    return label
