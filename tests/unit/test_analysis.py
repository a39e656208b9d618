import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import get_translator
from bot.services.alerts import alert_message, to_json
from kpi.analysis import (
    Alert,
    Cause,
    MetricSeries,
    Thresholds,
    analyze,
    series_for,
)
from kpi.catalogue import Direction
from kpi.formatting import NBSP, format_change_pct, format_number

START = date(2026, 9, 7)  # a Monday


def weeks(n: int) -> list[date]:
    return [START + timedelta(weeks=i) for i in range(n)]


def run(*series: MetricSeries, thresholds=None):
    current = max(s.weeks[-1] for s in series) + timedelta(weeks=1)
    return analyze({s.key: s for s in series}, current_week=current, thresholds=thresholds)


def one(key, values, target=None, **kw):
    s = series_for(key, weeks(len(values)), values, target=target)
    result = run(s, **kw).metrics[key]
    return result, {a.kind: a for a in result.alerts}


# --- the layers ----------------------------------------------------------------------------


def test_week_over_week_drop_confirmed_by_baseline():
    result, alerts = one("reach", [15000, 16000, 15500, 16800, 16200, 12500])
    assert result.last == 12500 and result.previous == 16200
    assert result.wow_pct == pytest.approx(-22.84, abs=0.01)
    assert result.baseline_median == pytest.approx(16100)
    assert alerts["wow_drop"].severity == "warning"
    assert result.status == "warning"


def test_critical_level():
    result, alerts = one("reach", [15000, 16000, 15500, 16800, 16200, 9000])
    assert alerts["wow_drop"].severity == "critical"
    assert result.status == "critical"


def test_thresholds_are_tunable_per_metric():
    values = [15000, 16000, 15500, 16800, 16200, 12500]
    _, alerts = one("reach", values, thresholds={"reach": Thresholds(10, 20)})
    assert alerts["wow_drop"].severity == "critical"
    _, alerts = one("reach", values, thresholds={"reach": Thresholds(30, 50)})
    assert "wow_drop" not in alerts


def test_lower_is_better_rise_is_the_decline():
    result, alerts = one("cpl", [300, 310, 305, 300, 310, 400])
    assert result.direction is Direction.LOWER
    assert alerts["wow_drop"].severity == "warning"
    _, alerts = one("cpl", [420, 410, 430, 415, 420, 300])  # cheaper leads: good news
    assert not alerts


def test_one_week_spike_then_back_to_normal_does_not_alert():
    result, alerts = one("reach", [10000, 10200, 9900, 10100, 25000, 10000])
    assert result.wow_pct == pytest.approx(-60)
    assert not alerts
    assert result.status == "ok"


def test_spike_week_itself_is_not_a_decline():
    _, alerts = one("reach", [10000, 10200, 9900, 10100, 10000, 25000])
    assert not alerts


def test_no_decline_alerts_before_three_weeks():
    _, alerts = one("reach", [16000, 8000])
    assert not alerts
    _, alerts = one("reach", [16000, 16500, 8000])
    assert "wow_drop" in alerts


def test_tiny_base_is_ignored():
    result, alerts = one("leads", [4, 5, 4, 3, 4, 2])
    assert result.wow_pct == -50
    assert not alerts
    _, alerts = one("leads", [40, 50, 40, 30, 40, 20])
    assert "wow_drop" in alerts


def test_neutral_metrics_never_alert():
    for values in ([5000, 5000, 5000, 5000, 5000, 500], [10000 * 0.9 ** i for i in range(12)]):
        result, alerts = one("spend", values)
        assert not alerts and result.status == "ok"
    result, alerts = one("posts", [6, 6, 6, 6, 6, 1])
    assert not alerts and result.streak == 0


def test_custom_metric_is_higher_is_better():
    s = series_for("звонки", weeks(3), [10, 12, 14])
    assert s.direction is Direction.HIGHER and s.name_ru == s.name_en == "звонки"
    _, alerts = one("звонки", [40, 42, 41, 40, 20])
    assert "wow_drop" in alerts


def test_streak_of_three_worsening_steps():
    result, alerts = one("comments", [100, 100, 92, 85, 78])
    assert result.streak == 3
    assert alerts["streak"].severity == "warning"
    assert alerts["streak"].params["steps"] == 3
    result, alerts = one("comments", [100, 100, 92, 85])
    assert result.streak == 2 and "streak" not in alerts


def test_streak_of_wobbles_is_not_worth_a_sentence():
    result, alerts = one("followers", [3400, 3399, 3398, 3397])
    assert result.streak == 3 and not alerts


