"""`smm-kpi-bot analyze FILE [--json] [--lang ru|en]`: the digest's analysis over a file."""

from __future__ import annotations

import html
import json
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.config import ConfigError
from bot.i18n import get_translator
from kpi import catalogue, expressions
from kpi.analysis import analyze, series_for, to_json
from kpi.breakdown import Part, breakdown_json, project_totals, segment_weeks
from kpi.catalogue import Direction
from kpi.formatting import format_change_pct, format_number
from kpi.formulas import derived_series
from kpi.importing import ImportProblem, read_import

DIRECTION_WORDS = {"up": Direction.HIGHER, "down": Direction.LOWER, "neutral": Direction.NEUTRAL,
                   "вверх": Direction.HIGHER, "вниз": Direction.LOWER,
                   "нейтрально": Direction.NEUTRAL}
_DIRECTION_SUFFIX = re.compile(r":\s*(\w+)\s*$")


@dataclass(frozen=True, slots=True)
class CliFormula:
    name: str
    tree: expressions.Expr
    direction: Direction


def parse_formula_option(text: str, lang: str) -> CliFormula:
    """`--formula "name=expr[:up|down|neutral]"` (a `:` before another word is a division).

    A bad one is a ConfigError (exit code 2) naming the problem and its character position."""
    t = get_translator(lang)
    name, sep, formula = text.partition("=")
    name = " ".join(name.split())
    if not sep or not name:
        raise ConfigError(f"--formula {text!r}: {strip_html(t('analyze-formula-usage'))}")
    direction = Direction.HIGHER
    suffix = _DIRECTION_SUFFIX.search(formula)
    if suffix and suffix.group(1).casefold() in DIRECTION_WORDS:
        direction = DIRECTION_WORDS[suffix.group(1).casefold()]
        formula = formula[: suffix.start()]
    try:
        tree = expressions.parse(formula)
    except expressions.ExpressionError as error:
        args = dict(error.args_)
        if "expected" in args:
            args["expected"] = t(f"expr-what-{args['expected']}")
        offset = len(text) - len(text.partition("=")[2]) + error.position  # in the whole option
        where = strip_html(t("analyze-formula-position", position=offset + 1))
        raise ConfigError(f"--formula {text!r}: {strip_html(t(error.key, **args))} ({where})"
                          ) from None
    return CliFormula(name, tree, direction)


def analyze_file(path: Path, lang: str, today: date | None = None,
                 formulas: Sequence[CliFormula] = ()) -> dict:
    today = today or datetime.now(UTC).date()
    result = read_import(path.read_bytes(), path.name, today=today)
    parts = [Part(v.week_start, v.metric, v.value, v.network, v.campaign, v.approximate)
             for v in result.values]
    weeks: dict[date, dict[str, float]] = defaultdict(dict)
    for (week, metric), total in project_totals(parts).items():
        weeks[week][metric] = total.value
    for week, derived in derived_series(weeks).items():
        for key, item in derived.items():
            weeks[week].setdefault(key, item.value)
    for values in weeks.values():  # after the derived KPIs, which formulas may use
        computed = {f.name: expressions.evaluate(f.tree, values) for f in formulas}
        values.update({name: value for name, value in computed.items() if value is not None})
    first, last = min(weeks), max(weeks)
    week_list = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    metrics = [k for k in catalogue.METRICS if any(k in weeks[w] for w in weeks)]
    metrics += sorted({m for w in weeks.values() for m in w} - set(metrics)
                      - {f.name for f in formulas})
    metrics += [f.name for f in formulas if f.name not in metrics]
    directions = {f.name: f.direction for f in formulas}
    series = {key: series_for(key, week_list, [weeks.get(w, {}).get(key) for w in week_list])
              for key in metrics}
    for name, direction in directions.items():  # judged the way the option says
        series[name] = replace(series[name], direction=direction)
    # The file's last week is the one being judged, as a digest judges the week just ended.
    analysis = analyze(series, current_week=last + timedelta(weeks=1))
    report = to_json(analysis, get_translator(lang))
    # Sentences are written for Telegram's HTML; a terminal or a script wants plain text.
    for item in report["metrics"].values():
        for alert in item["alerts"]:
            alert["message"] = strip_html(alert["message"])
    # Each metric's networks and campaigns in the judged week (empty without such columns).
    segments = segment_weeks(parts)
    for key, item in report["metrics"].items():
        item["breakdown"] = breakdown_json(segments, key, last, last - timedelta(weeks=1))
    return report


def print_text(report: dict, lang: str) -> None:
    t = get_translator(lang)
    print(t("analyze-weeks", first=report["weeks"][0], last=report["weeks"][-1],
            count=len(report["weeks"])))
    for key, item in report["metrics"].items():
        metric = catalogue.get(key)
        name = metric.name(lang) if metric else key
        unit = metric.unit.value if metric else "count"
        last = "—" if item["last"] is None else format_number(item["last"], lang, unit)
        change = "" if item["wow_pct"] is None else f" ({format_change_pct(item['wow_pct'], lang)})"
        print(f"[{t('status-' + item['status'])}] {name}: {last}{change}")
        for alert in item["alerts"]:
            print(f"    - {alert['message']}")


def run_analyze(file: str, *, as_json: bool, lang: str, formulas: Sequence[str] = ()) -> int:
    parsed = [parse_formula_option(text, lang) for text in formulas]
    names = [f.name for f in parsed]
    if len(set(names)) < len(names):
        raise ConfigError("--formula: two formulas with the same name")
    path = Path(file)
    if not path.is_file():
        raise ConfigError(f"no such file: {file}")
    try:
        report = analyze_file(path, lang, formulas=parsed)
    except ImportProblem as problem:
        t = get_translator(lang)
        print(f"smm-kpi-bot: {strip_html(t('import-error-' + problem.code, **problem.params))}",
              file=sys.stderr)
        return 1
    if as_json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_text(report, lang)
    return 0


def strip_html(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))
