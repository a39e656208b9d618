"""kpi.numbers and kpi.parser: the chat grammar of interface.md, by example and by property."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi import catalogue
from kpi.numbers import ParsedNumber, parse_number
from kpi.parser import ParsedEntry, parse_entry, suggest

TODAY = date(2026, 11, 19)  # a Thursday
THIS_WEEK = date(2026, 11, 16)
LAST_WEEK = date(2026, 11, 9)
CUSTOM = ("сторис", "UGC видео", "stories views")


def parse(text: str, custom: tuple[str, ...] = CUSTOM) -> ParsedEntry:
    return parse_entry(text, today=TODAY, custom=custom)


def pairs(entry: ParsedEntry) -> dict[str, float]:
    return {v.metric: v.value for v in entry.values}


def codes(entry: ParsedEntry) -> list[str]:
    return [p.code for p in entry.problems]


# --- parse_number -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "percent", "money"), [
    ("12500", 12500, False, False),
    ("12 500", 12500, False, False),
    ("12\u00a0500", 12500, False, False),
    ("12\u2009500", 12500, False, False),
    ("12\u202f500", 12500, False, False),
    ("1 200 000", 1_200_000, False, False),
    ("12,5", 12.5, False, False),
    ("12.5", 12.5, False, False),
    ("12,5к", 12500, False, False),
    ("12,5 К", 12500, False, False),
    ("12.5k", 12500, False, False),
    ("12.5K", 12500, False, False),
    ("12,5 тыс", 12500, False, False),
    ("12,5 тыс.", 12500, False, False),
    ("1,2 млн", 1_200_000, False, False),
    ("1.2M", 1_200_000, False, False),
    ("1,2м", 1_200_000, False, False),
    ("2 млрд", 2_000_000_000, False, False),
    ("4,35k", 4350, False, False),
    ("4,2%", 4.2, True, False),
    ("4,2 %", 4.2, True, False),
    ("15 000 ₽", 15000, False, True),
    ("15000₽", 15000, False, True),
    ("$300", 300, False, True),
    ("$ 300", 300, False, True),
    ("300$", 300, False, True),
    ("300 руб", 300, False, True),
    ("300 руб.", 300, False, True),
    ("300 рублей", 300, False, True),
    ("300 р.", 300, False, True),
    ("300р", 300, False, True),
    ("€50", 50, False, True),
    ("50 EUR", 50, False, True),
    ("50 usd", 50, False, True),
    ("1,2 млн ₽", 1_200_000, False, True),
    ("-5", -5, False, False),
    ("−5", -5, False, False),
    ("+5", 5, False, False),
    ("-20%", -20, True, False),
    ("0", 0, False, False),
    ("  17  ", 17, False, False),
    # the ambiguous comma (module docstring): one comma is a decimal comma
    ("1,520", 1.52, False, False),
    ("1.520", 1.52, False, False),
    ("1,520,000", 1_520_000, False, False),
    ("1.520.000", 1_520_000, False, False),
    ("1,520.5", 1520.5, False, False),
    ("1.520,5", 1520.5, False, False),
    ("12 500,5", 12500.5, False, False),
])
def test_parse_number(text: str, value: float, percent: bool, money: bool) -> None:
    assert parse_number(text) == ParsedNumber(pytest.approx(value), percent, money)


@pytest.mark.parametrize("text", ["", "abc", "12 5000", "12,", ",5", "- 5", "5%%", "1 2",
                                  "12 500 охват", "охват 12", "1" + "0" * 400, "٣"])
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


SPACES = st.sampled_from([" ", "\u00a0", "\u2009", "\u202f"])


def grouped(n: int, sep: str) -> str:
    text = f"{n:,}"
    return text.replace(",", sep)


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A non-negative number as people type it, with its exact value."""
    whole = draw(st.integers(min_value=0, max_value=10**12))
    places = draw(st.integers(min_value=0, max_value=3))
    fraction = draw(st.integers(min_value=0, max_value=10**places - 1)) if places else 0
    value = Decimal(whole) + Decimal(fraction).scaleb(-places)
    style = draw(st.sampled_from(["plain", "spaces", "commas"]))
    if style == "commas" and (whole < 1_000_000 or (places and draw(st.booleans()))):
        style = "spaces"
    head = {"plain": str(whole), "spaces": grouped(whole, draw(SPACES)),
            "commas": grouped(whole, ",")}[style]
    if places:
        mark = "." if style == "commas" else draw(st.sampled_from([",", "."]))
        head += mark + str(fraction).zfill(places)
    return head, value


@given(typed_numbers())
def test_parse_number_reads_typed_numbers(case: tuple[str, Decimal]) -> None:
    text, value = case
    assert parse_number(text) == ParsedNumber(float(value), False, False)


