"""charts/: PNG output, panel content, languages, reuse and the no-pyplot rule."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from charts import (
    DigestChart,
    Panel,
    build_digest_figure,
    build_history_figure,
    render_digest,
    render_history,
    style,
)
from charts.digest import change_colour, encode_png, week_label
from tests.paths import PACKAGE_ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WEEKS = [date(2025, 9, 1) + timedelta(weeks=i) for i in range(14)]  # Mondays, last = Dec 1


def panel(title: str = "Охват", *, values: list[float | None] | None = None,
          status: str = "ok", change_pct: float | None = -8.0,
          direction: str = "higher_is_better", unit: str = "count",
          target: float | None = 15000, weeks: list[date] | None = None) -> Panel:
    if values is None:
        values = [9800.0 + 400 * i for i in range(13)] + [12500.0]
    return Panel(title=title, weeks=weeks or WEEKS[-len(values):], values=values,
                 target=target, unit=unit, status=status, change_pct=change_pct,
                 direction=direction)


def chart(panels: list[Panel], lang: str = "ru") -> DigestChart:
    return DigestChart(title="Кофейня «Зерно»", subtitle="Неделя 24–30 ноября", lang=lang,
                       panels=panels)


def decode(png: bytes) -> Image.Image:
    assert png[:8] == PNG_MAGIC
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def visible_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_visible() and t.get_text()]


def titles(fig) -> list[str]:
    return [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]


def series(ax):
    return next(line for line in ax.lines if line.get_gid() == "series")


def annotation(ax):
    return next(t for t in ax.texts if t.get_visible() and t.get_fontweight() == "bold"
                and t.get_position() == (0.985, 0.965))


# -- output ---------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 3, 6])
def test_render_digest_is_a_valid_png_of_phone_width(count: int) -> None:
    png = render_digest(chart([panel(f"KPI {i}") for i in range(count)]))
    image = decode(png)
    assert image.size[0] == 1080
    assert 400 < image.size[1] < 1600
    assert image.mode == "RGB"
    # not blank: the line colour is present
    pixels = np.asarray(image).reshape(-1, 3)
    line = tuple(int(style.LINE[i:i + 2], 16) for i in (1, 3, 5))
    assert (pixels == line).all(axis=1).any()


def test_encode_png_round_trips_pixels() -> None:
    rgba = np.random.default_rng(1).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    decoded = np.asarray(decode(encode_png(rgba)))
    assert decoded.shape == (7, 5, 3)
    assert (decoded == rgba[..., :3]).all()


def test_cached_font_heights_draw_what_matplotlib_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """The renderer's font-height cache (charts.digest._CachedTextRenderer) gives
    matplotlib's own numbers: a digest and a history chart are the same bytes without it."""
    from charts.digest import _CachedTextRenderer

    def draw_both() -> tuple[bytes, bytes]:
        panels = [panel("Охват"), panel("CTR", unit="percent", values=[1.2, 1.5, None, 1.1]),
                  panel("Лиды", status="critical", change_pct=-31.0, target=None)]
        return (render_digest(chart(panels)),
                render_history(panel("Охват"), "Охват за 14 недель", "ru"))

    cached = draw_both()
    assert _CachedTextRenderer._heights  # it was asked, so matplotlib uses it
    monkeypatch.delattr(_CachedTextRenderer, "_get_font_height_metrics")
    assert draw_both() == cached


def test_cached_label_layouts_draw_what_matplotlib_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels (charts.labels.Label) reuse the layout of an equal text in the same style: once
    other charts have filled the cache, a digest and a history chart are the bytes drawn
    when every label is laid out anew. "1" and "2" are y tick labels (right-aligned) and, in
    the history chart's title and the digest's header, left-aligned text of other sizes."""
    from charts.labels import Label

    def draw_all() -> tuple[bytes, ...]:
        small = [panel("2", values=[1.0, 2.0, 1.5, 2.0]), panel("1", unit="money", target=2.0)]
        return (render_digest(chart(small)),
                render_digest(chart([panel("Охват"), panel("Лиды", status="warning")])),
                render_history(panel("1", values=[1.0, 2.0]), "2", "en"))

    monkeypatch.setattr(Label, "_layouts", {})
    cached, again = draw_all(), draw_all()
    assert Label._layouts  # filled, then used
    monkeypatch.setattr(Label, "cache_layouts", False)
    assert draw_all() == cached == again


def test_label_layouts_are_kept_apart_by_alignment_and_font(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same text in the same font, aligned four ways, and in a bold font: each label
    gets its own layout, the one matplotlib computes without the cache."""
    from charts.digest import new_figure
    from charts.labels import Label, add_label

    def extents() -> list[tuple[float, ...]]:
        fig = new_figure(200)
        labels = [add_label(fig, 0.5, 0.5, ha=ha, va=va, fontsize=12)
                  for ha, va in (("left", "baseline"), ("right", "baseline"),
                                 ("center", "top"), ("center", "center_baseline"))]
        labels.append(add_label(fig, 0.5, 0.5, fontsize=12, fontweight="bold"))
        for label in labels:
            label.set_text("12,5 тыс.")
        fig.canvas.draw()
        return [tuple(label.get_window_extent().bounds) for label in labels]

    monkeypatch.setattr(Label, "_layouts", {})
    cached = extents()
    assert len(Label._layouts) == 5 and len(set(cached)) == 5
    monkeypatch.setattr(Label, "cache_layouts", False)
    assert extents() == cached