def test_slow_steady_decline_alerts_by_trend():
    values = [10000 * 0.97 ** i for i in range(12)]
    result, alerts = one("reach", values)
    assert "wow_drop" not in alerts  # −3 % a week never crosses the weekly threshold
    assert result.trend is not None and result.trend.direction == "down"
    assert result.trend.slope_pct_per_week == pytest.approx(-3, abs=0.5)
    assert result.trend.p_value < 0.001
    assert alerts["trend"].severity == "warning"
    assert result.streak == 11
    assert result.status == "warning"


def test_trend_needs_six_points():
    result, _ = one("reach", [1000, 970, 941, 913, 885])
    assert result.trend is None
    result, _ = one("reach", [1000, 970, 941, 913, 885, 859])
    assert result.trend is not None


def test_rising_cost_trend_is_a_decline_and_growth_is_not():
    _, alerts = one("cpl", [300 * 1.03 ** i for i in range(10)])
    assert "trend" in alerts
    _, alerts = one("reach", [1000 * 1.05 ** i for i in range(10)])
    assert not alerts


def test_flat_history_mad_zero():
    result, alerts = one("reach", [5000] * 8)
    assert not alerts and result.status == "ok"
    _, alerts = one("reach", [5000] * 7 + [4900])  # −2 %: MAD = 0 must not make it infinite
    assert not alerts
    _, alerts = one("reach", [5000] * 7 + [3000])
    assert alerts["wow_drop"].severity == "critical"


def test_outlier_in_a_stable_series():
    result, alerts = one("unfollows", [100, 101, 99, 100, 100, 101, 99, 115])
    assert result.wow_pct < 20  # not a weekly drop by the thresholds
    assert alerts["outlier"].params["z"] > 3.5
    _, alerts = one("unfollows", [100, 101, 99, 100, 100, 101, 99, 85])  # fewer unfollows
    assert not alerts


def test_outlier_mad_zero_with_some_spread_uses_mean_absolute_deviation():
    _, alerts = one("unfollows", [100, 100, 100, 100, 100, 104, 100, 118])
    assert "outlier" in alerts


def test_gaps_are_bridged():
    result, alerts = one("reach", [15000, None, 15500, 16800, None, 12000])
    assert result.previous == 16800
    assert result.points == 4
    assert "wow_drop" in alerts
    result, alerts = one("reach", [15000, None, None, None, None, 12000])
    assert result.points == 2 and not alerts


def test_missing_last_week():
    result, alerts = one("reach", [15000, 16000, None])
    assert result.status == "no_data" and result.last is None
    assert alerts["missing"].params["week"] == weeks(3)[-1].isoformat()
    assert alerts["missing"].severity == "warning"


def test_missing_when_series_stops_early_and_current_week_is_ignored():
    s = series_for("reach", weeks(4), [1, 2, 3, 4])
    result = analyze({"reach": s}, current_week=weeks(4)[-1] + timedelta(weeks=2))
    assert result.metrics["reach"].status == "no_data"
    # The current week (still being filled in) is not judged.
    result = analyze({"reach": s}, current_week=weeks(4)[-1])
    assert result.metrics["reach"].last == 3
    assert result.weeks == weeks(3)


def test_below_target_higher_is_better():
    result, alerts = one("leads", [40, 42, 41], target=50)
    assert alerts["below_target"].params["target"] == 50
    assert result.target_progress_pct == pytest.approx(82, abs=0.01)
    _, alerts = one("leads", [40, 42, 55], target=50)
    assert "below_target" not in alerts


def test_below_target_lower_is_better_is_a_ceiling():
    _, alerts = one("cpl", [300, 310, 380], target=350)
    assert alerts["below_target"].params["ceiling"] is True
    _, alerts = one("cpl", [300, 310, 320], target=350)
    assert "below_target" not in alerts


def test_cause_posts_fell_same_week_as_reach():
    ws = weeks(6)
    reach = series_for("reach", ws, [15000, 16000, 15500, 16800, 16200, 12500])
    posts = series_for("posts", ws, [6, 6, 7, 6, 6, 3])
    spend = series_for("spend", ws, [5000] * 6)
    analysis = run(reach, posts, spend)
    alert = analysis.metrics["reach"].alerts[0]
    assert [c.metric for c in alert.causes] == ["posts"]
    assert alert.causes[0].relation == "down"
    assert not analysis.metrics["posts"].alerts
    ru = alert_message(alert, reach, "ru")
    assert "постов стало меньше (3 против 6)" in ru
    assert ru.startswith("Охват упал на 23" + NBSP + "% за неделю (12" + NBSP + "500 против 16"
                         + NBSP + "200)")
    assert "likely because fewer posts were published (3 vs 6)" in alert_message(alert, reach,
                                                                                   "en")


