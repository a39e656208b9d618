"""Note markers on the digest and history charts (reused figures: markers are pooled artists)."""

from __future__ import annotations

from datetime import date, timedelta

from charts import DigestChart, Panel
from charts.digest import MAX_MARKERS, build_digest_figure
from charts.history import build_history_figure

LAST = date(2026, 11, 23)
WEEKS = [LAST - timedelta(weeks=11 - i) for i in range(12)]


def panel(markers: tuple[date, ...]) -> Panel:
    return Panel(title="Охват", weeks=WEEKS, values=[1000.0 + i * 10 for i in range(12)],
                 markers=markers)


def marker_xs(fig) -> list[list[float]]:
    return [[float(line.get_xdata()[0]) for line in ax.lines
             if line.get_gid() == "note-marker" and line.get_visible()] for ax in fig.axes]


def test_digest_markers_at_noted_weeks_and_cleared_on_reuse() -> None:
    noted = (LAST - timedelta(weeks=3), LAST, LAST - timedelta(weeks=40))  # last one: off chart
    fig = build_digest_figure(DigestChart("P", "s", "ru", [panel(noted), panel(())]))
    xs = [x for x in marker_xs(fig) if x]
    assert xs == [[-3.0, 0.0]]
    fig = build_digest_figure(DigestChart("P", "s", "ru", [panel(()), panel(())]))
    assert not any(marker_xs(fig))


def test_history_markers_and_the_pool_limit() -> None:
    many = tuple(WEEKS)  # every week noted: only the latest MAX_MARKERS are drawn
    fig = build_history_figure(panel(many), "P", "en")
    [xs] = [x for x in marker_xs(fig) if x]
    assert len(xs) == MAX_MARKERS and xs[-1] == 0.0
