"""Stacked charts by network (issue 13): the stack (kpi.breakdown.network_stack), the panel
the services build (bot.services.stacks) and the drawing (charts.stacks)."""

from __future__ import annotations

import io
import math
import pickle
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.i18n import get_translator
from bot.services.stacks import stackable, with_network_stack
from charts import (
    DigestChart,
    Panel,
    build_digest_figure,
    build_history_figure,
    render_digest,
    render_history,
)
from charts.stacks import stack_colours
from kpi.breakdown import MAX_STACK, REST, network_stack

WEEKS = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(12)]
NAMES = ["vk", "instagram", "telegram", "youtube", "tiktok", "website", "Дзен", "Rutube",
         "other"]

VALUES = st.one_of(st.none(), st.integers(0, 10**6).map(float))


@st.composite
def breakdowns(draw):
    size = draw(st.integers(1, 8))
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    networks = {n: draw(st.lists(VALUES, min_size=size, max_size=size)) for n in names}
    # the total: the networks' sum plus an unattributed part, or none, or a project-wide
    # number below the breakdown
    totals = []
    for i in range(size):
        kind = draw(st.sampled_from(["sum", "more", "less", "none"]))
        summed = sum(v[i] or 0.0 for v in networks.values())
        extra = float(draw(st.integers(1, 1000)))
        totals.append(None if kind == "none" else summed + extra if kind == "more"
                      else max(0.0, summed - extra) if kind == "less" else summed)
    return totals, networks


@given(breakdowns())
def test_the_segments_add_up_to_the_total_in_at_most_six(data) -> None:
    totals, networks = data
    stack = network_stack(totals, networks)
    assert len(stack) <= MAX_STACK
    if not any(v for values in networks.values() for v in values if v):
        assert stack == ()
        return
    assert [name for name, _ in stack].count(REST) <= 1
    assert all(name == REST for name, _ in stack[-1:] if REST in dict(stack))
    for i, total in enumerate(totals):
        parts = [values[i] for _, values in stack]
        if total is None:
            assert parts == [None] * len(stack)
        else:
            assert all(p is not None and p >= 0 for p in parts)
            assert math.isclose(sum(parts), total, rel_tol=1e-9, abs_tol=1e-6)


def test_the_unattributed_part_is_its_own_segment_largest_network_first() -> None:
    stack = network_stack([1000.0, 1200.0, None],
                          {"instagram": [300.0, 400.0, None], "vk": [600.0, None, 50.0]})
    assert stack == (("instagram", (300.0, 400.0, None)), ("vk", (600.0, 0.0, None)),
                     (REST, (100.0, 800.0, None)))
    # networks covering the whole total: no rest
    assert network_stack([5.0], {"vk": [2.0], "tiktok": [3.0]}) == (
        ("tiktok", (3.0,)), ("vk", (2.0,)))
    # a project-wide total below its networks' sum is not split
    assert network_stack([10.0], {"vk": [8.0], "tiktok": [7.0]}) == (
        ("tiktok", (0.0,)), ("vk", (0.0,)), (REST, (10.0,)))


def test_beyond_six_the_smallest_are_folded_into_other() -> None:
    networks = {name: [float(100 * (k + 1))] for k, name in enumerate(NAMES[:8])}
    stack = network_stack([sum(v[0] for v in networks.values())], networks)
    assert len(stack) == MAX_STACK
    assert [name for name, _ in stack] == ["Rutube", "Дзен", "website", "tiktok", "youtube",
                                           REST]
    assert stack[-1][1] == (100.0 + 200 + 300,)  # vk, instagram, telegram
    # exactly six networks and nothing else: all six stay
    six = {name: [1.0 + k] for k, name in enumerate(NAMES[:6])}
    assert REST not in dict(network_stack([21.0], six))
    # five networks and an unattributed part: six segments, nothing folded
    assert len(network_stack([100.0], dict(list(six.items())[:5]))) == 6


