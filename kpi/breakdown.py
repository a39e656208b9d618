"""Networks and campaigns: the breakdown behind a project's weekly numbers (issue 13).

A stored value belongs to the whole project (network and campaign both ''), to one network, or
to one campaign. The project's total of a metric for a week is, in this order:

1. the project-wide value, when one was entered: it is the team's own total, and a breakdown
   typed next to it (perhaps for only some networks) never overrides or adds to it;
2. otherwise the sum over networks, for metrics that add up (counts and money; custom
   metrics too);
3. otherwise the sum over campaigns (campaigns may overlap networks, so they are only the
   total when nothing else is known).

Rates (percent metrics and derived KPIs) never add up: their project value is the project-wide
one, if typed; analysis recomputes derived KPIs from the summed counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kpi import catalogue
from kpi.catalogue import Unit
from kpi.formulas import derived_series

# Built-in networks: canonical key → the names people type (folded, ё → е).
NETWORK_ALIASES: dict[str, tuple[str, ...]] = {
    "vk": ("вк", "vk", "вконтакте", "vkontakte"),
    "instagram": ("инстаграм", "инста", "ig", "instagram", "insta", "инстаграмм"),
    "telegram": ("тг", "телеграм", "tg", "telegram", "телеграмм"),
    "youtube": ("ютуб", "youtube", "yt", "ютьюб"),
    "tiktok": ("тикток", "tiktok"),
    "website": ("сайт", "site", "web", "website"),
    "other": ("другое", "другие", "other"),
}
NETWORKS: tuple[str, ...] = tuple(NETWORK_ALIASES)
NETWORK_NAMES: dict[str, str] = {
    "vk": "VK", "instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube",
    "tiktok": "TikTok", "website": "Website", "other": "Other",
}
NETWORK_NAMES_RU: dict[str, str] = {**NETWORK_NAMES, "website": "Сайт", "other": "Другое"}
_ALIAS_TO_NETWORK = {alias: key for key, aliases in NETWORK_ALIASES.items() for alias in aliases}

MAX_SEGMENT_NAME = 64  # a network or campaign name longer than this is refused
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    return _SPACES.sub(" ", text.casefold().replace("ё", "е")).strip()


def builtin_network(name: str) -> str | None:
    """The built-in network key a typed name stands for (`инста` → instagram), or None."""
    return _ALIAS_TO_NETWORK.get(fold(name))


def clean_name(name: str) -> str:
    """A user's own network or campaign name as stored: spaces collapsed, ends trimmed."""
    return _SPACES.sub(" ", name).strip()


def network_label(network: str, lang: str) -> str:
    """How a stored network is shown: built-in keys by their name, the user's own as typed."""
    names = NETWORK_NAMES_RU if lang == "ru" else NETWORK_NAMES
    return names.get(network, network)


def summable(metric: str) -> bool:
    """Whether a metric's values over networks (or campaigns) add up to the project's."""
    definition = catalogue.get(metric)
    if definition is None:
        return True  # a custom metric: the user's own count
    return not definition.derived and definition.unit is not Unit.PERCENT


@dataclass(frozen=True, slots=True)
class Part:
    """One stored value with its place in the breakdown."""

    week_start: date
    metric: str
    value: float
    network: str = ""
    campaign: str = ""
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class Total:
    value: float
    approximate: bool
    source: str  # "project", "networks" or "campaigns": where the total came from


def project_totals(parts: Iterable[Part]) -> dict[tuple[date, str], Total]:
    """Each (week, metric)'s project total by the rule in the module docstring."""
    project: dict[tuple[date, str], Part] = {}
    networks: dict[tuple[date, str], list[Part]] = {}
    campaigns: dict[tuple[date, str], list[Part]] = {}
    for part in parts:
        key = (part.week_start, part.metric)
        if part.network:
            networks.setdefault(key, []).append(part)
        elif part.campaign:
            campaigns.setdefault(key, []).append(part)
        else:
            project[key] = part
    totals = {key: Total(part.value, part.approximate, "project")
              for key, part in project.items()}
    for source, groups in (("networks", networks), ("campaigns", campaigns)):
        for key, group in groups.items():
            if key in totals or not summable(key[1]):
                continue
            totals[key] = Total(sum(p.value for p in group),
                                any(p.approximate for p in group), source)
    return totals


# --- what moved the total ----------------------------------------------------------------------

Segment = tuple[str, str]  # (network, campaign)


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """One network's or campaign's value of a metric in a week and the week before."""

    network: str
    campaign: str
    last: float | None
    previous: float | None

    @property
    def change_pct(self) -> float | None:
        if self.last is None or self.previous in (None, 0):
            return None
        return (self.last - self.previous) / abs(self.previous) * 100

    @property
    def delta(self) -> float:
        return (self.last or 0.0) - (self.previous or 0.0)


