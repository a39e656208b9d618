"""Per-post tables: which exports are post lists, how a row becomes a post, and how posts rank.

A post list is a table with one row per publication: the Meta Business Suite export, VK's and
Telegram's post statistics, or a plain `date,post,reach,likes,…` table. The importer still sums
its rows into weekly values (kpi.importing); this module keeps each row as a post as well, so
the digest can name the week's best and worst post and /posts can list them.

Pure: no aiogram, no storage.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kpi.catalogue import normalize_name
from kpi.formulas import interactions

POST_LAYOUTS = frozenset({"meta", "vk", "telegram", "posts"})
# Date columns that only post lists have (Meta's "Publish time" is recognised by the importer).
POST_DATE_HEADERS = frozenset({"дата публикации", "время публикации", "опубликовано",
                               "publication date", "published", "publish date", "post date",
                               "дата поста", "дата записи"})
TITLE_HEADERS = frozenset({"post", "пост", "публикация", "запись", "text", "текст", "title",
                           "заголовок", "description", "описание", "caption", "подпись",
                           "текст записи", "текст поста", "текст публикации", "post text",
                           "message", "сообщение", "текст сообщения"})
# Enough on their own to call a table a post list ("description" or "message" may be a note
# column of a weekly table, so they only name the text of a table known to be one).
PLAIN_TITLE_HEADERS = frozenset({"post", "пост", "публикация", "запись", "text", "текст",
                                 "title", "заголовок", "caption", "подпись", "текст записи",
                                 "текст поста", "текст публикации", "post text"})
# A table dated by week holds weekly numbers, not posts (unless it has a publication date too).
WEEK_HEADERS = frozenset({"week_start", "week start", "week", "неделя", "начало недели",
                          "week starting"})
LINK_HEADERS = frozenset({"link", "ссылка", "url", "permalink", "ссылка на пост",
                          "ссылка на запись", "ссылка на публикацию", "post link", "post url"})
ID_HEADERS = frozenset({"post id", "post_id", "id", "id записи", "id поста", "id публикации",
                        "message id", "message_id", "id сообщения", "номер сообщения"})
NETWORK_HEADERS = frozenset({"network", "сеть", "соцсеть", "площадка", "platform", "платформа",
                             "social network"})
# Columns VK's post statistics have and nothing else does. The English names are the fields of
# VK's stats.getPostReach (reach_total, reach_subscribers, reach_viral, links, …); the Russian
# ones the labels of its statistics pages. No real Telegram per-post export was at hand: its
# columns follow Telegram's own words (views, forwards, reactions, message id).
VK_MARKERS = frozenset({"id записи", "охват подписчиков", "виральный охват", "рекламный охват",
                        "общий охват", "reach_total", "reach_subscribers", "reach_viral"})
TELEGRAM_MARKERS = frozenset({"message id", "message_id", "id сообщения", "номер сообщения",
                              "пересылки", "forwards"})
# Post-list column names the catalogue does not know (VK's labels and API field names).
POST_ALIASES = {"общий охват": "reach", "reach_total": "reach", "мне нравится": "likes",
                "переходы по ссылке": "clicks", "links": "clicks", "likes_count": "likes",
                "reposts_count": "shares", "comments_count": "comments",
                "views_count": "views"}
NETWORK_OF_LAYOUT = {"meta": "instagram", "vk": "vk", "telegram": "telegram", "posts": ""}
INFO_HEADERS = TITLE_HEADERS | LINK_HEADERS | ID_HEADERS | NETWORK_HEADERS
TITLE_CHARS = 200  # what is kept of a post's text: enough to recognise it
LINK_CHARS = 500
ENGAGEMENT_KPIS = ("er_reach", "er_views")  # the per-post engagement rates a row can give
FALLBACK_KPI = "interactions"  # no reach and no views in the file: likes + comments + …


@dataclass(frozen=True, slots=True)
class ImportedPost:
    key: str  # stable across imports of the same file: the post's id, link, or date + text
    published: date
    title: str  # untrusted text from the file
    link: str | None  # an http(s) address, untrusted
    network: str  # free text: "instagram", "vk", "telegram" or the file's own column
    metrics: tuple[tuple[str, float], ...]

    @property
    def week_start(self) -> date:
        return self.published - timedelta(days=self.published.weekday())

    @property
    def values(self) -> dict[str, float]:
        return dict(self.metrics)


def detect_layout(names: Sequence[str]) -> str | None:
    """"vk", "telegram" or "posts" for a post list (normalised header names), else None.
    Meta's export is recognised before this by its "Publish time" column."""
    present = set(names)
    if present & VK_MARKERS:
        return "vk"
    if present & TELEGRAM_MARKERS and present & (TITLE_HEADERS | ID_HEADERS | LINK_HEADERS):
        return "telegram"
    if present & PLAIN_TITLE_HEADERS and (present & POST_DATE_HEADERS
                                          or not present & WEEK_HEADERS):
        return "posts"
    return None


