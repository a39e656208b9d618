import re

import pytest

from bot.i18n import SUPPORTED_LANGUAGES, Html, get_translator, message_keys, pick_language
from tests.paths import PACKAGE_ROOT


def test_both_catalogues_define_the_same_messages():
    ru, en = message_keys("ru"), message_keys("en")
    assert ru == en, f"only ru: {sorted(ru - en)}; only en: {sorted(en - ru)}"


LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_-]+[a-z0-9_])["']\s*[,)]""")


def used_keys() -> set[str]:
    """Message ids written literally in the code: t("key") calls."""
    keys: set[str] = set()
    for folder in ("bot", "handlers", "kpi", "charts"):
        for path in (PACKAGE_ROOT / folder).rglob("*.py"):
            keys.update(LITERAL_KEY.findall(path.read_text()))
    return keys


def test_every_literal_key_used_in_code_exists_in_both_languages():
    for lang in SUPPORTED_LANGUAGES:
        missing = used_keys() - message_keys(lang)
        assert not missing, f"{lang} lacks {sorted(missing)}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_message_formats_without_errors(lang):
    t = get_translator(lang)
    for key in message_keys(lang):
        text = t(key, name="N", count=3, limit=5, week="W", metric="M", value="1", kpis="K",
                 change="+1%", previous="2", old="3", formula="f", suggestions="s",
                 metrics="m", weeks="w", step=1, total=2, chat="c", link="l", role="r",
                 days=7, user="u", day="d", time="10:00", timezone="UTC", text="x",
                 goal="g", direction="d", current="c", iso="2026-W47", active="",
                 last_week="x", first="a", last="b")
        assert text and text != key


def test_user_text_is_escaped_and_html_passes_through():
    t = get_translator("en")
    assert "&lt;b&gt;" in t("projects-switched", name="<b>")
    assert "<i>x</i>" in t("projects-switched", name=Html("<i>x</i>"))


@pytest.mark.parametrize(("code", "expected"), [
    ("ru", "ru"), ("ru-RU", "ru"), ("uk", "ru"), ("en", "en"), ("en-GB", "en"),
    ("de", "en"), (None, "en"), ("", "en"),
])
def test_language_from_telegram_code(code, expected):
    assert pick_language(code, "en") == expected


def test_ru_plural_forms():
    t = get_translator("ru")
    assert "1 показатель" in t("add-intro", week="w", count=1)
    assert "3 показателя" in t("add-intro", week="w", count=3)
    assert "5 показателей" in t("add-intro", week="w", count=5)
