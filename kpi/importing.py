"""Uploaded tables → weekly KPI values.

Layouts: wide (a date column plus one column per metric), long (date, metric, value) and the
Meta Business Suite posts export (one row per post, summed by publish week). Rows map to ISO
weeks (Monday). Daily rows are aggregated: flows summed, stocks take the week's last value, typed
rates are dropped (they are recomputed from their components) and reach summed over days is
marked approximate (kpi-reference.md, "From daily rows to a week").
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kpi import breakdown, catalogue, posts
from kpi.catalogue import Kind, normalize_name
from kpi.exporting import FORMULA_SOURCE
from kpi.posts import POST_LAYOUTS, ImportedPost
from kpi.tables import HEADER_SEARCH_ROWS, Cell, ImportProblem, Table, read_table

__all__ = ["ImportProblem", "ImportResult", "ImportedValue", "parse_date", "parse_number",
           "read_import", "week_start"]

DATE_HEADERS = frozenset({"week_start", "week start", "week", "date", "неделя", "дата", "период",
                          "начало недели", "period", "week starting"})
META_DATE_HEADER = "publish time"
METRIC_HEADERS = frozenset({"metric", "метрика", "показатель", "kpi", "metric name"})
VALUE_HEADERS = frozenset({"value", "значение", "число", "amount"})
APPROXIMATE_HEADERS = frozenset({"approximate", "приблизительно", "примерно"})
# Which network or campaign a row's values belong to (issue 13); empty = the whole project.
NETWORK_HEADERS = frozenset({"network", "сеть", "соцсеть", "площадка", "platform", "платформа"})
CAMPAIGN_HEADERS = frozenset({"campaign", "кампания", "рекламная кампания", "ad campaign"})
# Columns of our own export that describe a value rather than hold one: not reported as skipped.
EXPORT_INFO_HEADERS = frozenset({"project", "проект", "source", "источник"})
TOTAL_WORDS = frozenset({"total", "totals", "итого", "итог", "всего", "сумма", "sum", "average",
                         "среднее", "avg"})
EMPTY_MARKERS = frozenset({"-", "—", "–", "n/a", "na", "н/д", "нет данных", "null", "none"})
TRUE_WORDS = frozenset({"1", "true", "yes", "да", "истина", "y", "x", "✓"})

# Meta exports posts: reach of posts summed over a week counts people more than once.
META_APPROXIMATE = frozenset({"reach"})
APPROXIMATE_FROM_DAILY = frozenset({"reach"})


@dataclass(frozen=True, slots=True)
class ImportedValue:
    week_start: date
    metric: str
    value: float
    approximate: bool = False
    network: str = ""  # a built-in network key (kpi.breakdown) or the file's own name
    campaign: str = ""


@dataclass(slots=True)
class ImportResult:
    layout: str  # "wide" | "long" | "meta" | "vk" | "telegram" | "posts" (kpi.posts)
    mapping: dict[str, str]  # column header (long: metric name as written) → key / custom name
    ignored_columns: list[str]
    values: list[ImportedValue]
    weeks: list[date]
    ignored_rows: list[tuple[int, str]]  # (spreadsheet row number, reason code)
    daily: bool
    # Why each ignored column was skipped: "unknown", "duplicate", "rate_from_daily", "meta_info",
    # "post_info" (a post list's text, link, id or network: kept with the post).
    column_reasons: dict[str, str] = field(default_factory=dict)
    # Post lists (layouts in kpi.posts.POST_LAYOUTS): each row kept as a post too.
    posts: list[ImportedPost] = field(default_factory=list)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def read_import(data: bytes, filename: str, *, today: date,
                custom: Sequence[str] = ()) -> ImportResult:
    table = read_table(data, filename)
    return import_table(table, today=today, custom=tuple(custom))


# ---------------------------------------------------------------------------------------------
# Layout detection


@dataclass(slots=True)
class _Observation:
    row: int
    day: date
    metric: str
    value: float
    approximate: bool = False
    network: str = ""
    campaign: str = ""


def import_table(table: Table, *, today: date, custom: tuple[str, ...] = ()) -> ImportResult:
    header_index = _find_header(table.rows)
    header = [_unneutralise(_text(c).strip()) for c in table.rows[header_index]]
    names = [normalize_name(h) for h in header]
    if META_DATE_HEADER in names:
        return _Importer(table, header_index, header, today, custom, "meta").run()
    if layout := posts.detect_layout(names):
        return _Importer(table, header_index, header, today, custom, layout).run()
    if any(n in METRIC_HEADERS for n in names) and any(n in VALUE_HEADERS for n in names):
        return _Importer(table, header_index, header, today, custom, "long").run()
    return _Importer(table, header_index, header, today, custom, "wide").run()


def _find_header(rows: list[list[Cell]]) -> int:
    seen = 0
    for index, row in enumerate(rows):
        texts = [normalize_name(_text(c)) for c in row]
        if not any(texts):
            continue
        if any(t in DATE_HEADERS or t == META_DATE_HEADER or t in posts.POST_DATE_HEADERS
               for t in texts):
            return index
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
    raise ImportProblem("no_date_column")


class _Importer:
    def __init__(self, table: Table, header_index: int, header: list[str], today: date,
                 custom: tuple[str, ...], layout: str) -> None:
        self.table = table
        self.header_index = header_index
        self.header = header
        self.names = [normalize_name(h) for h in header]
        self.today_week = week_start(today)
        self.custom = custom
        self.layout = layout
        self.mapping: dict[str, str] = {}
        self.ignored_columns: list[str] = []
        self.column_reasons: dict[str, str] = {}
        self.ignored_rows: list[tuple[int, str]] = []
        self._ignored_set: set[tuple[int, str]] = set()
        self._ignored_numbers: set[int] = set()
        self._dated: list[tuple[int, date, list[Cell]]] = []  # wide rows with a date
        self.network_column = next(
            (i for i, n in enumerate(self.names) if n in NETWORK_HEADERS), None)
        self.campaign_column = next(
            (i for i, n in enumerate(self.names) if n in CAMPAIGN_HEADERS), None)
        self.segment_columns = {i for i in (self.network_column, self.campaign_column)
                                if i is not None}

    # -- helpers ------------------------------------------------------------------------------

    def _data_rows(self) -> list[tuple[int, list[Cell]]]:
        rows = self.table.rows
        return [(i + 1, rows[i]) for i in range(self.header_index + 1, len(rows))]

    def _segment(self, number: int, row: list[Cell]) -> tuple[str, str]:
        """The row's (network, campaign); both empty for a project-wide row."""
        found = []
        for index in (self.network_column, self.campaign_column):
            cell = row[index] if index is not None and index < len(row) else None
            text = breakdown.clean_name(_unneutralise(_text(cell))) if _filled(cell) else ""
            if text.casefold() in EMPTY_MARKERS:
                text = ""
            if len(text) > breakdown.MAX_SEGMENT_NAME:
                raise ImportProblem("segment_too_long", {"row": number, "value": text[:40]})
            found.append(text)
        network, campaign = found
        if network and campaign:
            raise ImportProblem("network_and_campaign", {"row": number})
        return (breakdown.builtin_network(network) or network), campaign

    def _ignore_column(self, column: str, reason: str) -> None:
        if column and column not in self.column_reasons:
            self.ignored_columns.append(column)
            self.column_reasons[column] = reason

    def _ignore_row(self, row: int, reason: str) -> None:
        if (row, reason) not in self._ignored_set:
            self._ignored_set.add((row, reason))
            self._ignored_numbers.add(row)
            self.ignored_rows.append((row, reason))

    def _date_column(self) -> int:
        if self.layout == "meta":
            return self.names.index(META_DATE_HEADER)
        if self.layout in POST_LAYOUTS:
            found = posts.date_column(self.names, DATE_HEADERS)
            if found is not None:
                return found
        for index, name in enumerate(self.names):
            if name in DATE_HEADERS:
                return index
        raise ImportProblem("no_date_column")  # pragma: no cover - _find_header checked

    def _row_date(self, number: int, cell: Cell, slash: str, *, data_present: bool) -> date | None:
        """The row's date; None for rows to skip (blank, totals, no date)."""
        text = _text(cell).strip() if not isinstance(cell, date | int | float) else ""
        if cell is None or (isinstance(cell, str) and not text):
            if data_present:
                self._ignore_row(number, "no_date")
            return None
        if text and normalize_name(text) in TOTAL_WORDS:
            self._ignore_row(number, "total")
            return None
        day = parse_date(cell, slash_order=slash)
        if day is None:
            raise ImportProblem("bad_date", {"row": number, "value": _shown(cell)})
        if week_start(day) > self.today_week:
            raise ImportProblem("future_date", {"row": number, "value": _shown(cell)})
        return day

    # -- layouts ------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        date_column = self._date_column()
        rows = self._data_rows()
        slash = _slash_order([r[date_column] if date_column < len(r) else None for _, r in rows],
                             default="mdy" if self.layout == "meta" else "dmy")
        if self.layout == "long":
            observations = self._long(rows, date_column, slash)
        else:
            observations = self._wide(rows, date_column, slash)
        result = self._aggregate(observations)
        if self.layout in POST_LAYOUTS:
            result.posts = self._posts(observations)
        return result

    def _posts(self, observations: list[_Observation]) -> list[ImportedPost]:
        """The rows as posts, with the counts only: a rate or a stock is no post's number."""
        measured: dict[int, dict[str, float]] = defaultdict(dict)
        for item in observations:
            if _kind(item.metric) is Kind.FLOW:
                measured[item.row][item.metric] = item.value
        return posts.build_posts(self.layout, self.names, self._dated, measured)

    def _wide(self, rows: list[tuple[int, list[Cell]]], date_column: int,
              slash: str) -> list[_Observation]:
        columns: dict[int, str] = {}
        for index, column in enumerate(self.header):
            if index == date_column or not column.strip() or index in self.segment_columns:
                continue
            if self.layout == "meta" and self.names[index] in DATE_HEADERS:
                self._ignore_column(column, "meta_info")  # Meta's "Date" column says "Lifetime"
                continue
            if self.layout in POST_LAYOUTS and posts.is_info_column(self.names[index]):
                self._ignore_column(column, "post_info")  # kept on the post, not a number
                continue
            metric = (posts.POST_ALIASES.get(self.names[index]) if self.layout in POST_LAYOUTS
                      else None) or catalogue.resolve(column, self.custom)
            if metric is None:
                self._ignore_column(column, "unknown")
            elif metric in columns.values():
                self._ignore_column(column, "duplicate")
            else:
                columns[index] = metric
                self.mapping[column] = metric
        if not columns:
            raise ImportProblem("no_metric_columns",
                                {"columns": ", ".join(h for h in self.header if h.strip())[:200]})
        us = {index: self.layout == "meta" or _us_numbers(r[index] for _, r in rows
                                                          if index < len(r))
              for index in columns}
        dated: list[tuple[int, date, list[Cell]]] = []
        for number, row in rows:
            present = any(_filled(row[i]) for i in columns if i < len(row))
            cell = row[date_column] if date_column < len(row) else None
            day = self._row_date(number, cell, slash, data_present=present)
            if day is not None:
                dated.append((number, day, row))
        self._dated = dated
        observations: list[_Observation] = []
        for number, day, row in dated:
            found = False
            for index, metric in columns.items():
                cell = row[index] if index < len(row) else None
                if cell is None and (number, index) in self.table.formulas:
                    self._ignore_row(number, "formula")
                    continue
                try:
                    value = parse_number(cell, us=us[index])
                except ValueError:
                    raise ImportProblem("bad_number", {"row": number, "column": self.header[index],
                                                       "value": _shown(cell)}) from None
                if value is not None:
                    found = True
                    observations.append(_Observation(number, day, metric, value,
                                                     False, *self._segment(number, row)))
            if not found and number not in self._ignored_numbers:
                self._ignore_row(number, "empty")
        return observations

    def _long(self, rows: list[tuple[int, list[Cell]]], date_column: int,
              slash: str) -> list[_Observation]:
        metric_column = next(i for i, n in enumerate(self.names) if n in METRIC_HEADERS)
        value_column = next(i for i, n in enumerate(self.names) if n in VALUE_HEADERS)
        approx_column = next((i for i, n in enumerate(self.names) if n in APPROXIMATE_HEADERS),
                             None)
        used = {date_column, metric_column, value_column, approx_column, *self.segment_columns}
        for index, column in enumerate(self.header):
            if index not in used and self.names[index] not in EXPORT_INFO_HEADERS:
                self._ignore_column(column, "unknown")
        us = _us_numbers(r[value_column] for _, r in rows if value_column < len(r))
        observations: list[_Observation] = []
        dated: list[tuple[int, date, list[Cell]]] = []
        for number, row in rows:
            def cell_at(index: int | None, row: list[Cell] = row) -> Cell:
                return row[index] if index is not None and index < len(row) else None
            present = _filled(cell_at(metric_column)) or _filled(cell_at(value_column))
            day = self._row_date(number, cell_at(date_column), slash, data_present=present)
            if day is not None:
                dated.append((number, day, row))
        source_column = next((i for i, n in enumerate(self.names)
                              if n in ("source", "источник")), None)
        for number, day, row in dated:
            name_cell = row[metric_column] if metric_column < len(row) else None
            name = _unneutralise(_text(name_cell).strip())
            source = row[source_column] if source_column is not None \
                and source_column < len(row) else None
            if _text(source).strip().casefold() == FORMULA_SOURCE:
                # The bot's own export of a formula KPI: computed from the other rows, not data.
                self._ignore_row(number, "computed")
                continue
            if not name:
                self._ignore_row(number, "empty")
                continue
            metric = catalogue.resolve(name, self.custom)
            if metric is None:
                self._ignore_row(number, "unknown_metric")
                continue
            cell = row[value_column] if value_column < len(row) else None
            if cell is None and (number, value_column) in self.table.formulas:
                self._ignore_row(number, "formula")
                continue
            try:
                value = parse_number(cell, us=us)
            except ValueError:
                raise ImportProblem("bad_number", {"row": number,
                                                   "column": self.header[value_column],
                                                   "value": _shown(cell)}) from None
            if value is None:
                self._ignore_row(number, "empty")
                continue
            self.mapping.setdefault(name, metric)
            approx_cell = row[approx_column] if approx_column is not None \
                and approx_column < len(row) else None
            observations.append(_Observation(number, day, metric, value, _truthy(approx_cell),
                                             *self._segment(number, row)))
        return observations

    # -- aggregation --------------------------------------------------------------------------

    def _aggregate(self, observations: list[_Observation]) -> ImportResult:
        meta = self.layout in POST_LAYOUTS  # one row per post: rows of a day are summed
        if not meta:
            observations = self._drop_duplicates(observations)
        groups: dict[tuple[date, str, str, str], list[_Observation]] = defaultdict(list)
        for item in observations:
            groups[(week_start(item.day), item.metric, item.network, item.campaign)].append(item)
        daily = any(len({o.day for o in group}) > 1 or (meta and len(group) > 1)
                    for group in groups.values())
        if daily:
            rates = {key[1] for key in groups if _kind(key[1]) is Kind.RATE}
            if rates:
                for column, metric in list(self.mapping.items()):
                    if metric in rates:
                        del self.mapping[column]
                        if self.layout == "long":
                            continue
                        self._ignore_column(column, "rate_from_daily")
                if self.layout == "long":
                    for item in observations:
                        if item.metric in rates:
                            self._ignore_row(item.row, "rate_from_daily")
                groups = {k: g for k, g in groups.items() if k[1] not in rates}
                if not groups:
                    raise ImportProblem("rates_only")
        order = {metric: i for i, metric in enumerate(dict.fromkeys(
            o.metric for o in observations))}
        values: list[ImportedValue] = []
        for (week, metric, network, campaign), group in sorted(
                groups.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][3], order[kv[0][1]])):
            group.sort(key=lambda o: (o.day, o.row))
            if len(group) == 1:
                value = group[0].value
            elif _kind(metric) is Kind.STOCK:
                value = group[-1].value
            else:  # flows and custom metrics: summed
                value = _clean(math.fsum(o.value for o in group))
            approximate = any(o.approximate for o in group) or (
                metric in META_APPROXIMATE if meta else
                daily and metric in APPROXIMATE_FROM_DAILY)
            values.append(ImportedValue(week, metric, value, approximate, network, campaign))
        if not values:
            raise ImportProblem("empty")
        self.ignored_rows.sort()
        return ImportResult(layout=self.layout, mapping=self.mapping,
                            ignored_columns=self.ignored_columns, values=values,
                            weeks=sorted({v.week_start for v in values}),
                            ignored_rows=self.ignored_rows, daily=daily,
                            column_reasons=self.column_reasons)

    def _drop_duplicates(self, observations: list[_Observation]) -> list[_Observation]:
        """The same day and metric twice: the later row wins, the earlier is reported."""
        latest: dict[tuple[date, str, str, str], _Observation] = {}
        for item in observations:
            key = (item.day, item.metric, item.network, item.campaign)
            previous = latest.get(key)
            if previous is not None:
                self._ignore_row(previous.row, "duplicate")
            latest[key] = item
        kept = set(map(id, latest.values()))
        return [o for o in observations if id(o) in kept]


