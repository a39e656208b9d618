"""Formula KPIs (the user's own, kpi.expressions) computed over a week's values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpi import catalogue, expressions
from storage.base import Storage
from storage.models import FormulaKpi


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


async def alert_metrics(storage: Storage, project_id: int) -> list[str]:
    """What decline alerts watch: the project's KPIs, then its formula KPIs (by name).

    The order is the one /alerts shows and its acknowledge buttons index into."""
    metrics = [k.metric for k in await storage.get_kpis(project_id)]
    return metrics + [f.name for f in await storage.get_formula_kpis(project_id)
                      if f.name not in metrics]


def resolve_alert_metric(name: str, metrics: Sequence[str]) -> str | None:
    """A KPI or formula KPI of `metrics` named by key, alias, custom or formula name."""
    key = catalogue.resolve(name, [m for m in metrics if catalogue.is_custom(m)])
    if key in metrics:
        return key
    folded = " ".join(name.split()).casefold()
    return next((m for m in metrics if m.casefold() == folded), None)