def panel(key_title: str = "Reach", unit: str = "count") -> Panel:
    return Panel(title=key_title, weeks=WEEKS[:3], values=[1000.0, 1200.0, None], unit=unit)


NETWORKS = {"vk": {WEEKS[0]: 600.0, WEEKS[2]: 50.0},
            "instagram": {WEEKS[0]: 300.0, WEEKS[1]: 400.0},
            "Дзен <test>": {WEEKS[1]: 10.0}}


@pytest.mark.parametrize("lang, other", [("en", "Other"), ("ru", "Другое")])
def test_a_count_panel_is_stacked_with_legend_labels_in_the_users_language(lang, other):
    built = with_network_stack(panel(), "reach", NETWORKS, get_translator(lang))
    vk = "VK" if lang == "en" else "ВК"
    assert built.stacks == (("Instagram", (300.0, 400.0, None)), (vk, (600.0, 0.0, None)),
                            ("Дзен <test>", (0.0, 10.0, None)),  # as typed: a plain label
                            (other, (100.0, 790.0, None)))
    assert built.stack_rest
    for i, total in enumerate(built.values):
        if total is not None:
            assert sum(values[i] for _, values in built.stacks) == total
    assert (built.title, built.weeks, built.values) == (panel().title, WEEKS[:3],
                                                         [1000.0, 1200.0, None])


def test_money_and_custom_metrics_stack_rates_never() -> None:
    t = get_translator("en")
    assert with_network_stack(panel(unit="money"), "spend", NETWORKS, t).stacks
    assert with_network_stack(panel(), "Звонки", NETWORKS, t).stacks  # a custom count
    for key, unit in (("er_reach", "percent"), ("ctr", "percent"), ("cpl", "money"),
                      ("reach", "percent")):
        assert not stackable(key, unit), key
        assert with_network_stack(panel(unit=unit), key, NETWORKS, t) == panel(unit=unit)
    # a formula KPI is a ratio too, whatever its unit
    assert not stackable("Weighted ER", "count", formulas=["Weighted ER"])
    assert with_network_stack(panel(), "Weighted ER", NETWORKS, t,
                              formulas=["Weighted ER"]).stacks == ()
    assert with_network_stack(panel(), "reach", {}, t) == panel()


def test_a_stacked_panel_stays_plain_picklable_data() -> None:
    built = with_network_stack(panel(), "reach", NETWORKS, get_translator("ru"))
    assert pickle.loads(pickle.dumps(built)) == built
    with pytest.raises(AttributeError):
        built.stacks = ()  # type: ignore[misc]
    assert not hasattr(built, "__dict__")  # slots


def test_history_panel_with_the_networks() -> None:
    from bot.services.history import WeekRow
    from handlers.history import history_panel

    rows = [WeekRow(w, {"reach": v}, frozenset()) for w, v in zip(WEEKS[:2], [1000.0, 1200.0],
                                                                   strict=True)]
    built = history_panel(rows, "reach", None, "en", networks=NETWORKS,
                          t=get_translator("en"))
    assert [label for label, _ in built.stacks] == ["Instagram", "VK", "Дзен <test>", "Other"]
    assert history_panel(rows, "reach", None, "en").stacks == ()


# -- drawing ------------------------------------------------------------------------------------

def stacked(weeks: int = 12, segments: int = 3) -> Panel:
    parts = tuple((f"Net {k}", tuple(float(100 * (k + 1) + i) for i in range(weeks)))
                  for k in range(segments))
    totals = [sum(values[i] for _, values in parts) for i in range(weeks)]
    return Panel(title="Reach", weeks=WEEKS[:weeks] if weeks <= 12 else [
        WEEKS[0] + timedelta(weeks=i) for i in range(weeks)], values=totals, change_pct=4.0,
        stacks=(*parts[:-1], ("Other", parts[-1][1])), stack_rest=True)


