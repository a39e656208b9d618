"""kpi.exporting: CSV/XLSX exports, formula neutralisation, templates that import cleanly."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.catalogue import METRICS
from kpi.exporting import (
    ExportRow,
    export_csv,
    export_xlsx,
    format_value,
    neutralise,
    template_csv,
    template_headers,
    template_xlsx,
)
from kpi.importing import read_import

TODAY = date(2026, 11, 25)
W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)

ROWS = [
    ExportRow("Кофейня", W1, "reach", 12500.0),
    ExportRow("Кофейня", W1, "er_reach", 4.2, source="computed"),
    ExportRow("Кофейня", W1, "followers", 1040.0),
    ExportRow("Кофейня", W2, "reach", 13100.5, approximate=True),
    ExportRow("Кофейня", W2, "revenue", -1500.0, source="import"),
    ExportRow("Кофейня", W2, "Звонки, шт", 0.00001),
    ExportRow("Кофейня", W3, "=HYPERLINK(\"http://x\")", 3.0),
    ExportRow("Кофейня", W3, "followers", 1e15),
]
CUSTOM = ["Звонки, шт", "=HYPERLINK(\"http://x\")"]


def records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_header_and_value_format():
    table = records(export_csv(ROWS))
    assert table[0][:4] == ["project", "week_start", "metric", "value"]
    assert table[0] == ["project", "week_start", "metric", "value", "source", "approximate",
                        "network", "campaign"]
    assert [r[3] for r in table[1:]] == ["12500", "4.2", "1040", "13100.5", "-1500", "0.00001",
                                         "3", "1000000000000000"]
    assert table[1][:3] == ["Кофейня", "2026-11-02", "reach"]
    assert table[4][5] == "true" and table[1][5] == "false"
    assert not export_csv(ROWS).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(("value", "text"), [
    (12500.0, "12500"), (0.0, "0"), (-3.0, "-3"), (4.2, "4.2"), (1e-7, "0.0000001"),
    (1234567.25, "1234567.25"), (float("nan"), ""),
])
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("text", ["=1+2", "+7", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_neutralised(text):
    assert neutralise(text) == "'" + text
    table = records(export_csv([ExportRow(text, W1, text, -5.0, source=text)]))
    assert table[1][0] == table[1][2] == table[1][4] == "'" + text
    assert table[1][3] == "-5"  # numbers are never prefixed


def test_plain_text_is_untouched():
    assert neutralise("Кофейня 2.0") == "Кофейня 2.0"
    assert neutralise("a=b") == "a=b"


def test_xlsx_numbers_are_numbers_and_text_is_never_a_formula():
    data = export_xlsx([ExportRow("=cmd|' /C calc'!A0", W1, "reach", 12500.0),
                        ExportRow("p", W1, "er_reach", 4.2, approximate=True)])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["project", "week_start", "metric", "value", "source", "approximate",
                        "network", "campaign"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][3] == 12500 and isinstance(rows[1][3], int)
    assert rows[2][3] == 4.2 and rows[2][5] is True
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert rows[1][1].date() == W1


@pytest.mark.parametrize("export", [export_csv, export_xlsx])
def test_export_reads_back_with_identical_values(export):
    result = read_import(export(ROWS), "export", today=TODAY, custom=CUSTOM)
    assert result.layout == "long"
    assert sorted((v.week_start, v.metric, v.value, v.approximate) for v in result.values) == \
        sorted((r.week_start, r.metric, r.value, r.approximate) for r in ROWS)
    assert result.ignored_columns == [] and result.ignored_rows == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.sampled_from(list(METRICS)),
                          st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
                          st.booleans()), min_size=1, max_size=20,
                unique_by=lambda t: (t[0], t[1])))
def test_export_round_trip_property(items):
    rows = [ExportRow("p", date(2026, 11, 16) - (W2 - W1) * offset, metric, value, "", approx)
            for offset, metric, value, approx in items]
    expected = {(r.week_start, r.metric): (r.value, r.approximate) for r in rows}
    result = read_import(export_csv(rows), "e.csv", today=TODAY)
    assert {(v.week_start, v.metric): (v.value, v.approximate)
            for v in result.values} == expected
    # XLSX keeps what Excel keeps: numbers are stored with 15-17 significant digits.
    result = read_import(export_xlsx(rows), "e.xlsx", today=TODAY)
    got = {(v.week_start, v.metric): (v.value, v.approximate) for v in result.values}
    assert got.keys() == expected.keys()
    for key, (value, approximate) in expected.items():
        assert got[key][0] == pytest.approx(value, rel=1e-15, abs=1e-300)
        assert got[key][1] == approximate


# --- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_display_name_resolves_back(lang):
    headers = template_headers(list(METRICS), lang)
    assert headers[0] == ("неделя" if lang == "ru" else "week_start")
    assert headers[1:] == [m.name(lang) for m in METRICS.values()]


def fill_csv(data: bytes, numbers: list[list[str]]) -> bytes:
    text = data.decode("utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    for row, values in zip(table[1:], numbers, strict=True):
        row[1:] = values
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(table)
    return buffer.getvalue().encode("utf-8-sig")


METRICS_PICKED = ["reach", "followers", "er_reach", "follower_growth", "cpl", "Звонки"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_template_csv_round_trip(lang):
    weeks = [W1, W2]
    template = template_csv(METRICS_PICKED, lang, weeks)
    header = template.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("неделя;Охват;Подписчики" if lang == "ru" else
                             "week_start,Reach,Followers")
    filled = fill_csv(template, [["12 500", "1040", "4,2", "1,5", "300", "7"],
                                 ["13100", "1055", "", "1.4", "", "2"]])
    result = read_import(filled, "kpi-template.csv", today=TODAY, custom=["Звонки"])
    assert result.ignored_columns == [] and result.ignored_rows == []
    assert sorted(set(result.mapping.values())) == sorted(METRICS_PICKED)
    assert {(v.week_start, v.metric): v.value for v in result.values} == {
        (W1, "reach"): 12500, (W1, "followers"): 1040, (W1, "er_reach"): 4.2,
        (W1, "follower_growth"): 1.5, (W1, "cpl"): 300, (W1, "Звонки"): 7,
        (W2, "reach"): 13100, (W2, "followers"): 1055, (W2, "follower_growth"): 1.4,
        (W2, "Звонки"): 2}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_template_xlsx_round_trip(lang):
    weeks = [W1, W2, W3]
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(METRICS_PICKED, lang, weeks)))
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == ("неделя" if lang == "ru" else "week_start")
    assert [sheet.cell(row=r, column=1).value.date() for r in (2, 3, 4)] == weeks
    for row in (2, 3, 4):
        for column in range(2, len(METRICS_PICKED) + 2):
            assert sheet.cell(row=row, column=column).value is None
            sheet.cell(row=row, column=column, value=row * 10 + column)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_import(buffer.getvalue(), "kpi-template.xlsx", today=TODAY, custom=["Звонки"])
    assert result.ignored_columns == [] and result.ignored_rows == []
    assert len(result.values) == 3 * len(METRICS_PICKED)
    assert result.weeks == weeks
    assert {(v.week_start, v.metric): v.value for v in result.values}[(W3, "cpl")] == 46


def test_unfilled_template_is_empty_not_broken():
    from kpi.importing import ImportProblem

    with pytest.raises(ImportProblem) as info:
        read_import(template_csv(["reach"], "ru", [W1]), "t.csv", today=TODAY)
    assert info.value.code == "empty"


def test_custom_metric_that_looks_like_a_formula_is_neutralised_in_templates():
    text = template_csv(["=evil"], "en", [W1]).decode("utf-8-sig")
    assert text.splitlines()[0] == "week_start,'=evil"
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(["=evil"], "en", [W1]))).active
    assert sheet["B1"].value == "'=evil" and sheet["B1"].data_type == "s"
    filled = template_csv(["=evil"], "en", [W1]).replace(b"2026-11-02,", b"2026-11-02,5")
    result = read_import(filled, "t.csv", today=TODAY, custom=["=evil"])
    assert result.mapping == {"=evil": "=evil"}