def test_sample_is_saved_for_review(tmp_path: Path) -> None:
    panels = [panel("Охват", status="warning"),
              panel("ER по охвату (ERR)", unit="percent", target=5.0, change_pct=5.9,
                    values=[3.1, 3.4, 3.2, 3.8, 4.0, 3.9, 4.2, 4.4, 4.1, 4.6, 4.8, 5.4]),
              panel("Стоимость лида", unit="money", target=500, status="critical",
                    change_pct=12.5, direction="lower_is_better",
                    values=[420, 410, 405, 430, 450, 470, 455, 480, 520, 560, 590, 720]),
              panel("Подписчики", values=[None] * 12, status="no_data", change_pct=None),
              panel("Выручка", unit="money", target=None, change_pct=1.3,
                    values=[1.2e6, 1.3e6, None, None, 1.4e6, 1.38e6, 1.45e6, 1.5e6, 1.48e6,
                            1.52e6, 1.6e6, 1.62e6]),
              panel("Отток", unit="percent", target=None, change_pct=-6.2,
                    direction="lower_is_better",
                    values=[2.0, 2.1, 1.9, 2.2, 2.0, 2.3, 2.1, 2.0, 1.8, 1.7, 1.6, 1.5])]
    png = render_digest(chart(panels))
    (tmp_path / "digest.png").write_bytes(png)
    assert decode(png).size == (1080, 1240)


# -- content --------------------------------------------------------------------------------

@pytest.mark.parametrize(("count", "drawn"), [(1, 1), (6, 6), (8, 6)])
def test_every_kpi_gets_a_panel_up_to_six(count: int, drawn: int) -> None:
    names = [f"Показатель {i}" for i in range(count)]
    fig = build_digest_figure(chart([panel(name) for name in names]))
    assert titles(fig) == names[:drawn]
    assert decode(render_digest(chart([panel(name) for name in names]))).size[0] == 1080


def test_last_twelve_weeks_with_gaps_for_none() -> None:
    values: list[float | None] = [float(i) for i in range(14)]
    values[10] = None
    fig = build_digest_figure(chart([panel(values=values, weeks=WEEKS)]))
    line = series(fig.axes[0])
    ys = np.asarray(line.get_ydata(), dtype=float)
    assert len(ys) == 12
    assert ys[0] == 2.0
    assert np.isnan(ys[8]) and np.isfinite(np.delete(ys, 8)).all()


def test_series_line_identity() -> None:
    fig = build_digest_figure(chart([panel()]))
    view_line = series(fig.axes[0])
    assert view_line.get_marker() == "o"
    assert len(view_line.get_xdata()) == 12


def test_no_data_panel_shows_a_label_and_no_line() -> None:
    fig = build_digest_figure(chart([panel("Подписчики", values=[None] * 12,
                                           status="no_data", change_pct=None),
                                     panel("Охват")]))
    empty, full = fig.axes
    assert "нет данных" in visible_texts(empty)
    assert not series(fig.axes[0]).get_visible()
    assert "нет данных" not in visible_texts(full)
    fig = build_digest_figure(chart([panel("Followers", values=[None] * 12, status="no_data",
                                           change_pct=None)], lang="en"))
    assert "no data" in visible_texts(fig.axes[0])


def test_all_none_renders_as_no_data_even_if_status_ok() -> None:
    png = render_digest(chart([panel(values=[None] * 12, status="ok", change_pct=None)]))
    decode(png)
    fig = build_digest_figure(chart([panel(values=[None] * 12, status="ok",
                                           change_pct=None)]))
    assert "нет данных" in visible_texts(fig.axes[0])


def test_languages_format_axes_and_annotation() -> None:
    ru = build_digest_figure(chart([panel()], lang="ru"))
    ru_texts = visible_texts(ru.axes[0])
    assert "01.12" in ru_texts and "17.11" in ru_texts
    assert any("тыс." in t for t in ru_texts)
    assert "12,5\u00a0тыс.  −8\u00a0%" in ru_texts
    assert "цель: 15\u00a0тыс." in ru_texts

    en = build_digest_figure(chart([panel("Reach")], lang="en"))
    en_texts = visible_texts(en.axes[0])
    assert "Dec 1" in en_texts and "Nov 17" in en_texts
    assert any(t.endswith("K") for t in en_texts)
    assert "12.5K  −8%" in en_texts
    assert "target: 15K" in en_texts