def plain(panel: Panel) -> Panel:
    return Panel(title=panel.title, weeks=panel.weeks, values=panel.values,
                 change_pct=panel.change_pct)


def segments(ax) -> list:
    return [c for c in ax.collections if c.get_gid() == "stack-segment" and c.get_visible()]


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == "stack-legend" and t.get_visible()]


def test_history_draws_bars_and_a_legend_instead_of_the_line() -> None:
    kpi = stacked()
    png = render_history(kpi, "Shop", "en")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1080, 760)
    assert png != render_history(plain(kpi), "Shop", "en")
    ax = build_history_figure(kpi, "Shop", "en").axes[0]
    assert len(segments(ax)) == 3 and legend_labels(ax) == ["Net 0", "Net 1", "Other"]
    assert not next(line for line in ax.lines if line.get_gid() == "series").get_visible()
    assert ax.get_ylim()[0] == 0  # bars stand on zero
    # each week's bars reach its total
    top = max(v[1] for v in segments(ax)[-1].get_paths()[-1].vertices)
    assert top == pytest.approx(kpi.values[-1])
    # reused for a panel without networks: no bars, no legend, the same bytes as fresh
    ax = build_history_figure(plain(kpi), "Shop", "en").axes[0]
    assert segments(ax) == [] and legend_labels(ax) == []
    assert render_history(plain(kpi), "Shop", "en") == render_history(plain(kpi), "Shop", "en")
    render_history(stacked(104, 6), "Shop", "ru")  # long and full


def test_digest_stacks_counts_and_keeps_rates_a_line() -> None:
    rate = Panel(title="ER", weeks=WEEKS, values=[2.0 + i / 10 for i in range(12)],
                 unit="percent", stacks=stacked().stacks)  # a stack given by mistake
    chart = DigestChart(title="Shop", subtitle="Week", lang="en", panels=[stacked(), rate])
    png = render_digest(chart)
    assert png != render_digest(DigestChart(title="Shop", subtitle="Week", lang="en",
                                            panels=[plain(stacked()), rate]))
    fig = build_digest_figure(chart)
    count_ax, rate_ax = fig.axes[:2]
    assert len(segments(count_ax)) == 3 and legend_labels(count_ax)
    assert segments(rate_ax) == [] and legend_labels(rate_ax) == []
    assert next(line for line in rate_ax.lines if line.get_gid() == "series").get_visible()


def test_a_network_keeps_its_colour_on_every_panel() -> None:
    a = Panel(title="A", weeks=WEEKS[:1], values=[3.0],
              stacks=(("VK", (1.0,)), ("IG", (1.0,)), ("Other", (1.0,))), stack_rest=True)
    b = Panel(title="B", weeks=WEEKS[:1], values=[2.0], stacks=(("IG", (1.0,)), ("VK", (1.0,))))
    colours = stack_colours([a, b])
    assert set(colours) == {"VK", "IG"} and colours["VK"] != colours["IG"]
    many = [Panel(title=str(k), weeks=WEEKS[:1], values=[6.0], stacks=tuple(
        (f"N{k}-{j}", (1.0,)) for j in range(6))) for k in range(3)]
    colours = stack_colours(many)
    for p in many:
        assert len({colours[label] for label, _ in p.stacks}) == 6


def test_the_legend_fits_a_half_width_panel_in_rows_above_the_bars() -> None:
    long = tuple((f"Своя сеть номер {k}", tuple([10.0 * (k + 1)] * 12)) for k in range(6))
    kpi = Panel(title="Reach", weeks=WEEKS, values=[210.0] * 12, stacks=long)
    fig = build_digest_figure(DigestChart(title="Shop", subtitle="", lang="ru",
                                          panels=[kpi, kpi]))
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    texts = [t for t in ax.texts if t.get_gid() == "stack-legend" and t.get_visible()]
    assert len(texts) == 6
    bar_top = ax.transData.transform((0, 210.0))[1]
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 + 1
        assert extent.y0 > bar_top  # never over the bars