def test_er_up_because_reach_collapsed_is_a_note_not_praise():
    ws = weeks(5)
    reach = series_for("reach", ws, [10000, 10500, 9800, 10200, 5000])
    er = series_for("er_reach", ws, [4.0, 4.1, 4.2, 4.0, 6.5])
    analysis = run(reach, er)
    kinds = [a.kind for a in analysis.metrics["er_reach"].alerts]
    assert kinds == ["rate_denominator"]
    message = alert_message(analysis.metrics["er_reach"].alerts[0], er, "en")
    assert "only because reach fell (5,000 vs 10,200)" in message


def test_er_down_when_reach_grew_is_dilution():
    ws = weeks(5)
    reach = series_for("reach", ws, [10000, 10500, 9800, 10200, 20000])
    er = series_for("er_reach", ws, [4.0, 4.1, 4.2, 4.0, 2.5])
    alert = run(reach, er).metrics["er_reach"].alerts[0]
    assert alert.kind == "wow_drop"
    assert alert.causes == [Cause("reach", "up", 20000, 10200, pytest.approx(96.08, abs=0.01))]
    assert "новая аудитория" in alert_message(alert, er, "ru")


def test_rate_with_a_tiny_denominator_is_not_judged():
    ws = weeks(5)
    reach = series_for("reach", ws, [60, 50, 70, 60, 40])
    er = series_for("er_reach", ws, [10.0, 12.0, 11.0, 10.0, 5.0])
    assert not run(reach, er).metrics["er_reach"].alerts


def test_cpl_rising_because_leads_fell():
    ws = weeks(5)
    spend = series_for("spend", ws, [15000] * 5)
    leads = series_for("leads", ws, [50, 52, 48, 50, 30])
    cpl = series_for("cpl", ws, [300, 288, 312, 300, 500])
    analysis = run(spend, leads, cpl)
    alert = analysis.metrics["cpl"].alerts[0]
    assert alert.kind == "wow_drop" and [c.metric for c in alert.causes] == ["leads"]
    assert "лиды упали (30 против 50)" in alert_message(alert, cpl, "ru")


# --- output --------------------------------------------------------------------------------


def test_to_json_schema():
    ws = weeks(6)
    analysis = run(series_for("reach", ws, [15000, 16000, 15500, 16800, 16200, 12500]),
                   series_for("cpl", ws, [1, 1, 1, 1, 1, None]))
    doc = to_json(analysis, "en")
    assert doc["weeks"] == [w.isoformat() for w in ws]
    reach = doc["metrics"]["reach"]
    assert list(reach)[:6] == ["last", "previous", "wow_pct", "direction", "status", "alerts"]
    assert reach["last"] == 12500.0 and reach["previous"] == 16200.0
    assert reach["wow_pct"] == -22.84
    assert reach["direction"] == "higher_is_better" and reach["status"] == "warning"
    assert reach["alerts"] == [{"kind": "wow_drop", "severity": "warning",
                                "message": reach["alerts"][0]["message"]}]
    assert reach["alerts"][0]["message"].startswith("Reach fell 23% week over week")
    cpl = doc["metrics"]["cpl"]
    assert cpl["last"] is None and cpl["wow_pct"] is None and cpl["status"] == "no_data"
    assert cpl["direction"] == "lower_is_better"
    json.dumps(doc)


ALL_KINDS = {
    "wow_drop": {"value": 12500.0, "previous": 16200.0, "wow_pct": -22.8, "baseline": 15800.0,
                 "vs_baseline_pct": -20.9},
    "below_baseline": {"value": 12500.0, "previous": 12600.0, "wow_pct": -0.8,
                       "baseline": 15800.0, "vs_baseline_pct": -20.9},
    "streak": {"steps": 3, "start": 100.0, "value": 78.0, "change_pct": -22.0},
    "outlier": {"value": 115.0, "median": 100.0, "z": 13.5, "vs_median_pct": 15.0},
    "trend": {"slope_pct": -3.05, "p_value": 0.0004, "weeks": 12},
    "below_target": {"value": 41.0, "target": 50.0, "gap_pct": -18.0, "ceiling": False},
    "missing": {"week": "2026-11-23", "entered": True},
    "level_shift": {"value": 5400.0, "before": 7500.0, "after": 5400.0, "since": "2026-11-09",
                    "change_pct": -28.0, "weeks": 3, "missing": ["2026-11-16"]},
    "count_drop": {"value": 0.0, "previous": 9.0, "rate": 10.2, "low": 5, "high": 16,
                   "p_value": 0.00004, "higher": True},
    "rate_denominator": {"value": 6.5, "previous": 4.1, "wow_pct": 58.0, "denominator": "reach",
                         "denominator_last": 5000.0, "denominator_previous": 10200.0,
                         "denominator_pct": -51.0},
}


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
@pytest.mark.parametrize("metric", ["reach", "revenue", "leads", "cpl", "er_reach", "мой <KPI>"])
def test_every_kind_has_a_sentence_in_both_languages(kind, lang, metric):
    alert = Alert(kind, "warning", ALL_KINDS[kind],
                  causes=[Cause("posts", "down", 3, 6, -50), Cause("clicks", "down", 1, 2, -50)])
    text = alert_message(alert, metric, lang)
    assert text.endswith(".") and len(text) > 30
    assert "{" not in text and "alert-" not in text
    assert "<KPI>" not in text  # user text is escaped for Telegram HTML