def test_cyrillic_titles_render_without_missing_glyph_warnings(recwarn) -> None:
    render_digest(chart([panel("Прирост подписчиков, %"), panel("Ёжики и щётки")]))
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    fig = build_digest_figure(chart([panel("Прирост подписчиков, %")]))
    assert titles(fig) == ["Прирост подписчиков, %"]


@pytest.mark.parametrize(("change", "direction", "colour"), [
    (-8.0, "higher_is_better", style.BAD),
    (8.0, "higher_is_better", style.GOOD),
    (8.0, "lower_is_better", style.BAD),
    (-8.0, "lower_is_better", style.GOOD),
    (8.0, "neutral", style.NEUTRAL),
    (0.0, "higher_is_better", style.NEUTRAL),
])
def test_change_is_coloured_by_direction(change: float, direction: str, colour: str) -> None:
    assert change_colour(change, direction) == colour
    fig = build_digest_figure(chart([panel(change_pct=change, direction=direction)]))
    assert annotation(fig.axes[0]).get_color() == colour


def test_declining_kpis_get_a_badge_and_border() -> None:
    fig = build_digest_figure(chart([panel("A", status="ok"), panel("B", status="warning"),
                                     panel("C", status="critical")]))
    ok, warning, critical = fig.axes
    assert ok.get_title(loc="left") == "A" and ok._left_title.get_bbox_patch() is None
    for ax, status in ((warning, "warning"), (critical, "critical")):
        assert ax.get_title(loc="left").startswith("▼ ")
        badge = ax._left_title.get_bbox_patch()
        assert badge is not None
        assert badge.get_facecolor()[:3] == pytest.approx(
            tuple(int(style.STATUS_COLOURS[status][i:i + 2], 16) / 255 for i in (1, 3, 5)))
        assert ax.spines["top"].get_visible()
    assert not ok.spines["top"].get_visible()


def test_long_titles_are_shortened() -> None:
    fig = build_digest_figure(chart([panel("x" * 80), panel("y")]))
    assert titles(fig)[0].endswith("…") and len(titles(fig)[0]) <= 30


def test_empty_digest_and_odd_inputs_render() -> None:
    decode(render_digest(chart([])))
    decode(render_digest(chart([panel(values=[5.0], weeks=[WEEKS[-1]], target=None)])))
    decode(render_digest(chart([panel(values=[0.0] * 12, target=None)])))
    decode(render_digest(chart([panel(values=[-3.0, 2.0, float("nan"), 4.0] * 3,
                                      target=None, change_pct=None)])))
    decode(render_digest(chart([panel(values=[], weeks=[], target=None)])))


# -- reuse ------------------------------------------------------------------------------------

def test_reuse_gives_identical_bytes_for_identical_input() -> None:
    first = chart([panel("Охват", status="warning"), panel("ER", unit="percent", target=5.0,
                                                            values=[4.0] * 12)])
    other = chart([panel("Другое", status="critical", change_pct=30.0,
                         direction="lower_is_better"),
                   panel("Пусто", values=[None] * 12, status="no_data", change_pct=None)],
                  lang="en")
    a = render_digest(first)
    b = render_digest(other)
    assert a != b
    assert render_digest(first) == a
    assert build_digest_figure(first) is build_digest_figure(first)


def test_render_history() -> None:
    long_weeks = [date(2024, 12, 2) + timedelta(weeks=i) for i in range(60)]
    values: list[float | None] = [100.0 + i for i in range(60)]
    values[30] = None
    kpi = panel("Охват", values=values, weeks=long_weeks)
    image = decode(render_history(kpi, "Кофейня «Зерно»", "ru"))
    assert image.size == (1080, 760)
    fig = build_history_figure(kpi, "Кофейня «Зерно»", "ru")
    assert len(series(fig.axes[0]).get_xdata()) == 60
    assert render_history(kpi, "Кофейня «Зерно»", "ru") == render_history(
        kpi, "Кофейня «Зерно»", "ru")
    decode(render_history(panel("Reach"), "Grain", "en"))


def test_week_labels() -> None:
    assert week_label(date(2025, 11, 17), "ru") == "17.11"
    assert week_label(date(2025, 3, 3), "ru") == "03.03"
    assert week_label(date(2025, 11, 17), "en") == "Nov 17"


def test_pyplot_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from charts import DigestChart, Panel, render_digest, render_history\n"
        "p = Panel('Охват', [date(2025, 11, 17)], [1.0], None, 'count', 'ok', None, 'neutral')\n"
        "render_digest(DigestChart('t', 's', 'ru', [p]))\n"
        "render_history(p, 't', 'en')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_emoji_in_user_names_are_left_out_not_drawn_as_boxes(recwarn) -> None:
    emoji_chart = DigestChart(title="🚀 Кофейня 📞", subtitle="Неделя 24–30 ноября", lang="ru",
                              panels=[panel("🔥 Лиды с рилсов")])
    render_digest(emoji_chart)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    fig = build_digest_figure(emoji_chart)
    assert titles(fig) == ["Лиды с рилсов"]