def _kind(metric: str) -> Kind:
    found = catalogue.get(metric)
    return found.kind if found else Kind.FLOW  # custom metrics are counted like flows


# ---------------------------------------------------------------------------------------------
# Cells

_ISO = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?=$|[\sT–—-])")
_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})(?:-?([1-7]))?(?=$|[\s–—])", re.IGNORECASE)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?=$|[\s,T–—-])")
_SLASHED = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})(?=$|[\s,T–—-])")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(cell: Cell, *, slash_order: str = "dmy") -> date | None:
    """A cell as a date: datetime cells, Excel serials, ISO dates and weeks, 17.11.2026,
    17/11/2026 (`slash_order` "dmy" or "mdy"); for ranges and date-times the first date."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float):
        if 20_000 <= cell <= 80_000:  # an Excel serial number in a cell not formatted as date
            return _EXCEL_EPOCH + timedelta(days=int(cell))
        return None
    text = _unneutralise(str(cell).strip())
    try:
        if match := _ISO_WEEK.match(text):
            year, week, weekday = int(match[1]), int(match[2]), int(match[3] or 1)
            return date.fromisocalendar(year, week, weekday)
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DOTTED.match(text):
            return date(_year(match[3]), int(match[2]), int(match[1]))
        if match := _SLASHED.match(text):
            first, second = int(match[1]), int(match[2])
            day, month = (second, first) if slash_order == "mdy" else (first, second)
            return date(_year(match[3]), month, day)
    except ValueError:
        return None
    return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _slash_order(cells: list[Cell], default: str) -> str:
    """One order for the whole column: a first part above 12 means day first, a second part
    above 12 means month first; otherwise the default (Meta: US month first, others: day)."""
    for cell in cells:
        if isinstance(cell, str) and (match := _SLASHED.match(cell.strip())):
            if int(match[1]) > 12:
                return "dmy"
            if int(match[2]) > 12:
                return "mdy"
    return default


_CURRENCY = re.compile(r"^(?:[₽$€£¥₴₸]|usd|eur|rub)|(?:[₽$€£¥₴₸]|руб\.?|р\.?|rub|usd|eur)$")
_MULTIPLIERS = (("млн", 1e6), ("mln", 1e6), ("тыс.", 1e3), ("тыс", 1e3), ("к", 1e3), ("k", 1e3),
                ("м", 1e6), ("m", 1e6))
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_US_PATTERN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:,\d{3}){2,}")


def parse_number(cell: Cell, *, us: bool = False) -> float | None:
    """A cell as a number; None for an empty cell; ValueError for anything else.

    `12 500`, `12,5`, `12.5`, `4,2%`, `15 000 ₽`, `$300`, `12,5к`, `1.2M`; with `us` (Meta exports
    and columns that contain `1,234.5` or `1,234,567`) commas are thousands separators.
    """
    if cell is None:
        return None
    if isinstance(cell, bool | date | datetime):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            raise ValueError(cell)
        return float(cell)
    text = _unneutralise(str(cell).strip()).lstrip("'")
    if not text or text.casefold() in EMPTY_MARKERS:
        return None
    text = re.sub(r"\s+", "", text.casefold()).replace("\u2212", "-")
    text = text.removesuffix("%")
    for _ in range(2):
        text = _CURRENCY.sub("", text)
    factor = 1.0
    for suffix, multiplier in _MULTIPLIERS:
        if text.endswith(suffix) and text[:-len(suffix)][-1:].isdigit():
            text, factor = text[:-len(suffix)], multiplier
            break
    text = _CURRENCY.sub("", text).removesuffix("%")
    text = re.sub(r"(?<=\d)['’](?=\d{3})", "", text)
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:]
    if "," in text and "." in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        text = text.replace("," if decimal == "." else ".", "").replace(",", ".")
    elif "," in text:
        if us or re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", text):
            if not re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
                raise ValueError(cell)
            text = text.replace(",", "")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        else:
            raise ValueError(cell)
    elif text.count(".") > 1:
        if not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
            raise ValueError(cell)
        text = text.replace(".", "")
    if not _NUMBER.fullmatch(sign + text):
        raise ValueError(cell)
    value = float(sign + text)
    return _clean(value * factor) if factor != 1.0 else value


def _us_numbers(cells) -> bool:
    """Whether a column writes numbers the US way (1,234.5 or 1,234,567)."""
    for cell in cells:
        if isinstance(cell, str) and _US_PATTERN.fullmatch(re.sub(r"[\s$€£%]", "", cell)):
            return True
    return False


def _clean(value: float) -> float:
    """Sums and multiplications without float noise (0.1 + 0.2 → 0.3)."""
    rounded = round(value, 9)
    return rounded if math.isfinite(rounded) else value


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _unneutralise(text: str) -> str:
    """Our exports prefix `'` to text starting with = + - @; read such text back as written."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _truthy(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float):
        return cell != 0
    return _text(cell).strip().casefold() in TRUE_WORDS


def _shown(cell: Cell) -> str:
    text = _text(cell)
    return text if len(text) <= 40 else text[:39] + "…"
