"""The translator's fast path for plain templates gives exactly what Fluent gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import (
    SUPPORTED_LANGUAGES,
    Html,
    _prepare,
    _resources,
    get_translator,
    load_catalogues,
    message_keys,
)

VARIABLE = re.compile(r"\{\s*\$([A-Za-z0-9_-]+)")


def fluent(lang: str, key: str, **args: object) -> str:
    """The same message through Fluent's own resolver (the fast path bypassed)."""
    bundle = get_translator(lang)._bundle
    text, _errors = bundle.format_pattern(bundle.get_message(key).value,
                                          {k: _prepare(v) for k, v in args.items()})
    return text


def _source(lang: str, key: str) -> str:
    """The message's text in the catalogue files (to find its variables)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in _resources(lang))
    match = re.search(rf"^{re.escape(key)} =(.*?)(?=^\S)", text + "\nEND",
                      re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_message_reads_the_same_through_the_fast_path(lang: str) -> None:
    translator = get_translator(lang)
    templated = 0
    for key in sorted(message_keys(lang)):
        names = VARIABLE.findall(_source(lang, key))
        args = {name: f"<{name}> & «x»" for name in names}
        templated += translator._template(key) is not None
        assert translator(key, **args) == fluent(lang, key, **args), key
    assert templated > 300  # the fast path is taken for most messages


@given(st.text(max_size=300), st.text(max_size=40))
def test_any_text_arguments_read_the_same(value: str, metric: str) -> None:
    translator = get_translator("ru")
    args = {"metric": metric, "value": value}
    assert translator("entry-line", **args) == fluent("ru", "entry-line", **args)


def test_numbers_html_and_missing_arguments_go_through_fluent() -> None:
    translator = get_translator("en")
    assert translator("entry-line", metric=Html("<b>x</b>"), value="1") == fluent(
        "en", "entry-line", metric=Html("<b>x</b>"), value="1")
    assert translator("entry-line", metric="Reach", value=12) == fluent(
        "en", "entry-line", metric="Reach", value=12)
    assert translator("entry-line", metric="Reach") == fluent("en", "entry-line",
                                                             metric="Reach")


def test_catalogues_are_loaded_and_prepared_at_start_up() -> None:
    load_catalogues()  # what bot.heap.settle_heap does before the freeze
    for lang in SUPPORTED_LANGUAGES:
        prepared = get_translator(lang)._templates
        assert message_keys(lang) <= prepared.keys()
        assert prepared["entry-line"] is not None
