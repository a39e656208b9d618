"""`network` and `campaign` columns in imports and exports (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.exporting import ExportRow, export_csv, export_xlsx
from kpi.importing import ImportProblem, read_import

TODAY = date(2026, 11, 19)
W1 = date(2026, 11, 2)
W2 = date(2026, 11, 9)


def segmented(result) -> dict:
    return {(v.week_start, v.metric, v.network, v.campaign): v.value for v in result.values}


def test_wide_file_with_a_network_column() -> None:
    data = ("week_start,network,reach,leads\n"
            "2026-11-02,VK,5000,4\n"
            "2026-11-02,инстаграм,7200,\n"
            "2026-11-02,,12000,5\n"
            "2026-11-09,Дзен,300,1\n").encode()
    result = read_import(data, "w.csv", today=TODAY)
    assert result.layout == "wide"
    assert segmented(result) == {
        (W1, "reach", "vk", ""): 5000, (W1, "leads", "vk", ""): 4,
        (W1, "reach", "instagram", ""): 7200,
        (W1, "reach", "", ""): 12000, (W1, "leads", "", ""): 5,
        (W2, "reach", "Дзен", ""): 300, (W2, "leads", "Дзен", ""): 1}
    assert "network" not in result.mapping and result.ignored_columns == []


def test_long_file_with_network_and_campaign_columns_and_daily_rows() -> None:
    data = ("date;metric;value;network;campaign\n"
            "02.11.2026;reach;100;vk;\n"
            "03.11.2026;reach;150;vk;\n"
            "03.11.2026;spend;2000;;Чёрная пятница\n"
            "04.11.2026;spend;500;;Чёрная пятница\n").encode()
    result = read_import(data, "l.csv", today=TODAY)
    assert result.layout == "long"
    # daily rows are summed per network and per campaign, never across them
    assert segmented(result) == {(W1, "reach", "vk", ""): 250,
                                 (W1, "spend", "", "Чёрная пятница"): 2500}
    assert result.ignored_columns == []


def test_the_same_day_twice_in_one_network_is_a_duplicate_not_in_two() -> None:
    data = (b"week_start,network,reach\n2026-11-02,vk,1\n2026-11-02,vk,2\n"
            b"2026-11-02,tg,3\n")
    result = read_import(data, "d.csv", today=TODAY)
    assert segmented(result) == {(W1, "reach", "vk", ""): 2, (W1, "reach", "telegram", ""): 3}
    assert result.ignored_rows == [(2, "duplicate")]


def test_a_row_with_both_a_network_and_a_campaign_is_refused() -> None:
    data = b"week_start,network,campaign,reach\n2026-11-02,vk,BF,1\n"
    with pytest.raises(ImportProblem) as problem:
        read_import(data, "b.csv", today=TODAY)
    assert problem.value.code == "network_and_campaign" and problem.value.params == {"row": 2}


def test_a_file_without_the_columns_is_project_wide_as_before() -> None:
    result = read_import(b"week_start,reach\n2026-11-02,10\n", "p.csv", today=TODAY)
    assert segmented(result) == {(W1, "reach", "", ""): 10}


SEGMENTS = st.sampled_from([("", ""), ("vk", ""), ("instagram", ""), ("Дзен", ""),
                            ("", "Чёрная пятница"), ("", "=HYPERLINK(1)"), ("", "Зима 2026")])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["reach", "leads", "spend"]),
                          st.integers(0, 10**9), SEGMENTS, st.booleans()),
                min_size=1, max_size=15, unique_by=lambda t: (t[0], t[1], t[3])))
def test_export_import_round_trip_keeps_the_breakdown(items) -> None:
    rows = [ExportRow("p", date(2026, 11, 16) - (W2 - W1) * offset, metric, float(value), "",
                      approx, network, campaign)
            for offset, metric, value, (network, campaign), approx in items]
    expected = {(r.week_start, r.metric, r.network, r.campaign): (r.value, r.approximate)
                for r in rows}
    for export, name in ((export_csv, "e.csv"), (export_xlsx, "e.xlsx")):
        result = read_import(export(rows), name, today=TODAY)
        assert {(v.week_start, v.metric, v.network, v.campaign): (v.value, v.approximate)
                for v in result.values} == expected
