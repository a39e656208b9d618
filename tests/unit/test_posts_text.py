"""/posts and digest lines: one message however many posts, everything from the file escaped."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.i18n import SUPPORTED_LANGUAGES, get_translator
from bot.services.posts import WeekPosts, list_text, post_line
from kpi.posts import ranked
from storage.models import Post

WEEK = date(2026, 11, 16)


def post(number: int, title: str, link: str | None = None) -> Post:
    return Post(1, 1, f"k{number}", WEEK + timedelta(days=number % 7), WEEK, title, link, "vk",
                (("reach", 1000.0 + number), ("likes", float(number))))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_many_posts_fit_one_message(lang: str) -> None:
    t = get_translator(lang)
    posts = [post(n, "Очень длинный текст поста " * 10, f"https://vk.com/wall-1_{n}" + "x" * 300)
             for n in range(200)]
    found = WeekPosts(WEEK, "er_reach", ranked(posts, "er_reach"))
    text = list_text(found, t("posts-header", name="Кофейня", week="16–22.11", count=200), t)
    assert len(text) <= 4096
    shown = len(re.findall(r"^\d+\. ", text, re.MULTILINE))
    assert 0 < shown < 200
    assert str(200 - shown) in text.splitlines()[-1]  # "and N more"
    first = text.split("\n")[2]
    # Best first: 199 likes / 1,199 reach = 16.6 %.
    assert first.startswith("1. ") and re.search(r"16[.,]6", first)


def test_text_and_link_from_the_file_are_escaped() -> None:
    t = get_translator("en")
    line = post_line(post(1, '<script>alert("x")</script> & co',
                          'https://t.me/a?b=1&c=2'), "er_reach", t)
    assert "<script>" not in line and "&lt;script&gt;" in line
    assert '<a href="https://t.me/a?b=1&amp;c=2">' in line
    assert "(no text)" in post_line(post(2, ""), "er_reach", t)