def date_column(names: Sequence[str], date_headers: Iterable[str]) -> int | None:
    """A post list's publication date column: a post-only name first, then a general one."""
    for wanted in (POST_DATE_HEADERS, frozenset(date_headers)):
        for index, name in enumerate(names):
            if name in wanted:
                return index
    return None


def is_info_column(name: str) -> bool:
    """A column that describes a post (text, link, id, network) rather than measures it."""
    return name in INFO_HEADERS


def build_posts(layout: str, names: Sequence[str], rows: Sequence[tuple[int, date, Sequence]],
                measured: Mapping[int, Mapping[str, float]]) -> list[ImportedPost]:
    """One post per dated row that has numbers: `rows` are (row number, publication day,
    cells), `measured` the counts read from each row number. Keys repeat-proof within the
    file: two rows with the same key get `#2`, `#3` in file order, so a re-import of the
    same file yields the same keys."""
    def column(wanted: frozenset[str]) -> int | None:
        return next((i for i, n in enumerate(names) if n in wanted), None)

    title_at, link_at = column(TITLE_HEADERS), column(LINK_HEADERS)
    id_at, network_at = column(ID_HEADERS), column(NETWORK_HEADERS)
    seen: Counter[str] = Counter()
    posts: list[ImportedPost] = []
    for number, day, cells in rows:
        values = measured.get(number)
        if not values:
            continue
        title = snippet(_cell_text(cells, title_at))
        link = clean_link(_cell_text(cells, link_at))
        network = (_cell_text(cells, network_at).strip()[:40]
                   or NETWORK_OF_LAYOUT.get(layout, ""))
        ident = _cell_text(cells, id_at).strip()
        prefix = normalize_name(network) or layout
        if ident:
            key = f"{prefix}:id:{ident}"
        elif link:
            key = f"url:{link}"
        else:
            key = f"{prefix}:{day.isoformat()}:{title[:80]}"
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        metrics = tuple((m, float(v)) for m, v in values.items() if math.isfinite(v))
        posts.append(ImportedPost(key[:300], day, title, link, network, metrics))
    return posts


_SPACE = re.compile(r"\s+")


def snippet(text: str, limit: int = TITLE_CHARS) -> str:
    """The post's text on one line, cut to `limit` characters."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_link(text: str) -> str | None:
    """An http(s) address as written (t.me/… and vk.com/… get https://); anything else None."""
    text = text.strip()
    if not text or any(c.isspace() for c in text) or len(text) > LINK_CHARS:
        return None
    lowered = text.casefold()
    if lowered.startswith(("t.me/", "vk.com/", "www.")):
        text, lowered = "https://" + text, "https://" + lowered
    if not re.match(r"https?://[^/\s\"'<>]+", lowered):
        return None
    return text if not any(c in text for c in "\"'<>") else None


def _cell_text(cells: Sequence, index: int | None) -> str:
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    cell = cells[index]
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


# ---------------------------------------------------------------------------------------------
# Ranking


def score(values: Mapping[str, float], kpi: str) -> float | None:
    """The post's engagement by `kpi`: er_reach / er_views in %, or the interaction count."""
    total = interactions(values)
    if kpi == FALLBACK_KPI:
        return total
    base = values.get("reach" if kpi == "er_reach" else "views")
    if total is None or base is None or base <= 0:
        return None
    result = total / base * 100
    return result if math.isfinite(result) else None


def engagement_kpi(project_kpis: Sequence[str], posts: Sequence[Mapping[str, float]]) -> str:
    """The KPI posts are ranked by: the project's own engagement rate when a post can have
    it (er_reach, er_views), else the first of those the posts allow, else interactions.
    er_followers (loyalty projects) needs followers, which a post does not have: er_reach."""
    preferred = [k for k in project_kpis if k in ENGAGEMENT_KPIS]
    for kpi in dict.fromkeys([*preferred, *ENGAGEMENT_KPIS]):
        if any(score(p, kpi) is not None for p in posts):
            return kpi
    return FALLBACK_KPI


def ranked(items: Sequence, kpi: str, values=lambda item: item.values) -> list:
    """Best first by `kpi`; items it cannot score last, in their own order (stable)."""
    def key(item) -> tuple[int, float]:
        found = score(values(item), kpi)
        return (1, 0.0) if found is None else (0, -found)
    return sorted(items, key=key)


def best_and_worst(items: Sequence, kpi: str, values=lambda item: item.values
                   ) -> tuple[object, object] | None:
    """The best and the worst scored item; None unless two items have a score."""
    scored = [i for i in ranked(items, kpi, values) if score(values(i), kpi) is not None]
    if len(scored) < 2:
        return None
    return scored[0], scored[-1]