def test_russian_verbs_agree_with_the_metric():
    alert = Alert("wow_drop", "warning", ALL_KINDS["wow_drop"])
    assert alert_message(alert, "revenue", "ru").startswith("Выручка упала")
    assert alert_message(alert, "leads", "ru").startswith("Лиды упали")
    assert alert_message(alert, "звонки", "ru").startswith("Показатель «звонки» упал")
    assert alert_message(alert, "reach", "en").startswith("Reach fell")


def test_missing_message_for_computed_metric():
    s = MetricSeries("cpl", "CPL", "CPL", Direction.LOWER, weeks(2), [1.0, None], entered=False)
    alert = run(s).metrics["cpl"].alerts[0]
    assert "не посчитать" in alert_message(alert, s, "ru")


def test_alert_keys_exist_in_both_catalogues():
    for lang in ("ru", "en"):
        assert get_translator(lang).has("alert-wow_drop")


# --- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "lang", "unit", "compact", "expected"), [
    (12500, "ru", "count", False, "12 500"),
    (12500, "en", "count", False, "12,500"),
    (12500, "ru", "count", True, "12,5 тыс."),
    (12500, "en", "count", True, "12.5K"),
    (1_200_000, "ru", "count", True, "1,2 млн"),
    (1_234_567, "en", "count", True, "1.2M"),
    (999, "en", "count", True, "999"),
    (4.2, "ru", "percent", False, "4,2 %"),
    (4.2, "en", "percent", False, "4.2%"),
    (12.0, "en", "percent", False, "12%"),
    (345.5, "ru", "money", False, "346"),
    (45.5, "en", "money", False, "45.50"),
    (45.0, "en", "money", False, "45"),
    (3.14159, "en", "count", False, "3.14"),
    (-20, "en", "percent", False, "−20%"),
])
def test_format_number(value, lang, unit, compact, expected):
    assert format_number(value, lang, unit, compact) == expected.replace(" ", NBSP)


@pytest.mark.parametrize(("pct", "lang", "expected"), [
    (12.3, "ru", "+12 %"), (-8.5, "ru", "−8,5 %"), (12.3, "en", "+12%"), (-8.5, "en", "−8.5%"),
    (0.01, "en", "0%"), (None, "en", "—"),
])
def test_format_change_pct(pct, lang, expected):
    assert format_change_pct(pct, lang) == expected.replace(" ", NBSP)


# --- robustness ----------------------------------------------------------------------------

values_strategy = st.lists(st.one_of(st.none(), st.sampled_from([0.0, 1.0, 5.0]),
                                     st.floats(0, 1e7, allow_nan=False)), min_size=1, max_size=14)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(["reach", "cpl", "er_reach", "spend", "leads", "custom"]),
       values=values_strategy, den=values_strategy,
       target=st.one_of(st.none(), st.just(0.0), st.floats(0.1, 1e6)))
def test_any_series_analyses_and_renders(key, values, den, target):
    n = len(values)
    series = {key: series_for(key, weeks(n), values, target=target),
              "reach_ctx": series_for("reach", weeks(len(den)), den)}
    series["reach"] = series.pop("reach_ctx") if key != "reach" else series[key]
    analysis = analyze(series, current_week=weeks(n)[-1] + timedelta(weeks=1))
    for lang in ("ru", "en"):
        doc = to_json(analysis, lang)
        for item in doc["metrics"].values():
            assert item["status"] in {"ok", "warning", "critical", "no_data"}
            for alert in item["alerts"]:
                assert alert["message"].endswith(".")


def test_english_verbs_agree_with_plural_metric_names() -> None:
    below = Alert("below_baseline", "warning", {"wow_pct": -30, "vs_baseline_pct": -25,
                                                "value": 10, "previous": 15, "baseline": 14})
    assert alert_message(below, "leads", "en").startswith("Leads are 25% below")
    assert alert_message(below, "reach", "en").startswith("Reach is 25% below")
    target = Alert("below_target", "warning", {"value": 10, "target": 20})
    assert alert_message(target, "followers", "en").startswith("Followers are below target")
    assert alert_message(target, "cpl", "en").startswith("CPL is below target")