@given(typed_numbers(), st.sampled_from(["к", "k", "K", " тыс", " тыс.", "м", "M", " млн"]))
def test_parse_number_multipliers(case: tuple[str, Decimal], suffix: str) -> None:
    text, value = case
    factor = 1000 if suffix.strip(" .").casefold() in ("к", "k", "тыс") else 1_000_000
    assert parse_number(text + suffix) == ParsedNumber(float(value * factor), False, False)


@given(typed_numbers(), st.sampled_from(["{} ₽", "{}₽", "${}", "{} руб", "{} р.", "€{}",
                                         "{} usd", "{} $", "{}%", "{} %", "-{}", "-{}%"]))
def test_parse_number_marks(case: tuple[str, Decimal], template: str) -> None:
    text, value = case
    parsed = parse_number(template.format(text))
    assert parsed is not None
    assert parsed.value == float(-value if template.startswith("-") else value)
    assert parsed.percent == ("%" in template)
    assert parsed.money == ("%" not in template and template != "-{}")


@given(st.text())
def test_parse_number_never_raises(text: str) -> None:
    parse_number(text)


# --- parse_entry: examples ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("охват 12 500, подписчики 3 400, лиды 17",
     {"reach": 12500, "followers": 3400, "leads": 17}),
    ("reach 12.5k followers 3400 ER 4.2%", {"reach": 12500, "followers": 3400, "er_reach": 4.2}),
    ("Охват: 12 500\nПодписчики: 3 400\nER: 4,2%",
     {"reach": 12500, "followers": 3400, "er_reach": 4.2}),
    ("охват — 12 500; лиды - 17", {"reach": 12500, "leads": 17}),
    ("охват—12500, лиды:17", {"reach": 12500, "leads": 17}),
    ("- охват: 12500\n- лиды: 17", {"reach": 12500, "leads": 17}),
    ("• Охват 12500\n• Лайки 300", {"reach": 12500, "likes": 300}),
    ("новые подписчики 120, отписки 30", {"new_followers": 120, "unfollows": 30}),
    ("new followers 120 unfollows 30 followers 5 000",
     {"new_followers": 120, "unfollows": 30, "followers": 5000}),
    ("ER по охвату 4,2 %", {"er_reach": 4.2}),
    ("ER подписчиков 3%", {"er_followers": 3}),
    ("ERR 5,1%", {"er_reach": 5.1}),
    ("вовлечённость 5%", {"er_reach": 5}),
    ("ВОВЛЕЧЕННОСТЬ 5%", {"er_reach": 5}),
    ("link clicks 120 ad spend $300", {"clicks": 120, "spend": 300}),
    ("бюджет 15 000 ₽, CPL 350", {"spend": 15000, "cpl": 350}),
    ("расходы 1,2 млн руб; выручка 3,5 млн ₽", {"spend": 1_200_000, "revenue": 3_500_000}),
    ("CTR 1,5% CPC 12 ₽ CPM 250", {"ctr": 1.5, "cpc": 12, "cpm": 250}),
    ("ДРР 12%, ROI 150%", {"drr": 12, "romi": 150}),
    ("ROMI -20%", {"romi": -20}),
    ("прирост подписчиков 5%", {"follower_growth": 5}),
    ("прирост подписчиков 50", {"new_followers": 50}),
    ("follower growth 2,5%", {"follower_growth": 2.5}),
    ("в избранное 40 рассказали друзьям 12", {"saves": 40, "shares": 12}),
    ("reach 12500,followers 3400;leads 17", {"reach": 12500, "followers": 3400, "leads": 17}),
    ("сторис 500, UGC видео 3", {"сторис": 500, "UGC видео": 3}),
    ("stories views 900 views 100", {"stories views": 900, "views": 100}),
    ("охват 12500 спасибо!", {"reach": 12500}),
    ("охват 1,520", {"reach": 1.52}),
    ("охват 1,520,000", {"reach": 1_520_000}),
])
def test_examples(text: str, expected: dict[str, float]) -> None:
    entry = parse(text)
    assert pairs(entry) == pytest.approx(expected)
    assert entry.unknown == []
    assert entry.problems == []
    assert entry.week_start == THIS_WEEK
    assert not entry.period_given


def test_raw_name_and_value_keep_the_users_spelling() -> None:
    value = parse("ER по Охвату — 4,2 %").values[0]
    assert (value.metric, value.raw_name, value.raw_value) == ("er_reach", "ER по Охвату", "4,2 %")
    value = parse("Бюджет:\u00a015\u00a0000 ₽").values[0]
    assert (value.raw_name, value.raw_value) == ("Бюджет", "15\u00a0000 ₽")


