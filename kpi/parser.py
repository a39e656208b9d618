"""Weekly numbers typed as one chat message (interface.md, "Entering numbers by message").

    [period prefix] name value [sep] name value …

- Period (optional, at the very start, ended by `:`, a line break, `,`, `;`, a dash or a space):
  `прошлая неделя` / `last week`, `эта неделя` / `this week`, `позапрошлая неделя`, `2026-W47`,
  `17.11.2026`, `17.11.26`, `2026-11-17`. Without one: the week of `today`.
- Values are found first (kpi.numbers grammar: `12 500`, `12,5к`, `4,2%`, `$300` …); the text
  between two values is the name of the second. Separators `,` `;` and line breaks end a name;
  `:` and dashes around it are ignored; plain spaces are enough between pairs
  (`reach 12.5k followers 3400`). A dash is a minus only when glued to the digits (`-5`).
- A name is split into known names by longest match over the catalogue's aliases and the
  project's custom metrics. Leading known names followed by another known name had no value
  (`охват подписчики 3400` → problem `no_value` for охват). A name with words we do not know is
  reported whole as unknown with suggestions (`охват постов 12500` → unknown, maybe reach), rather
  than guessed.
- `прирост подписчиков 5%`: a percent after a count name that also exists with `%` takes that one.
- Network or campaign (optional, at the start of a group: after the period, a `;` or a line
  break, or after a `,` when it ends with `:`): a network alias (`вк`, `ig`, … kpi.breakdown),
  one of the project's own networks, `сеть «Дзен»` / `network "Dzen"` (a new own network), or
  `кампания «Чёрная пятница»` / `campaign "Black Friday"` / `кампания Зима:`. Ended by `:`, or by
  a space when the alias is not itself a metric name (`ig reach 7.2k`). It holds until the next
  `;` or line break — a prefix alone on its line (`вк:` then lines) until the next empty line —
  or until the next prefix. A prefix directly followed by a number is not one (`вк: 5000` stays
  an unknown name, as before).
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpi import breakdown, catalogue
from kpi.catalogue import Unit
from kpi.numbers import VALUE_RE, ParsedNumber, normalize_spaces, number_from_match
from kpi.weeks import parse_iso_week, week_start

MAX_SUGGESTIONS = 3
MAX_UNKNOWN = 10  # a reply listing more unknown names helps nobody
SUGGESTION_CUTOFF = 0.6

NO_VALUE = "no_value"  # a known name without a number
NO_NAME = "no_name"  # a number without a name
FUTURE_WEEK = "future_week"
BAD_PERIOD = "bad_period"  # looks like a date or ISO week but is not a real one
PERCENT_FOR_COUNT = "percent_for_count"
NEGATIVE = "negative"
DUPLICATE_METRIC = "duplicate_metric"
BAD_NUMBER = "bad_number"  # too large to store


@dataclass(frozen=True, slots=True)
class ParsedValue:
    metric: str  # canonical key or the custom metric's name
    value: float
    raw_name: str
    raw_value: str
    network: str = ""  # a built-in network key or the project's own network name
    campaign: str = ""  # at most one of the two is set; both '' = project-wide


@dataclass(frozen=True, slots=True)
class UnknownName:
    raw: str
    suggestions: list[str] = field(default_factory=list)  # metric keys or custom names


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    raw: str


@dataclass(slots=True)
class ParsedEntry:
    week_start: date
    period_given: bool
    values: list[ParsedValue] = field(default_factory=list)
    unknown: list[UnknownName] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


_WEEKS_AGO = {
    0: ("эта неделя", "этой неделе", "эту неделю", "текущая неделя", "текущей неделе",
        "текущую неделю", "this week", "current week"),
    1: ("прошлая неделя", "прошлой неделе", "прошлую неделю", "предыдущая неделя",
        "предыдущей неделе", "предыдущую неделю", "last week", "previous week", "past week"),
    2: ("позапрошлая неделя", "позапрошлой неделе", "позапрошлую неделю", "week before last"),
}
_RELATIVE = {phrase: ago for ago, phrases in _WEEKS_AGO.items() for phrase in phrases}
_RELATIVE_RE = "|".join(re.escape(p).replace(r"\ ", r"\s+")
                        for p in sorted(_RELATIVE, key=len, reverse=True))
_PERIOD = re.compile(
    rf"""\s*(?:(?:за|на|in|for)\s+)?
    (?:(?P<relative>{_RELATIVE_RE})
      |(?P<iso>[0-9]{{4}}-?w[0-9]{{1,2}})
      |(?P<y>[0-9]{{4}})-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}})
      |(?P<d2>[0-9]{{1,2}})[./](?P<m2>[0-9]{{1,2}})[./](?P<y2>[0-9]{{4}}|[0-9]{{2}}))
    (?:\s*[:\n\r,;—–-]|(?=\s)|$)""",
    re.VERBOSE,
)
_CHUNK = re.compile(r"[^,;\n\r]+")
_QUOTED = r"[«\"“„'](?P<quoted>[^»\"”“'\n\r]{1,64})[»\"”“']"
_NAMED_SEGMENT = re.compile(
    rf"""[ \t]*(?P<kind>кампания|кампании|campaign|сеть|network)[ \t]+
    (?:{_QUOTED}|(?P<bare>[^:,;\n\r«\"“„']{{1,64}}?)(?=[ \t]*:))""",
    re.VERBOSE,
)
_END_OF_PREFIX = re.compile(r"[ \t]*(?P<colon>:)?[ \t]*")
_HEADER_END = re.compile(r"[ \t]*(?:\r?\n|$)")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_GROUP_END = re.compile(r"[;\n\r]")
_WORD = re.compile(r"[^\s,;]+")
_WORD_CORE = re.compile(r"[\w%$€₽](?:.*[\w%$€₽])?")


def _fold(text: str) -> str:
    """Case-folded, `ё` → `е`, exotic spaces → plain; the same length as `text`, so offsets into
    it are offsets into the message."""
    folded = text.casefold()
    if len(folded) != len(text):  # some letter folds to several (ß → ss): keep it as it is
        folded = "".join(c if len(f := c.casefold()) != 1 else f for c in text)
    return normalize_spaces(folded.replace("ё", "е"))


def _name_key(name: str) -> tuple[str, ...]:
    words = (_WORD_CORE.search(w) for w in _WORD.findall(_fold(name)))
    return tuple(m.group() for m in words if m)


_BASE_INDEX: dict[tuple[str, ...], str] = {}
for _alias, _key in catalogue.ALIASES.items():
    _BASE_INDEX.setdefault(_name_key(_alias), _key)
_BASE_INDEX.pop((), None)
_BASE_LONGEST = max(len(k) for k in _BASE_INDEX)


@functools.lru_cache(maxsize=256)  # one per project's set of networks: built once, not per message
def _alias_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({n for n in names if n}, key=len, reverse=True)
    body = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in alternatives)
    return re.compile(rf"[ \t]*(?P<alias>{body})(?![\w%$€₽])")


_BUILTIN_ALIASES = [a for aliases in breakdown.NETWORK_ALIASES.values() for a in aliases]
_BUILTIN_PATTERN = _alias_pattern(tuple(_BUILTIN_ALIASES))


@dataclass(frozen=True, slots=True)
class _Prefix:
    """A network or campaign prefix: its span and how far it holds."""

    start: int
    end: int
    scope_end: int
    network: str
    campaign: str


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # folded, punctuation stripped
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Item:
    metric: str | None  # None: a word we do not know
    words: tuple[_Word, ...]


class _EntryParser:
    def __init__(self, text: str, today: date, custom: Sequence[str],
                 networks: Sequence[str] = ()) -> None:
        self.text, self.folded, self.today = text, _fold(text), today
        # The project's own networks, folded → as stored; built-in keys are aliases already.
        self.own_networks = {breakdown.fold(n): n for n in networks
                             if n and n not in breakdown.NETWORKS}
        self.network_pattern = (_alias_pattern((*_BUILTIN_ALIASES, *self.own_networks))
                                if self.own_networks else _BUILTIN_PATTERN)
        self.segment: tuple[str, str] = ("", "")
        self.custom = tuple(custom)
        self.index, self.longest = _BASE_INDEX, _BASE_LONGEST  # shared, never written
        if self.custom:
            self.index = dict(_BASE_INDEX)
            for name in self.custom:
                if key := _name_key(name):
                    self.index[key] = name
                    self.longest = max(self.longest, len(key))
        self.entry = ParsedEntry(week_start=week_start(today), period_given=False)
        self.positions: dict[tuple[str, str, str], int] = {}

    def parse(self) -> ParsedEntry:
        position = self._period()
        prefixes = self._prefixes(position)
        limits = [p.start for p in prefixes] + [len(self.folded)]
        current: _Prefix | None = None
        for limit, following in zip(limits, [*prefixes, None], strict=True):
            for match in VALUE_RE.finditer(self.folded, position, limit):
                in_scope = current is not None and match.start() < current.scope_end
                self.segment = ((current.network, current.campaign)
                                if current is not None and in_scope else ("", ""))
                self._phrase(position, match.start(), match)
                position = match.end()
            self._phrase(position, limit, None)
            if following is not None:
                current, position = following, following.end
        return self.entry

    def _prefixes(self, start: int) -> list[_Prefix]:
        """Network and campaign prefixes at the starts of groups, in order."""
        found: list[_Prefix] = []
        starts = [(start, False)] + [
            (m.end(), m.group() == ",") for m in re.finditer(r"[;\n\r,]", self.folded)
            if m.end() > start]
        for position, after_comma in starts:
            if found and position < found[-1].end:
                continue
            prefix = self._prefix_at(position, after_comma)
            if prefix is not None:
                found.append(prefix)
        return found

    def _prefix_at(self, position: int, colon_required: bool) -> _Prefix | None:
        folded = self.folded
        named = _NAMED_SEGMENT.match(folded, position)
        if named:
            name_start, name_end = named.span("quoted") if named["quoted"] else named.span("bare")
            raw = breakdown.clean_name(self.text[name_start:name_end])
            if not raw:
                return None
            if named["kind"] in ("сеть", "network"):
                segment = (breakdown.builtin_network(raw)
                           or self.own_networks.get(breakdown.fold(raw), raw), "")
            else:
                segment = ("", raw)
            end = named.end()
        else:
            alias = self.network_pattern.match(folded, position)
            if alias is None:
                return None
            name = " ".join(alias["alias"].split())
            segment = (breakdown.builtin_network(name) or self.own_networks[name], "")
            end = alias.end()
        tail = _END_OF_PREFIX.match(folded, end)
        assert tail is not None  # every part of it is optional
        after = tail.end()
        if not tail["colon"]:
            if colon_required or after >= len(folded) or folded[after] in "\r\n":
                return None
            if named is None and (end == after or self._starts_a_metric(alias.start("alias"))):
                return None  # `site visits 10`: a metric's name, not a network
        if VALUE_RE.match(folded, after):
            return None  # `вк: 5000`: a name and a number, as before
        if tail["colon"] and _HEADER_END.match(folded, after) is not None:
            blank = _BLANK_LINE.search(folded, after)  # a header line: up to an empty line
            scope_end = blank.start() if blank else len(folded)
        else:
            group_end = _GROUP_END.search(folded, after)
            scope_end = group_end.start() if group_end else len(folded)
        return _Prefix(position, after, scope_end, *segment)

    def _starts_a_metric(self, start: int) -> bool:
        chunk = _CHUNK.match(self.folded, start)
        items = self._items(start, chunk.end()) if chunk else []
        return bool(items) and items[0].metric is not None

    def _period(self) -> int:
        match = _PERIOD.match(self.folded)
        if match is None:
            return 0
        week = self._period_week(match)
        self.entry.period_given = True
        raw = self._raw(match.start(), match.end()).strip(":,;—–-").strip()
        if week is None:
            self.entry.problems.append(Problem(BAD_PERIOD, raw))
        else:
            self.entry.week_start = week
            if week > week_start(self.today):
                self.entry.problems.append(Problem(FUTURE_WEEK, raw))
        return match.end()

    def _period_week(self, match: re.Match[str]) -> date | None:
        if match["relative"]:
            ago = _RELATIVE[" ".join(match["relative"].split())]
            return week_start(self.today) - timedelta(weeks=ago)
        if match["iso"]:
            return parse_iso_week(match["iso"])
        if match["y"]:
            year, month, day = match["y"], match["m"], match["d"]
        else:
            year, month, day = match["y2"], match["m2"], match["d2"]
            year = f"20{year}" if len(year) == 2 else year
        try:
            return week_start(date(int(year), int(month), int(day)))
        except ValueError:
            return None

    def _phrase(self, start: int, end: int, value: re.Match[str] | None) -> None:
        """The text between two values: the name of `value`, after names left without one."""
        chunks = [self._items(m.start() + start, m.end() + start)
                  for m in _CHUNK.finditer(self.folded[start:end])]
        chunks = [items for items in chunks if items]
        named = chunks.pop() if chunks and value else []
        for items in chunks:
            self._no_values(items)
        if value is None:
            return
        if not named:
            self.entry.problems.append(Problem(NO_NAME, self._raw(value.start(), value.end())))
            return
        while len(named) > 1 and named[0].metric and named[1].metric:
            self._no_values(named[:1])
            named = named[1:]
        raw_name = self._raw(named[0].words[0].start, named[-1].words[-1].end)
        if len(named) == 1 and named[0].metric:
            self._value(named[0], raw_name, value)
        elif len(self.entry.unknown) < MAX_UNKNOWN:
            self.entry.unknown.append(UnknownName(raw_name, suggest(raw_name, self.custom)))

    def _items(self, start: int, end: int) -> list[_Item]:
        """Words of a chunk, grouped by longest match into known names; unknown words alone."""
        words = []
        for match in _WORD.finditer(self.folded, start, end):
            core = _WORD_CORE.search(match.group())
            if core:
                words.append(_Word(core.group(), match.start() + core.start(),
                                   match.start() + core.end()))
        items, i = [], 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                metric = self.index.get(tuple(w.text for w in words[i:i + size]))
                if metric:
                    items.append(_Item(metric, tuple(words[i:i + size])))
                    i += size
                    break
            else:
                items.append(_Item(None, (words[i],)))
                i += 1
        return items

    def _no_values(self, items: list[_Item]) -> None:
        for item in items:
            if item.metric:
                raw = self._raw(item.words[0].start, item.words[-1].end)
                self.entry.problems.append(Problem(NO_VALUE, raw))

    def _value(self, item: _Item, raw_name: str, match: re.Match[str]) -> None:
        raw_value = self._raw(match.start(), match.end())
        number = number_from_match(match)
        if not math.isfinite(number.value):
            self.entry.problems.append(Problem(BAD_NUMBER, raw_value))
            return
        metric = self._metric_for(item, number)
        definition = catalogue.get(metric)
        if definition and definition.unit is not Unit.PERCENT:
            if number.percent:
                self.entry.problems.append(Problem(PERCENT_FOR_COUNT, f"{raw_name} {raw_value}"))
            if number.value < 0:
                self.entry.problems.append(Problem(NEGATIVE, f"{raw_name} {raw_value}"))
        network, campaign = self.segment
        parsed = ParsedValue(metric, number.value, raw_name, raw_value, network, campaign)
        key = (metric, network, campaign)
        if key in self.positions:
            self.entry.problems.append(Problem(DUPLICATE_METRIC, raw_name))
            self.entry.values[self.positions[key]] = parsed
        else:
            self.positions[key] = len(self.entry.values)
            self.entry.values.append(parsed)

    def _metric_for(self, item: _Item, number: ParsedNumber) -> str:
        metric = item.metric or ""
        definition = catalogue.get(metric)
        if number.percent and definition and definition.unit is not Unit.PERCENT:
            percent_name = (*(w.text for w in item.words), "%")
            return self.index.get(percent_name, metric)
        return metric

    def _raw(self, start: int, end: int) -> str:
        return self.text[start:end].strip()


def suggest(raw: str, custom: Sequence[str] = ()) -> list[str]:
    """Up to three metric keys or custom names closest to an unknown name (difflib), best first.

    The name is compared whole and word by word, so `охват постов` still suggests reach."""
    text = catalogue.normalize_name(raw)[:60]
    if not text:
        return []
    probes = [text, *[w for w in text.split() if len(w) >= 3][:5]]
    names = dict(catalogue.ALIASES)
    names.update({catalogue.normalize_name(c): c for c in custom})
    best: dict[str, float] = {}
    matcher = difflib.SequenceMatcher()
    for name, key in names.items():
        matcher.set_seq2(name)
        for probe in probes:
            matcher.set_seq1(probe)
            if matcher.real_quick_ratio() < SUGGESTION_CUTOFF:
                continue
            if matcher.quick_ratio() < SUGGESTION_CUTOFF:
                continue
            score = matcher.ratio()
            if score >= SUGGESTION_CUTOFF and score > best.get(key, 0.0):
                best[key] = score
    return sorted(best, key=lambda k: -best[k])[:MAX_SUGGESTIONS]


def parse_entry(text: str, *, today: date, custom: Sequence[str] = (),
                networks: Sequence[str] = ()) -> ParsedEntry:
    """The week and the values of one message; see the module docstring for the grammar.

    `today` is the date in the project's timezone. A week after the current one gets a
    `future_week` problem and its values are still returned (the caller refuses). The same
    metric twice: the last value wins, with a `duplicate_metric` problem. Text with no
    numbers gives no values and no unknown names. `networks`: the project's networks, so that
    its own ones (not built-in) are recognised by name like the built-in aliases.
    """
    return _EntryParser(text, today, custom, networks).parse()
