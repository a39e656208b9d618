"""Posts of a week: ranked by the project's engagement KPI, as lines for /posts and the digest."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from bot.i18n import Html, Translator
from kpi import catalogue
from kpi.formatting import format_number
from kpi.posts import FALLBACK_KPI, best_and_worst, engagement_kpi, ranked, score, snippet
from storage.base import Storage
from storage.models import Post, Project

TITLE_SHOWN = 60  # characters of a post's text in a list line
LIST_LIMIT = 3800  # under Telegram's 4096, with room for the header and "and N more"
SHOWN_METRICS = ("reach", "views", "likes", "comments", "shares", "saves", "clicks")


@dataclass(frozen=True, slots=True)
class WeekPosts:
    week: date
    kpi: str  # er_reach | er_views | interactions (kpi.posts.engagement_kpi)
    posts: list[Post]  # best first


async def week_posts(storage: Storage, project: Project, week: date) -> WeekPosts:
    kpis = [k.metric for k in await storage.get_kpis(project.id)]
    posts = await storage.get_posts(project.id, since=week, until=week)
    kpi = engagement_kpi(kpis, [p.values for p in posts])
    return WeekPosts(week, kpi, ranked(posts, kpi))


def kpi_label(kpi: str, t: Translator) -> str:
    if kpi == FALLBACK_KPI:
        return t("posts-kpi-interactions")
    metric = catalogue.get(kpi)
    return metric.name(t.lang) if metric else kpi


def kpi_value(post: Post, kpi: str, lang: str) -> str:
    found = score(post.values, kpi)
    return format_number(found, lang, "count" if kpi == FALLBACK_KPI else "percent")


def post_title(post: Post, t: Translator) -> Html:
    """The post's text (escaped), a link to it when the file had one."""
    text = html.escape(snippet(post.title, TITLE_SHOWN) or t("posts-untitled"))
    if post.link:
        return Html(f'<a href="{html.escape(post.link, quote=True)}">{text}</a>')
    return Html(text)


def post_line(post: Post, kpi: str, t: Translator) -> str:
    values = post.values
    numbers = ", ".join(
        f"{catalogue.get(m).name(t.lang).lower()} {format_number(values[m], t.lang)}"
        for m in SHOWN_METRICS if m in values)
    return t("posts-line", day=post.published.strftime("%d.%m"), title=post_title(post, t),
             kpi=kpi_label(kpi, t), value=kpi_value(post, kpi, t.lang),
             network=post.network, numbers=numbers)


def list_text(found: WeekPosts, header: str, t: Translator) -> str:
    """The week's posts, best first, cut to fit one message (then "and N more")."""
    lines = [header, t("posts-sorted-by", kpi=kpi_label(found.kpi, t))]
    size = sum(len(line) + 1 for line in lines)
    for index, post in enumerate(found.posts):
        line = f"{index + 1}. {post_line(post, found.kpi, t)}"
        if size + len(line) + 1 > LIST_LIMIT:
            lines.append(t("posts-more", count=len(found.posts) - index))
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


async def digest_post_lines(storage: Storage, project: Project, week: date,
                            t: Translator) -> tuple[str, ...]:
    """The week's best and worst post for the digest; nothing unless two posts can be ranked."""
    found = await week_posts(storage, project, week)
    pair = best_and_worst(found.posts, found.kpi)
    if pair is None:
        return ()
    best, worst = pair
    label = kpi_label(found.kpi, t)
    return (t("digest-post-best", title=post_title(best, t), kpi=label,
              value=kpi_value(best, found.kpi, t.lang)),
            t("digest-post-worst", title=post_title(worst, t), kpi=label,
              value=kpi_value(worst, found.kpi, t.lang)))
