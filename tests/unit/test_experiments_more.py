"""Pure parts of issue 14's leftovers: formula rows in an export and back, naming a formula KPI
in /alerts, the --formula option of analyze (property-tested), and the button checksum."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.analyze_cli import parse_formula_option
from bot.config import ConfigError
from bot.services.exporting import with_formula_rows
from bot.services.formulas import resolve_alert_metric
from handlers.experiments_manage import name_check
from kpi import expressions
from kpi.catalogue import Direction
from kpi.exporting import FORMULA_SOURCE, ExportRow, export_csv
from kpi.importing import read_import

W1, W2 = date(2026, 11, 2), date(2026, 11, 9)
TODAY = date(2026, 12, 2)


def row(week: date, metric: str, value: float, source: str = "") -> ExportRow:
    return ExportRow("Shop", week, metric, value, source)


def test_formula_rows_follow_their_week_and_an_import_skips_them():
    stored = [row(W1, "clicks", 300), row(W1, "leads", 12), row(W2, "reach", 1000)]
    computed = [row(W1, "=Clicks per lead", 25, FORMULA_SOURCE),
                row(W2, "Reach x2", 2000, FORMULA_SOURCE)]
    rows = with_formula_rows(stored, computed)
    assert [(r.week_start, r.metric) for r in rows] == [
        (W1, "clicks"), (W1, "leads"), (W1, "=Clicks per lead"), (W2, "reach"), (W2, "Reach x2")]
    result = read_import(export_csv(rows), "shop-kpi.csv", today=TODAY)
    assert sorted((v.week_start, v.metric, v.value) for v in result.values) == [
        (W1, "clicks", 300), (W1, "leads", 12), (W2, "reach", 1000)]
    assert [reason for _, reason in result.ignored_rows] == ["computed", "computed"]


def test_a_formula_named_like_a_metric_is_still_skipped_when_exported_as_one():
    rows = [row(W1, "reach", 10), row(W1, "reach", 99, FORMULA_SOURCE)]
    result = read_import(export_csv(rows), "x.csv", today=TODAY)
    assert [(v.metric, v.value) for v in result.values] == [("reach", 10)]


def test_resolve_alert_metric_by_key_alias_or_formula_name():
    metrics = ["reach", "leads", "Weighted ER", "AOV <₽>"]
    assert resolve_alert_metric("охват", metrics) == "reach"
    assert resolve_alert_metric("weighted   er", metrics) == "Weighted ER"
    assert resolve_alert_metric("aov <₽>", metrics) == "AOV <₽>"
    assert resolve_alert_metric("clicks", metrics) is None  # a metric, but not one watched
    assert resolve_alert_metric("nothing", metrics) is None


def test_name_check_tells_names_apart_and_fits_the_callback():
    assert name_check("AOV") == name_check("AOV")
    assert name_check("AOV") != name_check("AOV ")
    assert 0 <= name_check("Взвешенный ER" * 3) < 2**16


NAMES = st.text(st.characters(blacklist_characters="=", blacklist_categories=("Cs", "Cc")),
                min_size=1, max_size=20).filter(lambda s: s.strip())
METRICS = st.sampled_from(["likes", "comments", "reach", "охват", "revenue", "orders"])


@st.composite
def formulas(draw) -> str:
    parts = [draw(METRICS)]
    for _ in range(draw(st.integers(0, 3))):
        parts += [draw(st.sampled_from(["+", "-", "*", "/", ":"])), draw(METRICS)]
    return " ".join(parts)


@given(NAMES, formulas(), st.sampled_from(["", ":up", ":down", ":neutral", " : вниз"]))
def test_option_round_trip(name, formula, suffix):
    parsed = parse_formula_option(f"{name}={formula}{suffix}", "en")
    assert parsed.name == " ".join(name.split())
    assert parsed.tree == expressions.parse(formula)
    expected = {"": Direction.HIGHER, ":up": Direction.HIGHER, ":down": Direction.LOWER,
                ":neutral": Direction.NEUTRAL, " : вниз": Direction.LOWER}[suffix]
    assert parsed.direction is expected


@given(st.text(max_size=60))
def test_any_option_parses_or_is_a_config_error(text):
    try:
        parse_formula_option(text, "ru")
    except ConfigError as error:
        assert str(error).startswith("--formula ") and "\n" not in str(error).replace(text, "")


# 1-based; a formula that ends too early points just after its last character.
@pytest.mark.parametrize(("option", "position"), [("w=likes + +", 12), ("weighted=(reach", 10),
                                                  ("w=likes * foo:up", 11)])
def test_the_position_counts_from_the_start_of_the_option(option, position):
    with pytest.raises(ConfigError, match=rf"at character {position}\)"):
        parse_formula_option(option, "en")