# --- periods ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "week"), [
    ("прошлая неделя: охват 11 200", LAST_WEEK),
    ("Прошлая неделя\nохват 11 200", LAST_WEEK),
    ("за прошлую неделю: охват 11 200", LAST_WEEK),
    ("на прошлой неделе охват 11 200", LAST_WEEK),
    ("last week: reach 11200", LAST_WEEK),
    ("Last week reach 11200", LAST_WEEK),
    ("позапрошлая неделя: охват 11 200", LAST_WEEK - timedelta(weeks=1)),
    ("эта неделя: охват 11 200", THIS_WEEK),
    ("this week, reach 11200", THIS_WEEK),
    ("2026-W45: reach 11200", date(2026, 11, 2)),
    ("2026-w45\nreach 11200", date(2026, 11, 2)),
    ("12.11.2026: охват 11 200", LAST_WEEK),
    ("12.11.26 охват 11 200", LAST_WEEK),
    ("2026-11-12: охват 11 200", LAST_WEEK),
    ("2026-11-19 охват 11 200", THIS_WEEK),
    ("2025-12-31: охват 11 200", date(2025, 12, 29)),
])
def test_period_prefix(text: str, week: date) -> None:
    entry = parse(text)
    assert entry.week_start == week
    assert entry.period_given
    assert pairs(entry) == {"reach": 11200}
    assert entry.problems == []


def test_name_colon_value_is_not_a_period() -> None:
    entry = parse("охват: 12500")
    assert not entry.period_given
    assert entry.week_start == THIS_WEEK
    assert pairs(entry) == {"reach": 12500}


@pytest.mark.parametrize("text", ["следующая неделя: охват 5", "2026-W49: reach 5",
                                  "2026-11-23: охват 5", "01.01.2027: охват 5"])
def test_future_week_is_a_problem_but_values_are_kept(text: str) -> None:
    entry = parse(text)
    if entry.period_given:
        assert entry.week_start > THIS_WEEK
        assert codes(entry) == ["future_week"]
        assert pairs(entry) == {"reach": 5}
    else:  # "следующая неделя" is no period we know: never silently the future
        assert entry.week_start == THIS_WEEK


@pytest.mark.parametrize("text", ["31.02.2026: охват 5", "2026-W60: охват 5",
                                  "2026-13-01: охват 5"])
def test_impossible_dates_are_a_problem(text: str) -> None:
    entry = parse(text)
    assert entry.period_given
    assert codes(entry) == ["bad_period"]
    assert pairs(entry) == {"reach": 5}


# --- problems and unknown names ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "привет!", "как посмотреть отчёт?", "hello there",
                                  "прошлая неделя"])
def test_no_numbers_gives_nothing(text: str) -> None:
    entry = parse(text)
    assert entry.values == []
    assert entry.unknown == []


def test_known_name_without_value() -> None:
    entry = parse("охват подписчики 3400, лиды")
    assert pairs(entry) == {"followers": 3400}
    assert [(p.code, p.raw) for p in entry.problems] == [("no_value", "охват"),
                                                         ("no_value", "лиды")]


def test_value_without_name() -> None:
    entry = parse("12500")
    assert entry.values == [] and entry.unknown == []
    assert [(p.code, p.raw) for p in entry.problems] == [("no_name", "12500")]


def test_unknown_names_come_with_suggestions() -> None:
    entry = parse("охват 12500, охваат 300, органический охват 5, подписичики 7, зюзюка 9")
    assert pairs(entry) == {"reach": 12500}
    unknown = {u.raw: u.suggestions for u in entry.unknown}
    assert unknown["охваат"][0] == "reach"
    assert unknown["органический охват"][0] == "reach"
    assert unknown["подписичики"][0] == "followers"
    assert unknown["зюзюка"] == []
    assert all(len(s) <= 3 for s in unknown.values())


def test_suggestions_include_custom_names_and_english() -> None:
    assert suggest("сторисы", ["сторис"])[0] == "сторис"
    assert suggest("folowers")[0] == "followers"
    assert suggest("impresions")[0] == "impressions"
    assert suggest("") == []


def test_percent_for_count() -> None:
    entry = parse("лиды 5%, охват 12%, CTR 2%")
    assert pairs(entry) == {"leads": 5, "reach": 12, "ctr": 2}
    assert [(p.code, p.raw) for p in entry.problems] == [("percent_for_count", "лиды 5%"),
                                                         ("percent_for_count", "охват 12%")]


def test_percent_for_a_custom_metric_is_fine() -> None:
    assert codes(parse("сторис 5%")) == []


