"""Formula KPIs computed over a project's weeks, and experiment verdicts as message lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.i18n import Translator
from kpi import expressions
from kpi.experiments import Status, Verdict, verdict
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import format_week
from storage.models import Experiment, FormulaKpi


def compiled(formulas: Sequence[FormulaKpi], custom: Sequence[str] = ()
             ) -> list[tuple[FormulaKpi, expressions.Expr]]:
    """The formulas that still parse (a stored one whose custom metric was removed is skipped)."""
    result = []
    for kpi in formulas:
        try:
            result.append((kpi, expressions.parse(kpi.formula, custom)))
        except expressions.ExpressionError:
            continue
    return result


def formula_values(formulas: Sequence[tuple[FormulaKpi, expressions.Expr]],
                   values: Mapping[str, float]) -> dict[str, float]:
    """Each formula KPI the week's values (entered and derived) allow; missing → left out."""
    result: dict[str, float] = {}
    for kpi, tree in formulas:
        value = expressions.evaluate(tree, values)
        if value is not None:
            result[kpi.name] = value
    return result


def verdict_for(experiment: Experiment, table: Mapping[date, Mapping[str, float]]) -> Verdict:
    series = {week: values[experiment.metric] for week, values in table.items()
              if experiment.metric in values}
    return verdict(series, experiment.start_week, experiment.end_week,
                   want_up=experiment.want_up)


def verdict_line(experiment: Experiment, result: Verdict, t: Translator, metric_name: str
                 ) -> str:
    """One line for /experiment and the digest (user text escaped by the translator)."""
    head = t("experiment-line-head", name=experiment.name, metric=metric_name,
             arrow="↑" if experiment.want_up else "↓",
             start=format_week(experiment.start_week, t.lang))
    if result.status is Status.WAITING:
        tail = t("experiment-waiting", weeks=result.weeks_after, needed=4)
    elif result.status is Status.NO_HISTORY:
        tail = t("experiment-no-history", weeks=result.weeks_before, needed=6)
    else:
        tail = t(f"experiment-verdict-{result.status.value}",
                 before=format_number(result.before, t.lang),
                 after=format_number(result.after, t.lang),
                 change=format_change_pct(result.change_pct, t.lang),
                 low=format_change_pct(result.low_pct, t.lang),
                 high=format_change_pct(result.high_pct, t.lang),
                 weeks=result.weeks_after)
    return f"{head} {tail}"
