"""The network and campaign prefixes of the chat grammar (issue 13), by example and property."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpi import breakdown
from kpi.parser import ParsedEntry, parse_entry
from tests.unit.test_parser import (
    ALIASES_BY_KEY,
    CUSTOM,
    LAST_WEEK,
    NAME_SEPARATORS,
    PERIODS,
    THIS_WEEK,
    TODAY,
    is_percent,
    messages,
    typed_numbers,
)

OWN = ("Дзен", "Одноклассники")


def parse(text: str) -> ParsedEntry:
    return parse_entry(text, today=TODAY, custom=CUSTOM, networks=("vk", *OWN))


def segmented(entry: ParsedEntry) -> dict[tuple[str, str, str], float]:
    return {(v.metric, v.network, v.campaign): v.value for v in entry.values}


@pytest.mark.parametrize(("text", "week", "expected"), [
    ("вк: охват 5 000, лиды 4; инстаграм: охват 7 200", THIS_WEEK,
     {("reach", "vk", ""): 5000, ("leads", "vk", ""): 4, ("reach", "instagram", ""): 7200}),
    ("ig reach 7.2k; tg followers 3400", THIS_WEEK,
     {("reach", "instagram", ""): 7200, ("followers", "telegram", ""): 3400}),
    ("кампания «Чёрная пятница»: бюджет 20 000, лиды 31", THIS_WEEK,
     {("spend", "", "Чёрная пятница"): 20000, ("leads", "", "Чёрная пятница"): 31}),
    ("прошлая неделя, вк: охват 5 000", LAST_WEEK, {("reach", "vk", ""): 5000}),
    ("campaign \"Black Friday\" spend $300, leads 3", THIS_WEEK,
     {("spend", "", "Black Friday"): 300, ("leads", "", "Black Friday"): 3}),
    ("кампания Зима 2026: лиды 3", THIS_WEEK, {("leads", "", "Зима 2026"): 3}),
    # the prefix ends at `;` or a line break: what follows is project-wide again
    ("охват 5000, вк: лиды 4; подписчики 3", THIS_WEEK,
     {("reach", "", ""): 5000, ("leads", "vk", ""): 4, ("followers", "", ""): 3}),
    # a prefix alone on its line holds up to an empty line
    ("вк:\nохват 5000\nлиды 4\n\nподписчики 10", THIS_WEEK,
     {("reach", "vk", ""): 5000, ("leads", "vk", ""): 4, ("followers", "", ""): 10}),
    ("сеть «Rutube»: просмотры 900", THIS_WEEK, {("views", "Rutube", ""): 900}),
    ("сеть «ВКонтакте»: просмотры 900", THIS_WEEK, {("views", "vk", ""): 900}),
    ("дзен: охват 4; одноклассники охват 5", THIS_WEEK,
     {("reach", "Дзен", ""): 4, ("reach", "Одноклассники", ""): 5}),
    ("ВК: охват 1; вк: охват 2", THIS_WEEK, {("reach", "vk", ""): 2}),
    ("вк: охват 1; ig: охват 2; охват 3", THIS_WEEK,
     {("reach", "vk", ""): 1, ("reach", "instagram", ""): 2, ("reach", "", ""): 3}),
])
def test_examples(text: str, week: date, expected: dict) -> None:
    entry = parse(text)
    assert segmented(entry) == expected
    assert entry.week_start == week
    assert entry.unknown == []


def test_the_same_metric_in_one_network_twice_is_a_duplicate() -> None:
    entry = parse("вк: охват 1, охват 2")
    assert segmented(entry) == {("reach", "vk", ""): 2}
    assert [p.code for p in entry.problems] == ["duplicate_metric"]


@pytest.mark.parametrize("text", ["вк: 5000", "vk 5000", "site 5", "ig", "вк:", "вк; охват"])
def test_a_network_name_without_pairs_is_not_a_prefix(text: str) -> None:
    entry = parse(text)
    assert all(not v.network for v in entry.values)


def test_a_network_name_as_a_custom_metric_keeps_its_meaning() -> None:
    entry = parse_entry("сайт 120, tg 30", today=TODAY, custom=("сайт", "tg"))
    assert segmented(entry) == {("сайт", "", ""): 120, ("tg", "", ""): 30}


# --- properties ---------------------------------------------------------------------------------

NETWORK_TEXTS = [(alias, key) for key, aliases in breakdown.NETWORK_ALIASES.items()
                 for alias in aliases] + [(own, own) for own in OWN]
CAMPAIGNS = st.text(alphabet="абвгдеёжAbcXyz 0123456789-!", min_size=1, max_size=20).map(
    str.strip).filter(bool)


@st.composite
def prefixes(draw: st.DrawFn) -> tuple[str, tuple[str, str]]:
    kind = draw(st.sampled_from(["none", "network", "network", "campaign"]))
    if kind == "none":
        return "", ("", "")
    if kind == "network":
        alias, key = draw(st.sampled_from(NETWORK_TEXTS))
        alias = draw(st.sampled_from([alias, alias.upper(), alias.title()]))
        return alias + draw(st.sampled_from([": ", ":", " : ", " "])), (key, "")
    name = draw(CAMPAIGNS)
    word = draw(st.sampled_from(["кампания", "Кампания", "campaign"]))
    quoted = draw(st.sampled_from(["«{}»", '"{}"', "“{}”"])).format(name)
    return f"{word} {quoted}" + draw(st.sampled_from([": ", " "])), ("", " ".join(name.split()))


@st.composite
def segmented_messages(draw: st.DrawFn) -> tuple[str, date, dict]:
    period, week = draw(PERIODS)
    groups, expected, used = [], {}, set()
    for _ in range(draw(st.integers(1, 4))):
        prefix, segment = draw(prefixes())
        if segment in used:
            continue  # one group per segment: the same metric twice would be a duplicate
        used.add(segment)
        keys = draw(st.lists(st.sampled_from(sorted(ALIASES_BY_KEY)), min_size=1, max_size=4,
                             unique=True))
        pairs = []
        for key in keys:
            text, value = draw(typed_numbers())
            if is_percent(key) and draw(st.booleans()):
                text += "%"
            pairs.append(draw(st.sampled_from(ALIASES_BY_KEY[key])) + draw(NAME_SEPARATORS)
                         + text)
            expected[(key, *segment)] = float(value)
        groups.append(prefix + draw(st.sampled_from([", ", ","])).join(pairs))
    return period + draw(st.sampled_from(["; ", "\n", ";\n"])).join(groups), week, expected


@settings(max_examples=300)
@given(segmented_messages())
def test_segmented_pairs_come_back(case: tuple[str, date, dict]) -> None:
    text, week, expected = case
    entry = parse(text)
    assert segmented(entry) == expected, text
    assert entry.week_start == week
    assert entry.unknown == [] and entry.problems == [], text


@settings(max_examples=200)
@given(messages())
def test_messages_without_a_prefix_mean_what_they_meant(case: tuple[str, date, dict]) -> None:
    """Knowing networks changes nothing in a message that names none."""
    text, _week, expected = case
    before = parse_entry(text, today=TODAY, custom=CUSTOM)
    after = parse(text)
    assert after == before
    assert {v.metric: v.value for v in after.values} == expected
    assert all(v.network == v.campaign == "" for v in after.values)


@settings(max_examples=200)
@given(messages(), st.sampled_from(NETWORK_TEXTS))
def test_a_header_line_moves_a_whole_message_into_a_network(
        case: tuple[str, date, dict], network: tuple[str, str]) -> None:
    text, _week, expected = case
    assume(not parse(text).period_given)  # the period comes first, before any prefix
    text = "\n".join(text.split("\n\n"))  # a blank line would end the header's reach
    entry = parse(f"{network[0]}:\n{text}")
    assert segmented(entry) == {(k, network[1], ""): v for k, v in expected.items()}


SOUP = st.sampled_from([*"0123456789 ,.;:-%\n«»\"", "вк", "ig", "кампания ", "campaign ",
                       "сеть ", "дзен", "охват", "reach", "прошлая неделя", "2026-W45"])


@given(st.lists(SOUP))
def test_never_raises_and_values_have_one_segment_at_most(pieces: list[str]) -> None:
    entry = parse("".join(pieces))
    for value in entry.values:
        assert value.raw_name and value.raw_value
        assert not (value.network and value.campaign)
