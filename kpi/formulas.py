"""Derived KPIs computed from a week's raw counts (kpi-reference.md, "Derived KPIs").

A ratio whose denominator is missing, zero or negative is absent — never 0 or infinity.
A derived KPI the user typed for the week (a key already in `current`) is not computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

INTERACTION_KEYS = ("likes", "comments", "shares", "saves")


@dataclass(frozen=True, slots=True)
class Derived:
    key: str
    value: float
    inputs: tuple[str, ...]  # the base metrics it was computed from


def interactions(values: Mapping[str, float]) -> float | None:
    """likes + comments + shares + saves, the components present; None when none is."""
    present = [values[k] for k in INTERACTION_KEYS if k in values]
    return sum(present) if present else None


def _interaction_keys(values: Mapping[str, float]) -> tuple[str, ...]:
    return tuple(k for k in INTERACTION_KEYS if k in values)


def _ratio(numerator: float | None, denominator: float | None, scale: float = 100.0
           ) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    result = numerator / denominator * scale
    return result if math.isfinite(result) else None


def start_followers(values: Mapping[str, float]) -> float | None:
    """Followers at the start of the week from the week's flows: followers − new + unfollows."""
    if not all(k in values for k in ("followers", "new_followers", "unfollows")):
        return None
    return values["followers"] - values["new_followers"] + values["unfollows"]


def _ratio_kpis(cur: Mapping[str, float]) -> dict[str, tuple[float | None, tuple[str, ...]]]:
    """Each same-week ratio KPI as (value or None, inputs)."""
    inter, inter_keys = interactions(cur), _interaction_keys(cur)
    get = cur.get
    spend, revenue = get("spend"), get("revenue")
    return {
        "er_reach": (_ratio(inter, get("reach")), (*inter_keys, "reach")),
        "er_followers": (_ratio(inter, get("followers")), (*inter_keys, "followers")),
        "er_views": (_ratio(inter, get("views")), (*inter_keys, "views")),
        "reach_rate": (_ratio(get("reach"), get("followers")), ("reach", "followers")),
        "virality": (_ratio(get("shares"), get("reach")), ("shares", "reach")),
        "ctr": (_ratio(get("clicks"), get("impressions")), ("clicks", "impressions")),
        "cpc": (_ratio(spend, get("clicks"), 1), ("spend", "clicks")),
        "cpm": (_ratio(spend, get("impressions"), 1000), ("spend", "impressions")),
        "cpl": (_ratio(spend, get("leads"), 1), ("spend", "leads")),
        "cpa": (_ratio(spend, get("orders"), 1), ("spend", "orders")),
        "cr_click_lead": (_ratio(get("leads"), get("clicks")), ("leads", "clicks")),
        "cr_lead_sale": (_ratio(get("orders"), get("leads")), ("orders", "leads")),
        "romi": (_ratio(None if revenue is None or spend is None else revenue - spend, spend),
                 ("revenue", "spend")),
        "drr": (_ratio(spend, revenue), ("spend", "revenue")),
    }


def _follower_growth(cur: Mapping[str, float], prev: Mapping[str, float]
                     ) -> tuple[float | None, tuple[str, ...]]:
    """From followers against last week's; else from the week's flows against its start."""
    followers, previous = cur.get("followers"), prev.get("followers")
    if followers is not None and previous is not None:
        return _ratio(followers - previous, previous), ("followers",)
    start = start_followers(cur)
    if start is None:
        return None, ()
    net = cur["new_followers"] - cur["unfollows"]
    return _ratio(net, start), ("new_followers", "unfollows", "followers")


def _churn(cur: Mapping[str, float], prev: Mapping[str, float]
           ) -> tuple[float | None, tuple[str, ...]]:
    """Unfollows against last week's followers; else against the week's start followers."""
    unfollows = cur.get("unfollows")
    if unfollows is None:
        return None, ()
    if prev.get("followers") is not None:
        return _ratio(unfollows, prev["followers"]), ("unfollows", "followers")
    return _ratio(unfollows, start_followers(cur)), ("unfollows", "new_followers", "followers")


_WEEK_OVER_WEEK: dict[str, Callable[[Mapping[str, float], Mapping[str, float]],
                                    tuple[float | None, tuple[str, ...]]]] = {
    "follower_growth": _follower_growth,
    "churn": _churn,
}


def compute_derived(current: Mapping[str, float],
                    previous: Mapping[str, float] | None = None) -> dict[str, Derived]:
    """Every derived KPI the week's counts allow, except those typed in `current`.

    `previous` is the previous calendar week's values (for follower_growth and churn).
    """
    candidates = _ratio_kpis(current)
    for key, formula in _WEEK_OVER_WEEK.items():
        candidates[key] = formula(current, previous or {})
    return {
        key: Derived(key, value, inputs)
        for key, (value, inputs) in candidates.items()
        if value is not None and key not in current
    }


def derived_series(weeks: Mapping[date, Mapping[str, float]]) -> dict[date, dict[str, Derived]]:
    """`compute_derived` for every week, each with its previous calendar week when present."""
    return {
        week: compute_derived(values, weeks.get(week - timedelta(days=7)))
        for week, values in weeks.items()
    }
