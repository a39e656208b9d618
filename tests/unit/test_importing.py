"""kpi.importing / kpi.tables: uploaded CSV and XLSX files → weekly values."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import SUPPORTED_LANGUAGES, get_translator
from kpi.catalogue import BASE_METRICS
from kpi.importing import (
    ImportedValue,
    ImportProblem,
    parse_date,
    parse_number,
    read_import,
)
from kpi.tables import MAX_ROWS

TODAY = date(2026, 11, 25)  # a Wednesday; its week starts 2026-11-23
W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, formats=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_dict(result) -> dict[tuple[date, str], float]:
    return {(v.week_start, v.metric): v.value for v in result.values}


def problem(data: bytes, name="f.csv", **kwargs) -> ImportProblem:
    with pytest.raises(ImportProblem) as info:
        read_import(data, name, today=TODAY, **kwargs)
    return info.value


# --- encodings, delimiters, BOM -----------------------------------------------------------------

RU_ROWS = [["неделя", "Охват", "Подписчики", "Лайки"],
           ["02.11.2026", "12 500", "1 040", "310"],
           ["09.11.2026", "13 100", "1 055", "295"]]
RU_EXPECTED = {(W1, "reach"): 12500, (W1, "followers"): 1040, (W1, "likes"): 310,
               (W2, "reach"): 13100, (W2, "followers"): 1055, (W2, "likes"): 295}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_wide_csv_in_each_delimiter_and_encoding(delimiter, encoding):
    result = read_import(csv_bytes(RU_ROWS, delimiter, encoding), "kpi.csv", today=TODAY)
    assert result.layout == "wide"
    assert as_dict(result) == RU_EXPECTED
    assert result.mapping == {"Охват": "reach", "Подписчики": "followers", "Лайки": "likes"}
    assert result.weeks == [W1, W2]
    assert not result.daily and result.ignored_rows == [] and result.ignored_columns == []
    assert not any(v.approximate for v in result.values)


def test_bom_does_not_hide_the_first_header():
    data = b"\xef\xbb\xbfweek_start,reach\n2026-11-02,100\n"
    assert as_dict(read_import(data, "a.csv", today=TODAY)) == {(W1, "reach"): 100}


def test_semicolon_file_with_decimal_commas_and_units():
    data = "Дата;ER;Бюджет;Выручка\n2026-11-02;4,2%;15 000 руб.;$300\n".encode("cp1251")
    result = read_import(data, "a.csv", today=TODAY)
    assert as_dict(result) == {(W1, "er_reach"): 4.2, (W1, "spend"): 15000,
                               (W1, "revenue"): 300}


def test_utf16_excel_unicode_text_is_read():
    data = "week\treach\n2026-W45\t100\n".encode("utf-16")
    assert as_dict(read_import(data, "a.txt", today=TODAY)) == {(W1, "reach"): 100}


def test_unknown_and_duplicate_columns_are_reported():
    rows = [["week", "reach", "Охват", "notes", "calls"], ["2026-W45", "1", "2", "hi", "5"]]
    result = read_import(csv_bytes(rows), "a.csv", today=TODAY, custom=["Calls"])
    assert result.mapping == {"reach": "reach", "calls": "Calls"}
    assert result.ignored_columns == ["Охват", "notes"]
    assert result.column_reasons == {"Охват": "duplicate", "notes": "unknown"}


def test_title_lines_above_the_header_and_total_rows():
    rows = [["Report for November"], [], ["Период", "Охват"], ["2026-11-02 — 2026-11-08", "10"],
            ["Итого", "10"]]
    result = read_import(csv_bytes(rows, ";"), "a.csv", today=TODAY)
    assert as_dict(result) == {(W1, "reach"): 10}
    assert result.ignored_rows == [(5, "total")]


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-17", date(2026, 11, 17)), ("17.11.2026", date(2026, 11, 17)),
    ("17.11.26", date(2026, 11, 17)), ("2026-W47", date(2026, 11, 16)),
    ("2026w47", date(2026, 11, 16)), ("17/11/2026", date(2026, 11, 17)),
    ("05/11/2026", date(2026, 11, 5)), ("2026-11-17 10:30", date(2026, 11, 17)),
    ("2026-11-17T10:30:00", date(2026, 11, 17)), ("16.11.2026-22.11.2026", date(2026, 11, 16)),
    (datetime(2026, 11, 17, 9, 0), date(2026, 11, 17)), (46343, date(2026, 11, 17)),
    ("17 ноября", None), ("2026-13-01", None), ("hello", None), ("", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_ambiguous_slashes_prefer_day_first_unless_the_column_says_otherwise():
    rows = [["date", "reach"], ["02/11/2026", "1"], ["09/11/2026", "2"]]
    assert as_dict(read_import(csv_bytes(rows), "a.csv", today=TODAY)) == {
        (W1, "reach"): 1, (W2, "reach"): 2}
    rows = [["date", "reach"], ["11/02/2026", "1"], ["11/13/2026", "2"]]  # 13 can't be a month
    assert set(as_dict(read_import(csv_bytes(rows), "a.csv", today=TODAY))) == {
        (W1, "reach"), (date(2026, 11, 9), "reach")}


def test_rows_map_to_iso_weeks_mondays():
    rows = [["week", "reach"], ["2026-11-08", "5"]]  # a Sunday belongs to the week of Nov 2
    assert as_dict(read_import(csv_bytes(rows), "a.csv", today=TODAY)) == {(W1, "reach"): 5}


def test_the_current_week_is_allowed_the_next_one_is_not():
    ok = csv_bytes([["week", "reach"], ["2026-11-29", "5"]])  # Sunday of today's week
    assert read_import(ok, "a.csv", today=TODAY).weeks == [date(2026, 11, 23)]
    error = problem(csv_bytes([["week", "reach"], ["2026-11-02", "1"], ["30.11.2026", "5"]]))
    assert (error.code, error.params) == ("future_date", {"row": 3, "value": "30.11.2026"})


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("12500", 12500), ("12 500", 12500), ("12\u00a0500", 12500), ("12\u202f500", 12500),
    ("12,5", 12.5), ("12.5", 12.5), ("4,2%", 4.2), ("4.2 %", 4.2), ("15 000 ₽", 15000),
    ("$300", 300), ("300 руб", 300), ("€1.5", 1.5), ("12,5к", 12500), ("12.5k", 12500),
    ("12,5 тыс", 12500), ("1,2 млн", 1_200_000), ("1.2M", 1_200_000), ("1,234,567", 1234567),
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1.234.567", 1234567), ("−5", -5), ("-5", -5),
    ("", None), ("  ", None), ("-", None), ("—", None), ("н/д", None), (None, None),
    (42, 42), (4.5, 4.5),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "12a", "1,2,3", "=SUM(B2:B3)", "1..2", "%"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_us_thousands_only_where_meant():
    assert parse_number("1,520") == 1.52
    assert parse_number("1,520", us=True) == 1520
    rows = [["week", "reach"], ["2026-W45", "1,520"], ["2026-W46", "2,300.5"]]
    assert as_dict(read_import(csv_bytes(rows), "a.csv", today=TODAY)) == {
        (W1, "reach"): 1520, (W2, "reach"): 2300.5}


# --- daily rows ---------------------------------------------------------------------------------


def test_daily_rows_sum_flows_keep_last_stock_drop_rates_and_mark_reach():
    rows = [["дата", "охват", "подписчики", "лайки", "ER", "звонки"]]
    for day, reach, followers in [(2, 100, 1000), (3, 120, 1010), (4, 90, 1005),
                                  (9, 200, 1020)]:
        rows.append([f"{day:02d}.11.2026", str(reach), str(followers), "10", "4,2", "1"])
    result = read_import(csv_bytes(rows, ";"), "daily.csv", today=TODAY, custom=["звонки"])
    assert result.daily
    assert as_dict(result) == {
        (W1, "reach"): 310, (W1, "followers"): 1005, (W1, "likes"): 30, (W1, "звонки"): 3,
        (W2, "reach"): 200, (W2, "followers"): 1020, (W2, "likes"): 10, (W2, "звонки"): 1}
    assert {v.metric for v in result.values if v.approximate} == {"reach"}
    assert result.ignored_columns == ["ER"]
    assert result.column_reasons == {"ER": "rate_from_daily"}
    assert "ER" not in result.mapping


def test_stock_is_the_last_day_even_if_rows_are_unsorted():
    rows = [["date", "followers"], ["2026-11-04", "30"], ["2026-11-02", "10"],
            ["2026-11-03", "20"]]
    assert as_dict(read_import(csv_bytes(rows), "a.csv", today=TODAY)) == {(W1, "followers"): 30}


def test_weekly_rates_are_kept_as_given():
    rows = [["week", "reach", "ER"], ["2026-W45", "100", "4,2%"], ["2026-W46", "90", "3,9%"]]
    result = read_import(csv_bytes(rows, ";"), "a.csv", today=TODAY)
    assert not result.daily
    assert as_dict(result)[(W2, "er_reach")] == 3.9


def test_daily_rates_only_is_a_problem():
    rows = [["date", "ctr"], ["2026-11-02", "1,2"], ["2026-11-03", "1,4"]]
    assert problem(csv_bytes(rows, ";")).code == "rates_only"


def test_repeated_date_keeps_the_later_row():
    rows = [["week", "reach"], ["2026-W45", "1"], ["2026-W45", "2"]]
    result = read_import(csv_bytes(rows), "a.csv", today=TODAY)
    assert as_dict(result) == {(W1, "reach"): 2}
    assert result.ignored_rows == [(2, "duplicate")] and not result.daily


# --- long layout --------------------------------------------------------------------------------


def test_long_layout():
    rows = [["week_start", "metric", "value"], ["2026-11-02", "Охват", "12 500"],
            ["2026-11-02", "er", "4,2"], ["2026-11-09", "reach", "13100"],
            ["2026-11-09", "mystery", "1"], ["2026-11-09", "звонки", "7"]]
    result = read_import(csv_bytes(rows, ";", "cp1251"), "long.csv", today=TODAY,
                         custom=["Звонки"])
    assert result.layout == "long"
    assert as_dict(result) == {(W1, "reach"): 12500, (W1, "er_reach"): 4.2,
                               (W2, "reach"): 13100, (W2, "Звонки"): 7}
    assert result.mapping == {"Охват": "reach", "er": "er_reach", "reach": "reach",
                              "звонки": "Звонки"}
    assert result.ignored_rows == [(5, "unknown_metric")]


def test_long_layout_daily_rows_drop_rates_per_row():
    rows = [["date", "metric", "value"], ["2026-11-02", "likes", "1"], ["2026-11-03", "likes", "2"],
            ["2026-11-02", "ctr", "1,5"]]
    result = read_import(csv_bytes(rows, ";"), "a.csv", today=TODAY)
    assert as_dict(result) == {(W1, "likes"): 3}
    assert result.ignored_rows == [(4, "rate_from_daily")]


# --- Meta Business Suite ------------------------------------------------------------------------

META_HEADER = ["Post ID", "Account ID", "Account username", "Account name", "Description",
               "Duration (sec)", "Publish time", "Permalink", "Post type", "Data comment", "Date",
               "Views", "Reach", "Likes", "Shares", "Follows", "Comments", "Saves"]


def meta_row(post, when, views, reach, likes, shares, follows, comments, saves):
    return [post, "17841", "cafe", "Cafe", "New menu, come & taste", "", when,
            f"https://instagram.com/p/{post}", "IG image", "", "Lifetime",
            views, reach, likes, shares, follows, comments, saves]


def test_meta_posts_export_is_summed_by_publish_week():
    rows = [META_HEADER,
            meta_row("1", "11/02/2026 09:15", "1,520", "1,200", "85", "3", "2", "4", "7"),
            meta_row("2", "11/06/2026 18:40", "2,010", "1,750", "120", "5", "0", "9", "11"),
            meta_row("3", "11/13/2026 12:00", "980", "870", "40", "1", "1", "2", "3")]
    # Column order varies between exports.
    order = [17, 6, 12, 0, 13, 11, 14, 15, 16, 1, 2, 3, 4, 5, 7, 8, 9, 10]
    shuffled = [[row[i] for i in order] for row in rows]
    data = b"\xef\xbb\xbf" + csv_bytes(shuffled)
    result = read_import(data, "Instagram posts.csv", today=TODAY)
    assert result.layout == "meta" and result.daily
    assert as_dict(result) == {
        (W1, "views"): 3530, (W1, "reach"): 2950, (W1, "likes"): 205, (W1, "shares"): 8,
        (W1, "new_followers"): 2, (W1, "comments"): 13, (W1, "saves"): 18,
        (W2, "views"): 980, (W2, "reach"): 870, (W2, "likes"): 40, (W2, "shares"): 1,
        (W2, "new_followers"): 1, (W2, "comments"): 2, (W2, "saves"): 3}
    assert {v.metric for v in result.values if v.approximate} == {"reach"}
    assert result.mapping["Follows"] == "new_followers"
    assert "Date" in result.ignored_columns and "Post ID" in result.ignored_columns


def test_meta_dates_are_month_first():
    rows = [META_HEADER, meta_row("1", "11/03/2026 09:15", "1", "1", "1", "1", "1", "1", "1")]
    assert read_import(csv_bytes(rows), "m.csv", today=TODAY).weeks == [W1]


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_with_dates_numbers_percent_and_a_formula():
    rows = [["Неделя", "Охват", "ER", "Лайки"],
            [datetime(2026, 11, 2), 12500, 0.042, 300],
            [datetime(2026, 11, 9), "13 100", 0.039, "=D2*2"],
            [datetime(2026, 11, 16), None, None, "=D2+1"]]
    data = xlsx_bytes(rows, {"C2": "0.0%", "C3": "0.0%"})
    result = read_import(data, "report.csv", today=TODAY)  # content decides, not the name
    assert as_dict(result) == {(W1, "reach"): 12500, (W1, "er_reach"): 4.2, (W1, "likes"): 300,
                               (W2, "reach"): 13100, (W2, "er_reach"): 3.9}
    assert result.ignored_rows == [(3, "formula"), (4, "formula")]


def test_xlsx_formula_with_a_cached_value_is_used():
    # Excel saves the formula's last value next to it; build such a file by hand.
    data = xlsx_bytes([["week", "reach"], ["2026-W45", "=1+1"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
                content = content.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
            target.writestr(item, content)
    assert as_dict(read_import(buffer.getvalue(), "a.xlsx", today=TODAY)) == {(W1, "reach"): 2}


def test_xlsx_first_sheet_only_and_blank_rows_keep_numbering():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A3"], sheet["B3"] = "week", "reach"
    sheet["A4"], sheet["B4"] = "2026-W45", "x"
    workbook.create_sheet("other")["A1"] = "date"
    buffer = io.BytesIO()
    workbook.save(buffer)
    error = problem(buffer.getvalue(), "a.xlsx")
    assert (error.code, error.params) == ("bad_number", {"row": 4, "column": "reach", "value": "x"})


# --- every error code ---------------------------------------------------------------------------


def test_error_not_table():
    assert problem(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.png").code == "not_table"
    assert problem(b"PK\x03\x04garbage", "a.xlsx").code == "not_table"
    assert problem(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls").code == "not_table"


def test_error_too_large():
    assert problem(b"a" * (5 * 1024 * 1024 + 1)).code == "too_large"


def test_error_too_many_rows():
    rows = [["week", "reach"]] + [["2026-W45", "1"]] * (MAX_ROWS + 1)
    error = problem(csv_bytes(rows))
    assert (error.code, error.params) == ("too_many_rows", {"limit": MAX_ROWS})
    ok = [["week", "reach"]] + [["2026-W45", "1"]] * MAX_ROWS
    assert read_import(csv_bytes(ok), "a.csv", today=TODAY).values


def test_error_undecodable():
    # cp1251 decodes this, but into a soup of rare letters — not text anyone wrote.
    data = b"week,reach\n" + bytes(range(0x80, 0x98)) * 4 + b"\n"
    assert problem(data).code == "undecodable"


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"week,reach\n", b"week,reach\n2026-W45,\n"])
def test_error_empty(data):
    assert problem(data).code == "empty"


def test_error_empty_xlsx():
    assert problem(xlsx_bytes([]), "a.xlsx").code == "empty"


def test_error_no_date_column():
    assert problem(csv_bytes([["month", "reach"], ["2026-11", "1"]])).code == "no_date_column"


def test_error_no_metric_columns():
    error = problem(csv_bytes([["week", "foo", "bar"], ["2026-W45", "1", "2"]]))
    assert (error.code, error.params) == ("no_metric_columns", {"columns": "week, foo, bar"})


def test_error_bad_number_names_row_and_column():
    rows = [["week", "reach", "likes"], ["2026-W45", "1", "2"], ["2026-W46", "3", "many"]]
    error = problem(csv_bytes(rows))
    assert (error.code, error.params) == ("bad_number",
                                          {"row": 3, "column": "likes", "value": "many"})


def test_error_bad_date():
    error = problem(csv_bytes([["week", "reach"], ["2026-W45", "1"], ["soon", "2"]]))
    assert (error.code, error.params) == ("bad_date", {"row": 3, "value": "soon"})


def test_error_future_date():
    error = problem(csv_bytes([["week", "reach"], ["2027-W01", "1"]]))
    assert (error.code, error.params) == ("future_date", {"row": 2, "value": "2027-W01"})


ALL_CODES = ["not_table", "too_large", "too_many_rows", "undecodable", "empty", "no_date_column",
             "no_metric_columns", "bad_number", "bad_date", "future_date", "rates_only"]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_error_code_has_a_message(lang):
    t = get_translator(lang)
    params = {"row": 7, "column": "<b>likes</b>", "value": "x&y", "limit": MAX_ROWS,
              "columns": "a, b", "name": "f.csv"}
    for code in ALL_CODES:
        assert t.has(f"import-error-{code}"), code
        text = t(f"import-error-{code}", **params)
        assert "{" not in text and "<b>likes" not in text


# --- property: any weekly table read back as written --------------------------------------------

METRIC_KEYS = [m.key for m in BASE_METRICS]
number = st.one_of(st.integers(min_value=0, max_value=10**9).map(float),
                   st.decimals(min_value=0, max_value=10**6, places=2,
                               allow_nan=False, allow_infinity=False).map(float))


def write_number(value: float, style: int) -> str:
    if value.is_integer():
        text = str(int(value))
        return f"{int(value):,}".replace(",", " ") if style == 1 else text
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if style else text


def write_date(day: date, style: int) -> str:
    if style == 0:
        return day.isoformat()
    if style == 1:
        return day.strftime("%d.%m.%Y")
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@st.composite
def weekly_tables(draw):
    metrics = draw(st.lists(st.sampled_from(METRIC_KEYS), min_size=1, max_size=6, unique=True))
    offsets = draw(st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=12,
                            unique=True))
    weeks = [date(2026, 11, 16) - (date(2026, 11, 16) - date(2026, 11, 9)) * o for o in offsets]
    values = {}
    for week in weeks:
        for metric in metrics:
            if draw(st.booleans()) or metric == metrics[0]:
                values[(week, metric)] = draw(number)
    return metrics, weeks, values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=weekly_tables(), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
       lang=st.sampled_from(["ru", "en", "key"]), date_style=st.integers(0, 2),
       number_style=st.integers(0, 1))
def test_weekly_tables_read_back_equal(table, delimiter, encoding, lang, date_style,
                                       number_style):
    metrics, weeks, values = table
    names = {m.key: (m.name_ru if lang == "ru" else m.name_en if lang == "en" else m.key)
             for m in BASE_METRICS}
    rows = [["неделя" if lang == "ru" else "week_start"] + [names[m] for m in metrics]]
    for week in weeks:
        rows.append([write_date(week, date_style)] + [
            write_number(values[(week, m)], number_style) if (week, m) in values else ""
            for m in metrics])
    result = read_import(csv_bytes(rows, delimiter, encoding), "t.csv", today=TODAY)
    assert as_dict(result) == values
    assert not result.daily and not result.ignored_columns
    assert all(isinstance(v, ImportedValue) and not v.approximate for v in result.values)
