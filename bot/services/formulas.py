"""Formula KPIs (the user's own, kpi.expressions) computed over a week's values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpi import expressions
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
