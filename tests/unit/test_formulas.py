import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi import catalogue
from kpi.formulas import Derived, compute_derived, derived_series, interactions

WEEK = date(2026, 11, 16)
FULL = {
    "reach": 10_000, "impressions": 20_000, "views": 8_000, "followers": 5_000,
    "new_followers": 300, "unfollows": 100, "likes": 400, "comments": 50, "shares": 30,
    "saves": 20, "clicks": 200, "leads": 20, "orders": 5, "revenue": 50_000, "spend": 10_000,
}


def values(derived: dict[str, Derived]) -> dict[str, float]:
    return {key: item.value for key, item in derived.items()}


def test_interactions() -> None:
    assert interactions({"likes": 10, "comments": 2, "shares": 3, "saves": 4}) == 19
    assert interactions({"likes": 10, "reach": 1000}) == 10
    assert interactions({"comments": 0}) == 0
    assert interactions({"reach": 1000}) is None
    assert interactions({}) is None


def test_every_formula_from_full_counts() -> None:
    result = values(compute_derived(FULL, {"followers": 4_000}))
    assert result == pytest.approx({
        "er_reach": 500 / 10_000 * 100,
        "er_followers": 500 / 5_000 * 100,
        "er_views": 500 / 8_000 * 100,
        "reach_rate": 10_000 / 5_000 * 100,
        "follower_growth": (5_000 - 4_000) / 4_000 * 100,
        "virality": 30 / 10_000 * 100,
        "ctr": 200 / 20_000 * 100,
        "cpc": 10_000 / 200,
        "cpm": 10_000 / 20_000 * 1000,
        "cpl": 10_000 / 20,
        "cpa": 10_000 / 5,
        "cr_click_lead": 20 / 200 * 100,
        "cr_lead_sale": 5 / 20 * 100,
        "romi": (50_000 - 10_000) / 10_000 * 100,
        "drr": 10_000 / 50_000 * 100,
        "churn": 100 / 4_000 * 100,
    })
    assert set(result) == {m.key for m in catalogue.DERIVED_METRICS}


def test_inputs_name_the_base_metrics_used() -> None:
    result = compute_derived({"reach": 1000, "likes": 40, "shares": 10, "spend": 500, "leads": 5})
    assert result["er_reach"].inputs == ("likes", "shares", "reach")
    assert result["virality"].inputs == ("shares", "reach")
    assert result["cpl"] == Derived("cpl", 100.0, ("spend", "leads"))
    assert set(result) == {"er_reach", "virality", "cpl"}


def test_er_uses_the_components_present() -> None:
    result = compute_derived({"reach": 1000, "comments": 10})
    assert result["er_reach"].value == pytest.approx(1.0)
    assert result["er_reach"].inputs == ("comments", "reach")


@pytest.mark.parametrize("denominator", ["reach", "spend", "clicks", "leads", "revenue"])
def test_zero_denominator_is_absent_never_zero_or_infinite(denominator: str) -> None:
    current = dict(FULL, **{denominator: 0})
    result = compute_derived(current)
    affected = {
        "reach": {"er_reach", "virality"},
        "spend": {"romi"},
        "clicks": {"cpc", "cr_click_lead"},
        "leads": {"cpl", "cr_lead_sale"},
        "revenue": {"drr"},
    }[denominator]
    assert not affected & set(result)


def test_missing_inputs_give_nothing() -> None:
    assert compute_derived({}) == {}
    assert compute_derived({"spend": 1000}) == {}
    assert compute_derived({"likes": 10, "comments": 3}) == {}


def test_typed_derived_wins() -> None:
    current = {"reach": 1000, "likes": 50, "er_reach": 4.2, "spend": 100, "leads": 4}
    result = compute_derived(current)
    assert "er_reach" not in result
    assert result["cpl"].value == 25


