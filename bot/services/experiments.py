"""Experiment verdicts as message lines, for /experiment and the digest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.i18n import Translator
from bot.services.history import weekly_table
from kpi import catalogue
from kpi.experiments import Status, Verdict, verdict
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import format_week
from storage.base import Storage
from storage.models import Experiment


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


def metric_name(key: str, lang: str) -> str:
    metric = catalogue.get(key)
    return metric.name(lang) if metric else key


async def experiment_lines(storage: Storage, project_id: int, t: Translator) -> list[str]:
    """Every experiment of the project with its verdict so far, newest first."""
    experiments = await storage.get_experiments(project_id)
    if not experiments:
        return []
    table = {row.week_start: row.values for row in await weekly_table(storage, project_id)}
    return ["• " + verdict_line(e, verdict_for(e, table), t, metric_name(e.metric, t.lang))
            for e in experiments]
