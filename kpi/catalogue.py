"""The KPI catalogue: base metrics, derived KPIs, their names in ru/en and the goals they serve.

Source of truth: shared/docs/kpi-reference.md. Canonical keys are part of the outside interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    HIGHER = "higher_is_better"
    LOWER = "lower_is_better"
    NEUTRAL = "neutral"


class Kind(StrEnum):
    FLOW = "flow"  # summed over days
    STOCK = "stock"  # last value of the week
    RATE = "rate"  # recomputed from components, never averaged


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"


class Goal(StrEnum):
    AWARENESS = "awareness"
    ENGAGEMENT = "engagement"
    LEADS = "leads"
    SALES = "sales"
    LOYALTY = "loyalty"


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    name_ru: str
    name_en: str
    unit: Unit
    kind: Kind
    direction: Direction
    aliases: tuple[str, ...] = ()
    derived: bool = False
    formula_ru: str = ""
    formula_en: str = ""
    # Below this absolute value a relative change is not worth an alert (alerting.md, guards).
    min_base: float = 0.0

    def name(self, lang: str) -> str:
        return self.name_ru if lang == "ru" else self.name_en

    def formula(self, lang: str) -> str:
        return self.formula_ru if lang == "ru" else self.formula_en


def _base(key, ru, en, unit, kind, direction, aliases, min_base) -> Metric:
    return Metric(key, ru, en, Unit(unit), Kind(kind), Direction(direction), tuple(aliases),
                  min_base=min_base)


def _derived(key, ru, en, unit, direction, aliases, formula_ru, formula_en, min_base=0.0) -> Metric:
    return Metric(key, ru, en, Unit(unit), Kind.RATE, Direction(direction), tuple(aliases),
                  derived=True, formula_ru=formula_ru, formula_en=formula_en, min_base=min_base)


H, L, N = "higher_is_better", "lower_is_better", "neutral"

BASE_METRICS: tuple[Metric, ...] = (
    _base("reach", "Охват", "Reach", "count", "flow", H,
          ["охват", "охваты", "уникальные просмотры", "reach"], 100),
    _base("impressions", "Показы", "Impressions", "count", "flow", H,
          ["показы", "impressions"], 100),
    _base("views", "Просмотры", "Views", "count", "flow", H, ["просмотры", "views"], 100),
    _base("followers", "Подписчики", "Followers", "count", "stock", H,
          ["подписчики", "подписчиков", "участники", "фолловеры", "аудитория",
           "followers", "subscribers", "members", "audience"], 50),
    _base("new_followers", "Новые подписчики", "New followers", "count", "flow", H,
          ["новые подписчики", "подписались", "прирост подписчиков",
           "new followers", "follows", "subscribed"], 10),
    _base("unfollows", "Отписки", "Unfollows", "count", "flow", L,
          ["отписки", "отписались", "вышедшие", "unfollows", "unsubscribes", "left"], 10),
    _base("likes", "Лайки", "Likes", "count", "flow", H,
          ["лайки", "реакции", "нравится", "likes", "reactions"], 20),
    _base("comments", "Комментарии", "Comments", "count", "flow", H,
          ["комментарии", "комменты", "comments"], 10),
    _base("shares", "Репосты", "Shares", "count", "flow", H,
          ["репосты", "поделились", "пересылки", "рассказали друзьям",
           "shares", "reposts", "forwards"], 10),
    _base("saves", "Сохранения", "Saves", "count", "flow", H,
          ["сохранения", "закладки", "в избранное", "saves", "bookmarks", "favorites"], 10),
    _base("posts", "Посты", "Posts", "count", "flow", N, ["посты", "публикации", "posts"], 0),
    _base("clicks", "Клики", "Clicks", "count", "flow", H,
          ["клики", "переходы", "clicks", "link clicks"], 20),
    _base("leads", "Лиды", "Leads", "count", "flow", H, ["лиды", "заявки", "leads"], 10),
    _base("orders", "Продажи", "Orders", "count", "flow", H,
          ["продажи", "заказы", "покупки", "конверсии",
           "sales", "orders", "purchases", "conversions"], 5),
    _base("revenue", "Выручка", "Revenue", "money", "flow", H,
          ["выручка", "доход", "оборот", "revenue", "income"], 1000),
    _base("spend", "Бюджет", "Spend", "money", "flow", N,
          ["бюджет", "расход", "расходы", "затраты", "траты",
           "spend", "budget", "cost", "ad spend"], 0),
    _base("mentions", "Упоминания", "Mentions", "count", "flow", H,
          ["упоминания", "mentions"], 5),
    _base("messages", "Сообщения", "Messages", "count", "flow", H,
          ["сообщения", "обращения", "диалоги", "messages", "dms", "inquiries"], 5),
)

DERIVED_METRICS: tuple[Metric, ...] = (
    _derived("er_reach", "ER по охвату (ERR)", "ER by reach (ERR)", "percent", H,
             ["er по охвату", "er по охвату (err)", "er", "err", "вовлеченность",
              "вовлечённость", "er by reach", "engagement rate"],
             "взаимодействия / охват × 100", "interactions / reach × 100"),
    _derived("er_followers", "ER по подписчикам", "ER by followers", "percent", H,
             ["er по подписчикам", "er подписчиков", "er by followers"],
             "взаимодействия / подписчики × 100", "interactions / followers × 100"),
    _derived("er_views", "ER по просмотрам", "ER by views", "percent", H,
             ["er по просмотрам", "er by views"],
             "взаимодействия / просмотры × 100", "interactions / views × 100"),
    _derived("reach_rate", "Охват от подписчиков", "Reach rate", "percent", H,
             ["охват от подписчиков", "reach rate"],
             "охват / подписчики × 100", "reach / followers × 100"),
    _derived("follower_growth", "Прирост подписчиков, %", "Follower growth, %", "percent", H,
             ["прирост подписчиков, %", "прирост подписчиков %", "рост подписчиков",
              "follower growth", "follower growth %"],
             "(подписчики − подписчики прошлой недели) / подписчики прошлой недели × 100",
             "(followers − last week's followers) / last week's followers × 100"),
    _derived("virality", "Виральность", "Virality", "percent", H,
             ["виральность", "virality"], "репосты / охват × 100", "shares / reach × 100"),
    _derived("ctr", "CTR", "CTR", "percent", H, ["ctr"],
             "клики / показы × 100", "clicks / impressions × 100"),
    _derived("cpc", "CPC", "CPC", "money", L, ["cpc", "цена клика", "cost per click"],
             "бюджет / клики", "spend / clicks"),
    _derived("cpm", "CPM", "CPM", "money", L, ["cpm"],
             "бюджет / показы × 1000", "spend / impressions × 1000"),
    _derived("cpl", "CPL", "CPL", "money", L,
             ["cpl", "стоимость лида", "цена лида", "cost per lead"],
             "бюджет / лиды", "spend / leads"),
    _derived("cpa", "CPA", "CPA", "money", L,
             ["cpa", "cac", "цена продажи", "cost per acquisition"],
             "бюджет / продажи", "spend / orders"),
    _derived("cr_click_lead", "Конверсия в лид", "Click-to-lead CR", "percent", H,
             ["конверсия в лид", "cr", "конверсия", "click to lead", "conversion rate"],
             "лиды / клики × 100", "leads / clicks × 100"),
    _derived("cr_lead_sale", "Конверсия в продажу", "Lead-to-sale CR", "percent", H,
             ["конверсия в продажу", "lead to sale"],
             "продажи / лиды × 100", "orders / leads × 100"),
    _derived("romi", "ROMI", "ROMI", "percent", H, ["romi", "roi"],
             "(выручка − бюджет) / бюджет × 100", "(revenue − spend) / spend × 100"),
    _derived("drr", "ДРР", "ACoS", "percent", L, ["дрр", "acos", "drr"],
             "бюджет / выручка × 100", "spend / revenue × 100"),
    _derived("churn", "Отток", "Churn", "percent", L, ["отток", "churn"],
             "отписки / подписчики прошлой недели × 100",
             "unfollows / last week's followers × 100"),
)

METRICS: dict[str, Metric] = {m.key: m for m in BASE_METRICS + DERIVED_METRICS}

GOAL_KPIS: dict[Goal, tuple[str, ...]] = {
    Goal.AWARENESS: ("reach", "followers", "follower_growth", "mentions", "virality"),
    Goal.ENGAGEMENT: ("er_reach", "comments", "shares", "saves"),
    Goal.LEADS: ("clicks", "ctr", "leads", "cpl"),
    Goal.SALES: ("orders", "revenue", "cpa", "romi"),
    Goal.LOYALTY: ("churn", "er_followers", "messages", "comments"),
}

_SPACES = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """Case-folded, `ё`→`е`, single-spaced, stripped of surrounding punctuation."""
    text = text.casefold().replace("ё", "е")
    text = _SPACES.sub(" ", text).strip(" \t:—–-.,;")
    return text


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for metric in METRICS.values():
        for name in (metric.key, metric.name_ru, metric.name_en, *metric.aliases):
            index.setdefault(normalize_name(name), metric.key)
            index.setdefault(normalize_name(name.replace("_", " ")), metric.key)
    return index


ALIASES: dict[str, str] = _build_alias_index()


def resolve(name: str, custom: tuple[str, ...] | list[str] = ()) -> str | None:
    """The canonical key (or the custom metric's own name) a user's name refers to, else None."""
    normalized = normalize_name(name)
    if not normalized:
        return None
    for custom_name in custom:
        if normalize_name(custom_name) == normalized:
            return custom_name
    return ALIASES.get(normalized)


def get(key: str) -> Metric | None:
    return METRICS.get(key)


def is_custom(key: str) -> bool:
    return key not in METRICS