def test_follower_growth_from_previous_week() -> None:
    result = compute_derived({"followers": 1100}, {"followers": 1000})
    assert result["follower_growth"] == Derived("follower_growth", pytest.approx(10.0),
                                                ("followers",))
    shrink = compute_derived({"followers": 900}, {"followers": 1000})
    assert shrink["follower_growth"].value == pytest.approx(-10.0)


def test_follower_growth_from_flows_when_no_previous_week() -> None:
    # start of week = 1100 - 150 + 50 = 1000 followers; net +100
    current = {"followers": 1100, "new_followers": 150, "unfollows": 50}
    result = compute_derived(current)
    assert result["follower_growth"].value == pytest.approx(10.0)
    assert result["follower_growth"].inputs == ("new_followers", "unfollows", "followers")
    assert result["churn"].value == pytest.approx(5.0)
    # The previous week's followers win over the flows.
    assert compute_derived(current, {"followers": 1080})["follower_growth"].value == \
        pytest.approx(20 / 1080 * 100)


def test_follower_growth_needs_both_flows_and_a_positive_start() -> None:
    assert "follower_growth" not in compute_derived({"followers": 1100, "new_followers": 150})
    assert "follower_growth" not in compute_derived({"new_followers": 150, "unfollows": 50})
    assert "follower_growth" not in compute_derived(
        {"followers": 100, "new_followers": 150, "unfollows": 50})
    assert "follower_growth" not in compute_derived({"followers": 1100}, {"followers": 0})
    assert "follower_growth" not in compute_derived({"followers": 1100}, {"reach": 5})


def test_churn() -> None:
    result = compute_derived({"unfollows": 30}, {"followers": 1000})
    assert result["churn"] == Derived("churn", pytest.approx(3.0), ("unfollows", "followers"))
    assert "churn" not in compute_derived({"unfollows": 30})
    assert "churn" not in compute_derived({"unfollows": 30}, {"followers": 0})
    assert "churn" not in compute_derived({"followers": 1000}, {"followers": 900})


def test_romi_can_be_negative() -> None:
    assert compute_derived({"revenue": 500, "spend": 1000})["romi"].value == pytest.approx(-50)


def test_derived_series_pairs_each_week_with_the_previous_calendar_week() -> None:
    weeks = {
        WEEK - timedelta(days=14): {"followers": 900},
        WEEK - timedelta(days=7): {"followers": 1000, "unfollows": 20},
        WEEK: {"followers": 1100, "unfollows": 11, "reach": 2200},
        WEEK + timedelta(days=14): {"followers": 1200, "unfollows": 12},  # a gap before it
    }
    series = derived_series(weeks)
    assert set(series) == set(weeks)
    assert series[WEEK - timedelta(days=14)] == {}
    assert series[WEEK - timedelta(days=7)]["follower_growth"].value == pytest.approx(100 / 9)
    assert series[WEEK - timedelta(days=7)]["churn"].value == pytest.approx(20 / 9)
    assert series[WEEK]["follower_growth"].value == pytest.approx(10.0)
    assert series[WEEK]["churn"].value == pytest.approx(1.1)
    assert series[WEEK]["reach_rate"].value == pytest.approx(200.0)
    assert "follower_growth" not in series[WEEK + timedelta(days=14)]
    assert "churn" not in series[WEEK + timedelta(days=14)]


counts = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@given(st.dictionaries(st.sampled_from([m.key for m in catalogue.BASE_METRICS]), counts),
       st.one_of(st.none(), st.dictionaries(st.just("followers"), counts)))
def test_results_are_always_finite_and_never_override_typed(current: dict[str, float],
                                                           previous: dict[str, float] | None
                                                           ) -> None:
    result = compute_derived(current, previous)
    for key, item in result.items():
        assert item.key == key
        assert key in catalogue.METRICS and catalogue.METRICS[key].derived
        assert math.isfinite(item.value)
        assert set(item.inputs) <= set(current) | set(previous or {})
