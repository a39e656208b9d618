"""kpi.posts with kpi.importing: post lists (Meta, VK, Telegram, a plain table) are summed
into weekly values exactly as before and kept row by row as posts; ranking by engagement."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.exporting import PostRow, export_posts_csv
from kpi.importing import read_import
from kpi.posts import (
    best_and_worst,
    clean_link,
    engagement_kpi,
    ranked,
    score,
    snippet,
)

TODAY = date(2026, 11, 25)
W1, W2 = date(2026, 11, 2), date(2026, 11, 9)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "posts"


def csv_bytes(rows, delimiter=",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def weekly(result) -> dict[tuple[date, str], float]:
    return {(v.week_start, v.metric): v.value for v in result.values}


def summed_posts(result) -> dict[tuple[date, str], float]:
    totals: dict[tuple[date, str], float] = defaultdict(float)
    for post in result.posts:
        for metric, value in post.metrics:
            totals[(post.week_start, metric)] += value
    return dict(totals)


def test_vk_post_statistics_export() -> None:
    result = read_import((FIXTURES / "vk_posts.csv").read_bytes(), "vk_posts.csv", today=TODAY)
    assert result.layout == "vk"
    assert [(p.key, p.published, p.network) for p in result.posts] == [
        ("vk:id:4512", date(2026, 11, 2), "vk"), ("vk:id:4513", date(2026, 11, 4), "vk"),
        ("vk:id:4514", date(2026, 11, 9), "vk")]
    second = result.posts[1]
    assert second.title == "Новое сезонное меню — тыквенный раф, глинтвейн и штрудель"
    assert second.link == "https://vk.com/wall-21837462_4513"
    # "Общий охват" is the post's reach; the subscriber / viral / ad parts are not added again.
    assert second.values == {"reach": 3315, "views": 3980, "likes": 151, "comments": 27,
                             "shares": 18, "clicks": 40}
    assert result.column_reasons["Виральный охват"] == "unknown"
    assert result.column_reasons["Текст"] == "post_info"
    assert weekly(result) == summed_posts(result)
    assert {v.metric for v in result.values if v.approximate} == {"reach"}


def test_telegram_post_statistics_export() -> None:
    result = read_import((FIXTURES / "telegram_posts.csv").read_bytes(), "tg.csv", today=TODAY)
    assert result.layout == "telegram"
    assert [p.key for p in result.posts] == [f"telegram:id:{n}" for n in (1021, 1022, 1023, 1024)]
    assert result.posts[2].link == "https://t.me/cafe_channel/1023"  # written without https://
    assert result.posts[1].title == "<b>Live music</b> on Friday & free dessert"  # kept raw
    assert weekly(result)[(W1, "shares")] == 44 and weekly(result)[(W1, "likes")] == 167
    assert weekly(result) == summed_posts(result)
    # No reach in a Telegram export: posts are ranked by ER by views.
    assert engagement_kpi(["er_reach"], [p.values for p in result.posts]) == "er_views"


def test_meta_export_keeps_posts_with_permalinks() -> None:
    header = ["Post ID", "Description", "Publish time", "Permalink", "Date", "Reach", "Likes",
              "Comments"]
    rows = [header, ["17", "Menu", "11/02/2026 09:15", "https://instagram.com/p/17", "Lifetime",
                     "1,200", "85", "4"],
            ["18", "Cake", "11/06/2026 18:40", "https://instagram.com/p/18", "Lifetime",
             "1,750", "120", "9"]]
    result = read_import(csv_bytes(rows), "meta.csv", today=TODAY)
    assert result.layout == "meta"
    assert [(p.key, p.link, p.network) for p in result.posts] == [
        ("instagram:id:17", "https://instagram.com/p/17", "instagram"),
        ("instagram:id:18", "https://instagram.com/p/18", "instagram")]
    assert weekly(result) == {(W1, "reach"): 2950, (W1, "likes"): 205, (W1, "comments"): 13}


def test_plain_tables_in_russian_and_english_sum_posts_of_one_day() -> None:
    ru = [["Дата", "Пост", "Охват", "Лайки", "Ссылка"],
          ["02.11.2026", "Анонс", "1 000", "50", ""],
          ["02.11.2026", "Анонс", "400", "10", "не ссылка"],  # the same day and text: #2
          ["10.11.2026", "Итоги", "900", "45", "https://vk.com/wall-1_2"]]
    result = read_import(csv_bytes(ru, ";"), "посты.csv", today=TODAY)
    assert result.layout == "posts"
    # Two posts on one day are two posts, summed: not a duplicate row to drop.
    assert weekly(result) == {(W1, "reach"): 1400, (W1, "likes"): 60, (W2, "reach"): 900,
                              (W2, "likes"): 45}
    assert [p.key for p in result.posts] == ["posts:2026-11-02:Анонс",
                                             "posts:2026-11-02:Анонс#2",
                                             "url:https://vk.com/wall-1_2"]
    assert [p.link for p in result.posts] == [None, None, "https://vk.com/wall-1_2"]
    en = [["date", "post", "network", "reach", "likes", "comments"],
          ["2026-11-03", "Reels: behind the bar", "Instagram", "2500", "140", "12"]]
    result = read_import(csv_bytes(en), "posts.csv", today=TODAY)
    assert result.layout == "posts" and result.posts[0].network == "Instagram"
    assert result.posts[0].key == "instagram:2026-11-03:Reels: behind the bar"


def test_a_weekly_table_is_still_a_weekly_table() -> None:
    for header in (["неделя", "охват", "посты"], ["неделя", "охват", "текст"],
                   ["date", "reach", "description"], ["дата", "охват", "сообщение"]):
        rows = [header, ["2026-11-02", "1000", "5"]]
        result = read_import(csv_bytes(rows), "w.csv", today=TODAY)
        assert result.layout == "wide" and result.posts == [], header
        assert result.values[0].approximate is False


def test_exported_posts_read_back_as_a_post_list() -> None:
    result = read_import((FIXTURES / "vk_posts.csv").read_bytes(), "vk.csv", today=TODAY)
    rows = [PostRow("Cafe", p.network, p.published, p.week_start, p.title, p.link, p.metrics)
            for p in result.posts]
    again = read_import(export_posts_csv(rows), "export-posts.csv", today=TODAY)
    assert again.layout == "posts"
    assert weekly(again) == weekly(result)
    assert [p.link for p in again.posts] == [p.link for p in result.posts]


TITLES = st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                 max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), TITLES, st.integers(0, 10**6),
                          st.integers(0, 10**4)), min_size=1, max_size=25))
def test_posts_add_up_to_the_weekly_values(rows) -> None:
    table = [["date", "post", "reach", "likes"]]
    for offset, title, reach, likes in rows:
        day = W1 + timedelta(days=offset)
        table.append([day.strftime("%d.%m.%Y"), "'" + title if title[:1] in "=+-@" else title,
                      str(reach), str(likes)])
    result = read_import(csv_bytes(table), "p.csv", today=TODAY)
    assert result.layout == "posts"
    assert len(result.posts) == len(rows)
    assert len({p.key for p in result.posts}) == len(rows)  # unique within the file
    totals = summed_posts(result)
    assert weekly(result).keys() == totals.keys()
    for key, value in weekly(result).items():
        assert math.isclose(value, totals[key])
    # The same file again: the same keys (idempotent import).
    again = read_import(csv_bytes(table), "p.csv", today=TODAY)
    assert [p.key for p in again.posts] == [p.key for p in result.posts]


@given(st.text(max_size=80))
def test_clean_link_gives_a_safe_web_address_or_nothing(text: str) -> None:
    link = clean_link(text)
    if link is not None:
        assert link.casefold().startswith(("http://", "https://"))
        assert not any(c in link for c in "\"'<>") and not any(c.isspace() for c in link)


@given(st.text(max_size=400))
def test_snippet_is_one_short_line(text: str) -> None:
    short = snippet(text, 60)
    assert len(short) <= 60 and "\n" not in short


def test_ranking_by_engagement() -> None:
    posts = [{"reach": 1000, "likes": 20}, {"reach": 100, "likes": 10, "comments": 5},
             {"likes": 500}, {"reach": 0, "likes": 3}]
    assert score(posts[0], "er_reach") == 2.0 and score(posts[1], "er_reach") == 15.0
    assert score(posts[2], "er_reach") is None and score(posts[3], "er_reach") is None
    assert engagement_kpi(["reach", "er_followers"], posts) == "er_reach"
    assert ranked(posts, "er_reach", values=dict) == [posts[1], posts[0], posts[2], posts[3]]
    assert best_and_worst(posts, "er_reach", values=dict) == (posts[1], posts[0])
    assert best_and_worst(posts[:1], "er_reach", values=dict) is None
    counts_only = [{"likes": 5}, {"comments": 9}]
    assert engagement_kpi(["er_reach"], counts_only) == "interactions"
    assert best_and_worst(counts_only, "interactions", values=dict) == (
        counts_only[1], counts_only[0])
    with_views = [{"views": 100, "likes": 5}, {"reach": 10, "likes": 5}]
    assert engagement_kpi(["er_views"], with_views) == "er_views"
