"""`smm-kpi-bot analyze FILE --formula "name=expr[:dir]"`: formula KPIs over a file, no project."""

from __future__ import annotations

import json

import pytest

from bot.analyze_cli import parse_formula_option
from bot.cli import main
from bot.config import ConfigError
from kpi.catalogue import Direction

ROWS = [(400, 50, 10000), (410, 52, 10100), (395, 49, 9900), (420, 55, 10200), (405, 51, 10050),
        (300, 20, 10000)]


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "weeks.csv"
    lines = ["week_start,likes,comments,reach"] + [
        f"2026-09-{7 + 7 * i:02d},{likes},{comments},{reach}" if i < 4 else
        f"2026-10-{5 + 7 * (i - 4):02d},{likes},{comments},{reach}"
        for i, (likes, comments, reach) in enumerate(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_json(capsys, path, *formulas: str) -> dict:
    argv = ["analyze", str(path), "--json", "--lang", "en"]
    for formula in formulas:
        argv += ["--formula", formula]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_formulas_are_metrics_in_json_with_their_direction(capsys, sample):
    report = run_json(capsys, sample, "weighted=(likes+comments*2)/reach*100:up",
                      "reach per like = reach / likes : down")
    weighted, per_like = report["metrics"]["weighted"], report["metrics"]["reach per like"]
    likes, comments, reach = ROWS[-1]
    assert weighted["last"] == pytest.approx((likes + comments * 2) / reach * 100)
    assert weighted["previous"] == pytest.approx((405 + 51 * 2) / 10050 * 100)
    assert weighted["direction"] == "higher_is_better" and weighted["status"] != "ok"
    assert per_like["direction"] == "lower_is_better"
    # The same rise is bad for a lower-is-better formula; here reach per like rose 34 %.
    assert per_like["last"] == pytest.approx(reach / likes) and per_like["status"] != "ok"
    assert list(report["metrics"])[-2:] == ["weighted", "reach per like"]


def test_a_colon_before_a_metric_is_a_division(capsys, sample):
    report = run_json(capsys, sample, "r=reach:likes")
    assert report["metrics"]["r"]["last"] == pytest.approx(10000 / 300)
    assert report["metrics"]["r"]["direction"] == "higher_is_better"


def test_missing_input_leaves_the_week_empty(capsys, sample):
    report = run_json(capsys, sample, "aov=revenue/orders", "z=likes/(reach-reach)")
    assert report["metrics"]["aov"]["last"] is None
    assert report["metrics"]["aov"]["status"] == "no_data"
    assert report["metrics"]["z"]["last"] is None  # division by zero: "—", never a crash


@pytest.mark.parametrize(("option", "needle"), [
    ("w=(likes+foo)/reach", "I don't know the metric \"foo\". (at character 10)"),
    ("w=(likes+2", "never closed. (at character 3)"),
    ("nameonly", "name=formula"),
    ("=likes", "name=formula"),
])
def test_a_bad_formula_is_exit_code_2_with_its_position(capsys, sample, option, needle):
    assert main(["analyze", str(sample), "--lang", "en", "--formula", option]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert needle in captured.err and captured.err.count("\n") == 1


def test_two_formulas_with_one_name_are_refused(capsys, sample):
    assert main(["analyze", str(sample), "--formula", "a=likes", "--formula", "a=reach"]) == 2


def test_parse_formula_option_directions():
    assert parse_formula_option("x=likes:neutral", "ru").direction is Direction.NEUTRAL
    assert parse_formula_option("x=likes : вниз", "ru").direction is Direction.LOWER
    assert parse_formula_option("x=likes", "en").direction is Direction.HIGHER
    with pytest.raises(ConfigError):
        parse_formula_option("x=likes:sideways", "en")  # "sideways" is no metric either
