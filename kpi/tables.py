"""Decoding uploaded files into rows of cells: CSV (`,` `;` tab; UTF-8, UTF-8 BOM, cp1251,
UTF-16 with BOM) and XLSX (first sheet, cached values only; formulas are never evaluated).

Pure file handling: no bot, no storage. Problems are raised as `ImportProblem(code, params)`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Header rows may be preceded by a few title lines; we read this many extra rows at most.
HEADER_SEARCH_ROWS = 10

Cell = str | int | float | date | datetime | time | bool | None

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
_DELIMITERS = ("\t", ";", ",")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that plausibly occur in a Russian or English table; cp1251 maps every other byte
# to rarely used letters (Ђ, ѓ, Љ…) which mean the guess was wrong.
_PLAUSIBLE = re.compile(
    r"[\x20-\x7e\t\r\nА-яЁё«»—–№…“”‘’„•€₽°±§©®™\u00a0]")


class ImportProblem(Exception):
    """A file that cannot be imported; `code` picks the message `import-error-<code>`."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params: dict[str, Any] = params or {}

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({extra})" if extra else self.code


@dataclass(slots=True)
class Table:
    """Rows of cells; `rows[i]` is spreadsheet row `i + 1`."""

    kind: str  # "csv" | "xlsx"
    rows: list[list[Cell]]
    # (row, column) — 1-based row, 0-based column — of XLSX formula cells with no cached value.
    formulas: set[tuple[int, int]] = field(default_factory=set)
    delimiter: str = ""
    encoding: str = ""


def read_table(data: bytes, filename: str = "") -> Table:
    if len(data) > MAX_BYTES:
        raise ImportProblem("too_large", {"limit": MAX_BYTES // (1024 * 1024)})
    if data.startswith(_ZIP_MAGIC):
        return read_xlsx(data)
    if data.startswith(_OLE_MAGIC):
        raise ImportProblem("not_table")
    text, encoding = decode_text(data)
    if not text.strip():
        raise ImportProblem("empty")
    delimiter = sniff_delimiter(text)
    rows: list[list[Cell]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            rows.append(list(record))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS + 1:
                break
    except csv.Error as error:
        raise ImportProblem("not_table") from error
    _check_rows(rows)
    return Table("csv", rows, delimiter=delimiter, encoding=encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-16 (with BOM), UTF-8 (BOM optional), else cp1251 if the result reads as text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportProblem("undecodable") from error
        if _CONTROL.search(text):
            raise ImportProblem("not_table")
        return text, "utf-16"
    if b"\x00" in data:
        raise ImportProblem("not_table")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        if _CONTROL.search(text):
            raise ImportProblem("not_table")
        return text, "utf-8"
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise ImportProblem("undecodable") from error
    if _CONTROL.search(text):
        raise ImportProblem("not_table")
    odd = len(text) - len(_PLAUSIBLE.findall(text))
    if odd > max(2, len(text) // 100):
        raise ImportProblem("undecodable")
    return text, "cp1251"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into most columns consistently with the data."""
    sample_lines = [line for line in text.splitlines()[:60] if line.strip()]
    sample = "\n".join(sample_lines)
    best, best_key = ",", (-1.0, 0)
    for delimiter in _DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not records:
            continue
        # Title lines before the header have fewer cells: judge by the widest early record.
        width = max(len(r) for r in records[:HEADER_SEARCH_ROWS + 1])
        if width < 2:
            continue
        body = records[1:] or records
        consistent = sum(1 for r in body if len(r) == width) / len(body)
        key = (consistent, width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def read_xlsx(data: bytes) -> Table:
    try:
        import openpyxl
    except ImportError as error:  # pragma: no cover - openpyxl is a dependency
        raise ImportProblem("not_table") from error
    try:
        rows = list(_xlsx_rows(openpyxl, data, data_only=True))
    except ImportProblem:
        raise
    except Exception as error:  # zip, xml or openpyxl errors: not a workbook we can read
        raise ImportProblem("not_table") from error
    _check_rows(rows)
    formulas: set[tuple[int, int]] = set()
    if any(cell is None for row in rows for cell in row):
        try:
            for number, row in enumerate(_xlsx_rows(openpyxl, data, data_only=False), 1):
                if number > len(rows):
                    break
                for column, cell in enumerate(row):
                    if (isinstance(cell, str) and cell.startswith("=")
                            and column < len(rows[number - 1])
                            and rows[number - 1][column] is None):
                        formulas.add((number, column))
        except Exception:  # the first pass worked; formulas are only for the report
            formulas = set()
    return Table("xlsx", rows, formulas=formulas)


def _xlsx_rows(openpyxl: Any, data: bytes, *, data_only: bool) -> Iterator[list[Cell]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportProblem("not_table") from error
    try:
        if not workbook.worksheets:
            raise ImportProblem("empty")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store a wrong <dimension>
        expected = 1
        for cells in sheet.iter_rows():
            number = next((c.row for c in cells if getattr(c, "row", None)), expected)
            while expected < number:  # rows missing from the XML are blank rows
                yield []
                expected += 1
            yield [_xlsx_value(c, data_only) for c in cells]
            expected = number + 1
            if expected > MAX_ROWS + HEADER_SEARCH_ROWS + 2:
                break
    finally:
        workbook.close()


def _xlsx_value(cell: Any, data_only: bool) -> Cell:
    value = cell.value
    if (data_only and isinstance(value, int | float) and not isinstance(value, bool)
            and "%" in (getattr(cell, "number_format", "") or "")):
        return round(value * 100, 10)  # a cell formatted as 4.2% holds 0.042
    return value


def _check_rows(rows: list[list[Cell]]) -> None:
    filled = [i for i, row in enumerate(rows) if any(_filled(c) for c in row)]
    if not filled:
        raise ImportProblem("empty")
    if filled[-1] - filled[0] > MAX_ROWS:
        raise ImportProblem("too_many_rows", {"limit": MAX_ROWS})


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())