def test_negative_values() -> None:
    entry = parse("охват -5, ROMI -20%, прирост подписчиков -1,5%, бюджет -300")
    assert pairs(entry) == {"reach": -5, "romi": -20, "follower_growth": -1.5, "spend": -300}
    assert [(p.code, p.raw) for p in entry.problems] == [("negative", "охват -5"),
                                                         ("negative", "бюджет -300")]


def test_a_spaced_dash_is_a_separator_not_a_minus() -> None:
    entry = parse("охват - 5")
    assert pairs(entry) == {"reach": 5}
    assert entry.problems == []


def test_duplicate_metric_last_wins() -> None:
    entry = parse("охват 5, лиды 3, reach 7")
    assert [(v.metric, v.value) for v in entry.values] == [("reach", 7), ("leads", 3)]
    assert [(p.code, p.raw) for p in entry.problems] == [("duplicate_metric", "reach")]


def test_too_large_number() -> None:
    entry = parse("охват 1" + "0" * 400)
    assert entry.values == []
    assert codes(entry) == ["bad_number"]


def test_custom_name_wins_over_an_alias() -> None:
    assert pairs(parse("reach 5", custom=("Reach",))) == {"Reach": 5}


# --- parse_entry: properties ------------------------------------------------------------------

ALIASES_BY_KEY: dict[str, list[str]] = {}
for _alias, _key in catalogue.ALIASES.items():
    if "," not in _alias:
        ALIASES_BY_KEY.setdefault(_key, []).append(_alias)
for _name in CUSTOM:
    ALIASES_BY_KEY[_name] = [_name]

PAIR_SEPARATORS = st.sampled_from([", ", "; ", "\n", " ", ",", ";", "\n\n", " , ", ",\n"])
NAME_SEPARATORS = st.sampled_from([" ", ": ", ":", " — ", "—", " - ", " : ", "\t"])
PERIODS = st.sampled_from([
    ("", THIS_WEEK), ("прошлая неделя: ", LAST_WEEK), ("last week\n", LAST_WEEK),
    ("2026-W45: ", date(2026, 11, 2)), ("09.11.2026 ", LAST_WEEK), ("this week, ", THIS_WEEK),
])


def is_percent(key: str) -> bool:
    metric = catalogue.get(key)
    return metric is not None and metric.unit is catalogue.Unit.PERCENT


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, date, dict[str, float]]:
    keys = draw(st.lists(st.sampled_from(sorted(ALIASES_BY_KEY)), min_size=1, max_size=8,
                         unique=True))
    period, week = draw(PERIODS)
    parts = []
    expected = {}
    for key in keys:
        alias = draw(st.sampled_from(ALIASES_BY_KEY[key]))
        alias = draw(st.sampled_from([alias, alias.upper(), alias.title()]))
        text, value = draw(typed_numbers())
        if is_percent(key) and draw(st.booleans()):
            text += draw(st.sampled_from(["%", " %"]))
        parts.append(alias + draw(NAME_SEPARATORS) + text)
        parts.append(draw(PAIR_SEPARATORS))
        expected[key] = float(value)
    return period + "".join(parts[:-1]), week, expected


@settings(max_examples=300)
@given(messages())
def test_rendered_pairs_come_back(case: tuple[str, date, dict[str, float]]) -> None:
    text, week, expected = case
    entry = parse(text)
    assert pairs(entry) == expected, text
    assert [v.metric for v in entry.values] == list(expected)
    assert entry.week_start == week
    assert entry.unknown == [] and entry.problems == []


@given(st.text())
def test_parse_entry_never_raises(text: str) -> None:
    entry = parse(text)
    assert entry.week_start.weekday() == 0


SOUP = st.sampled_from([*"0123456789 ,.;:-—%$₽kкмMWw\n\u00a0", "охват", "reach", "ER по ",
                       "прошлая неделя", "2026-", "тыс", "руб"])


@given(st.lists(SOUP))
def test_parse_entry_never_raises_on_number_soup(pieces: list[str]) -> None:
    entry = parse("".join(pieces))
    for value in entry.values:
        assert value.raw_name and value.raw_value


@given(st.text(max_size=60))
def test_fold_keeps_offsets_and_folds_every_letter_that_folds_to_one(text: str) -> None:
    from kpi.numbers import normalize_spaces
    from kpi.parser import _fold

    folded = _fold(text)
    assert len(folded) == len(text)  # offsets into the folded text are offsets into the message
    one_by_one = "".join(f if len(f := c.casefold()) == 1 else c for c in text)
    assert folded == normalize_spaces(one_by_one.replace("ё", "е"))


def test_fold_leaves_a_letter_that_folds_to_several() -> None:
    from kpi.parser import _fold

    assert _fold("Straße ОХВАТ Ёлки") == "straße охват елки"
