import pytest

from bot.services.monthly import PeriodChange, aggregate, period_totals


def test_counts_are_summed_stocks_take_the_last_value_and_typed_rates_are_dropped():
    weeks = [{"reach": 1000, "followers": 500, "er_reach": 9.0},
             {"reach": 3000, "followers": 520}, {}, {"reach": 2000}]
    assert aggregate(weeks) == {"reach": 6000, "followers": 520}


def test_rates_are_recomputed_from_totals_not_averaged():
    # Weekly CPLs are 10 and 500; their average (255) is not the period's cost per lead.
    weeks = [{"spend": 100, "leads": 10}, {"spend": 1000, "leads": 2}]
    totals = period_totals(weeks, [])
    assert totals["cpl"] == pytest.approx(1100 / 12)


def test_change_is_relative_to_the_previous_period_and_none_without_base():
    assert PeriodChange("leads", 30, 20).change_pct == pytest.approx(50)
    assert PeriodChange("leads", 30, None).change_pct is None
    assert PeriodChange("leads", 30, 0).change_pct is None
