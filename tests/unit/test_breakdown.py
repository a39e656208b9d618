"""kpi.breakdown: project totals, what moved them, campaign rankings; analyze's breakdown."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.analyze_cli import analyze_file
from kpi.breakdown import (
    Part,
    builtin_network,
    project_totals,
    rank_campaigns,
    segment_changes,
    segment_weeks,
    summable,
)

W1 = date(2026, 11, 2)
W2 = date(2026, 11, 9)

PARTS = st.lists(st.tuples(st.sampled_from(["reach", "leads", "er_reach", "Звонки"]),
                           st.sampled_from([("", ""), ("vk", ""), ("instagram", ""),
                                            ("", "BF"), ("", "Зима")]),
                           st.integers(0, 10**6)),
                 unique_by=lambda t: (t[0], t[1]))


@given(PARTS)
def test_totals_never_double_count(items) -> None:
    parts = [Part(W1, metric, float(value), *segment) for metric, segment, value in items]
    totals = project_totals(parts)
    for metric in {m for m, _s, _v in items}:
        mine = [p for p in parts if p.metric == metric]
        wide = [p.value for p in mine if not p.network and not p.campaign]
        networks = [p.value for p in mine if p.network]
        campaigns = [p.value for p in mine if p.campaign]
        total = totals.get((W1, metric))
        if wide:
            assert total is not None and total.value == wide[0] and total.source == "project"
        elif not summable(metric):
            assert total is None  # a rate of one network is never the project's
        elif networks:
            assert total is not None and math.isclose(total.value, sum(networks))
        elif campaigns:
            assert total is not None and math.isclose(total.value, sum(campaigns))


def test_aliases_and_summable() -> None:
    assert builtin_network("ИНСТА") == builtin_network("ig") == "instagram"
    assert builtin_network("Дзен") is None
    assert summable("reach") and summable("spend") and summable("my own")
    assert not summable("er_reach") and not summable("cpl")


def test_changes_rank_and_derived_per_network() -> None:
    parts = [Part(W1, "reach", 10000, "vk"), Part(W2, "reach", 5900, "vk"),
             Part(W1, "reach", 5000, "instagram"), Part(W2, "reach", 5150, "instagram"),
             Part(W2, "spend", 1000, campaign="BF"), Part(W2, "leads", 5, campaign="BF"),
             Part(W2, "spend", 900, campaign="Зима"), Part(W2, "leads", 2, campaign="Зима"),
             Part(W2, "revenue", 3000, campaign="BF")]
    segments = segment_weeks(parts)
    changes = segment_changes(segments, "reach", W2, W1)
    assert [(c.network, round(c.change_pct)) for c in changes] == [("vk", -41),
                                                                  ("instagram", 3)]
    # without networks, campaigns explain the metric
    assert [c.campaign for c in segment_changes(segments, "leads", W2, W1)] == ["BF", "Зима"]
    assert segments[("", "BF")][W2]["cpl"] == 200  # from the campaign's own spend and leads
    assert rank_campaigns(segments, W2) == ("cpl", [("BF", 200.0), ("Зима", 450.0)])
    assert rank_campaigns(segments, W1) is None


def test_analyze_json_has_a_breakdown_per_metric(tmp_path: Path) -> None:
    rows = ["week_start,network,reach,leads,spend"]
    for i in range(6):
        week = W1 + timedelta(weeks=i)
        vk = 5900 if i == 5 else 10000
        rows += [f"{week},vk,{vk},5,1000", f"{week},ig,5000,3,900"]
    path = tmp_path / "n.csv"
    path.write_text("\n".join(rows) + "\n")
    report = analyze_file(path, "en", today=date(2026, 12, 31))
    reach = report["metrics"]["reach"]
    assert reach["last"] == 10900 and reach["previous"] == 15000
    assert reach["breakdown"] == {"networks": {
        "instagram": {"last": 5000.0, "previous": 5000.0, "wow_pct": 0.0},
        "vk": {"last": 5900.0, "previous": 10000.0, "wow_pct": -41.0}}, "campaigns": {}}
    cpl = report["metrics"]["cpl"]
    assert cpl["last"] == 1900 / 8  # from the summed counts, not the networks' CPLs averaged
    assert cpl["breakdown"]["networks"]["vk"]["last"] == 200