def segment_weeks(parts: Iterable[Part]) -> dict[Segment, dict[date, dict[str, float]]]:
    """Each network's and campaign's weekly values, derived KPIs computed from its own counts."""
    found: dict[Segment, dict[date, dict[str, float]]] = {}
    for part in parts:
        if part.network or part.campaign:
            weeks = found.setdefault((part.network, part.campaign), {})
            weeks.setdefault(part.week_start, {})[part.metric] = part.value
    for weeks in found.values():
        for week, derived in derived_series(weeks).items():
            for key, item in derived.items():
                weeks[week].setdefault(key, item.value)
    return found


def segment_changes(segments: dict[Segment, dict[date, dict[str, float]]], metric: str,
                    week: date, previous_week: date) -> list[SegmentChange]:
    """The networks (or, without any, campaigns) with the metric in `week` or the week before,
    the one that moved most first."""
    changes = [SegmentChange(network, campaign, weeks.get(week, {}).get(metric),
                             weeks.get(previous_week, {}).get(metric))
               for (network, campaign), weeks in segments.items()]
    changes = [c for c in changes if c.last is not None or c.previous is not None]
    networks = [c for c in changes if c.network]
    chosen = networks or changes
    return sorted(chosen, key=lambda c: (-abs(c.delta), c.network, c.campaign))


RANKED_BY = ("cpl", "romi", "cpa", "drr")  # campaign rankings, in this order of preference


def rank_campaigns(segments: dict[Segment, dict[date, dict[str, float]]],
                   week: date) -> tuple[str, list[tuple[str, float]]] | None:
    """The week's campaigns by the first of CPL, ROMI, CPA, DRR that at least two of them have,
    best first (a low CPL, a high ROMI): (metric, [(campaign, value), …]); None otherwise."""
    for metric in RANKED_BY:
        ranked = [(campaign, weeks[week][metric])
                  for (_network, campaign), weeks in segments.items()
                  if campaign and metric in weeks.get(week, {})]
        if len(ranked) >= 2:
            definition = catalogue.get(metric)
            lower_better = definition is not None and definition.direction.value == \
                "lower_is_better"
            ranked.sort(key=lambda item: (item[1] if lower_better else -item[1], item[0]))
            return metric, ranked
    return None


def breakdown_json(segments: dict[Segment, dict[date, dict[str, float]]], metric: str,
                   week: date, previous_week: date) -> dict:
    """`analyze --json`'s `breakdown` of one metric: networks and campaigns in the judged week."""
    result: dict[str, dict] = {"networks": {}, "campaigns": {}}
    for (network, campaign), weeks in sorted(segments.items()):
        change = SegmentChange(network, campaign, weeks.get(week, {}).get(metric),
                               weeks.get(previous_week, {}).get(metric))
        if change.last is None and change.previous is None:
            continue
        pct = change.change_pct
        result["networks" if network else "campaigns"][network or campaign] = {
            "last": change.last, "previous": change.previous,
            "wow_pct": None if pct is None else round(pct, 2)}
    return result


# --- a total as a stack of networks (charts) ---------------------------------------------------

MAX_STACK = 6  # segments in one stacked chart; the smallest networks beyond it are folded
REST = "other"  # the segment of what no network accounts for (and the folded networks)

Stack = tuple[tuple[str, tuple[float | None, ...]], ...]  # (network or REST, values by week)


def network_stack(totals: Sequence[float | None],
                  networks: Mapping[str, Sequence[float | None]], *,
                  limit: int = MAX_STACK) -> Stack:
    """A metric's weekly totals split into its networks' values, largest network first, and
    `REST` last: the part no network accounts for, the built-in "other" network and, beyond
    `limit` segments, the smallest networks. Every week's segments add up to its total (None
    where the total is None); a week whose networks add up to more than its total (a
    project-wide number typed below the breakdown) is all `REST`. () without any network."""
    size = len(totals)
    given = {name: [float(v) if v is not None else 0.0 for v in values]
             for name, values in networks.items() if any(v for v in values if v is not None)}
    if not given:
        return ()
    if any(len(values) != size for values in given.values()):
        raise ValueError("each network's values must be parallel to the totals")
    rest = given.pop(REST, [0.0] * size)
    for i, total in enumerate(totals):
        if total is None:
            continue
        remainder = total - sum(values[i] for values in given.values()) - rest[i]
        if remainder < -1e-9 * max(1.0, abs(total)):  # more than the total: not a breakdown
            for values in given.values():
                values[i] = 0.0
            rest[i] = total
        else:
            rest[i] += max(remainder, 0.0)
    shown = [i for i in range(size) if totals[i] is not None]
    ranked = sorted(given, key=lambda name: (-sum(given[name][i] for i in shown), name))
    has_rest = any(rest[i] for i in shown)
    if len(ranked) + has_rest > limit:
        for name in ranked[limit - 1:]:
            rest = [r + v for r, v in zip(rest, given[name], strict=True)]
        ranked, has_rest = ranked[:limit - 1], True

    def known(values: list[float]) -> tuple[float | None, ...]:
        return tuple(v if totals[i] is not None else None for i, v in enumerate(values))

    stack = [(name, known(given[name])) for name in ranked]
    return tuple(stack + [(REST, known(rest))] * has_rest)
