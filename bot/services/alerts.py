"""The domain's alert sentences in a language code: kpi/ gets the translator, the bot knows
which one."""

from __future__ import annotations

from bot.i18n import get_translator
from kpi import alerts_text, analysis
from kpi.analysis import Alert, Analysis, MetricSeries


def alert_message(alert: Alert, metric: MetricSeries | str, lang: str, *,
                  with_next: bool = False) -> str:
    return alerts_text.alert_message(alert, metric, get_translator(lang), with_next=with_next)


def to_json(result: Analysis, lang: str) -> dict:
    return analysis.to_json(result, get_translator(lang))
