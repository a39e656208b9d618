"""Exports (CSV, XLSX) of stored weekly values and fill-in templates for imports.

CSV: UTF-8, comma-separated, header
`project,week_start,metric,value,source,approximate,network,campaign` (interface.md, "Export
CSV"); `network` and `campaign` are empty for project-wide values. Values use a dot as decimal
separator, no thousands separator and no ".0" on integers. Text cells that a spreadsheet would
run as a formula (starting with = + - @, tab or CR) get a leading `'`; numbers are never altered.
The importer reads both files back.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kpi import catalogue

HEADER = ("project", "week_start", "metric", "value", "source", "approximate", "network",
          "campaign")
COLLECTED_SOURCE = "collected"  # recorded by the bot itself; imported back as a normal value
FORMULA_SOURCE = "formula"  # a formula KPI's value: computed on export, skipped on import
NOTES_HEADER = ("project", "week_start", "note")
# Posts (issue 13): the fixed columns, then one column per metric the posts have. The file
# reads back as a plain post list ("published" dates, "post" texts).
POSTS_HEADER = ("project", "network", "published", "week_start", "post", "link")
TEMPLATE_DATE_HEADER = {"ru": "неделя", "en": "week_start"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportRow:
    project: str
    week_start: date
    metric: str
    value: float
    source: str = ""
    approximate: bool = False
    network: str = ""  # '' with campaign '': a project-wide value
    campaign: str = ""


@dataclass(frozen=True, slots=True)
class NoteRow:
    project: str
    week_start: date
    text: str


@dataclass(frozen=True, slots=True)
class PostRow:
    project: str
    network: str
    published: date
    week_start: date
    title: str
    link: str | None
    metrics: tuple[tuple[str, float], ...]


def _post_metrics(posts: Sequence[PostRow]) -> list[str]:
    """The metric columns: catalogue order, then custom metrics as they first appear."""
    present = dict.fromkeys(m for post in posts for m, _ in post.metrics)
    known = [key for key in catalogue.METRICS if key in present]
    return known + [m for m in present if m not in catalogue.METRICS]


def neutralise(text: str) -> str:
    """Text a spreadsheet would evaluate as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def format_value(value: float) -> str:
    """`12500`, `4.2`, `0.00001`: dot decimal, no thousands separator, no exponent, no `.0`."""
    value = float(value)
    if not math.isfinite(value):
        return ""
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _number(value: float) -> int | float | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def export_csv(rows: Iterable[ExportRow]) -> bytes:
    buffer = io.StringIO(newline="")
    # CRLF (RFC 4180): the writer then also quotes cells holding a bare CR or LF.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutralise(row.project), row.week_start.isoformat(),
                         neutralise(row.metric), format_value(row.value),
                         neutralise(row.source), "true" if row.approximate else "false",
                         neutralise(row.network), neutralise(row.campaign)])
    return buffer.getvalue().encode("utf-8")


def export_notes_csv(notes: Iterable[NoteRow]) -> bytes:
    """The weeks' notes (/note) as their own CSV: `project,week_start,note`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NOTES_HEADER)
    for note in notes:
        writer.writerow([neutralise(note.project), note.week_start.isoformat(),
                         neutralise(note.text)])
    return buffer.getvalue().encode("utf-8")


def export_posts_csv(posts: Sequence[PostRow]) -> bytes:
    """The posts of uploaded post lists as their own CSV (POSTS_HEADER + metric columns)."""
    metrics = _post_metrics(posts)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*POSTS_HEADER, *metrics])
    for post in posts:
        values = dict(post.metrics)
        writer.writerow([neutralise(post.project), neutralise(post.network),
                         post.published.isoformat(), post.week_start.isoformat(),
                         neutralise(post.title), neutralise(post.link or ""),
                         *(format_value(values[m]) if m in values else "" for m in metrics)])
    return buffer.getvalue().encode("utf-8")


def export_xlsx(rows: Iterable[ExportRow], notes: Sequence[NoteRow] = (),
                posts: Sequence[PostRow] = ()) -> bytes:
    """The values on sheet "KPI" (the one the importer reads), notes and posts on their own
    sheets."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPI")
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([_text_cell(sheet, row.project), _date_cell(sheet, row.week_start),
                      _text_cell(sheet, row.metric), _number(row.value),
                      _text_cell(sheet, row.source), bool(row.approximate),
                      _text_cell(sheet, row.network), _text_cell(sheet, row.campaign)])
    if notes:
        notes_sheet = workbook.create_sheet("Notes")
        notes_sheet.append(list(NOTES_HEADER))
        for note in notes:
            notes_sheet.append([_text_cell(notes_sheet, note.project),
                                _date_cell(notes_sheet, note.week_start),
                                _text_cell(notes_sheet, note.text)])
    if posts:
        metrics = _post_metrics(posts)
        posts_sheet = workbook.create_sheet("Posts")
        posts_sheet.append([*POSTS_HEADER, *metrics])
        for post in posts:
            values = dict(post.metrics)
            posts_sheet.append([_text_cell(posts_sheet, post.project),
                                _text_cell(posts_sheet, post.network),
                                _date_cell(posts_sheet, post.published),
                                _date_cell(posts_sheet, post.week_start),
                                _text_cell(posts_sheet, post.title),
                                _text_cell(posts_sheet, post.link or ""),
                                *(_number(values[m]) if m in values else None for m in metrics)])
    return _save(workbook)


# ---------------------------------------------------------------------------------------------
# Templates


def template_headers(metrics: Sequence[str], lang: str) -> list[str]:
    """The date column and each metric's display name in `lang`, if it resolves back to the
    metric (else the canonical key); custom metrics keep their own names."""
    custom = [m for m in metrics if catalogue.is_custom(m)]
    headers = [TEMPLATE_DATE_HEADER.get(lang, TEMPLATE_DATE_HEADER["en"])]
    for key in metrics:
        metric = catalogue.get(key)
        name = metric.name(lang) if metric else key
        if catalogue.resolve(name, custom) != key:
            name = key
        headers.append(name)
    return headers


def template_csv(metrics: Sequence[str], lang: str, weeks: Sequence[date]) -> bytes:
    """A wide table to fill in. ru files get `;` (what Russian Excel opens as columns) and a
    UTF-8 BOM (so Excel reads Cyrillic); en files get `,` and a BOM as well."""
    delimiter = ";" if lang == "ru" else ","
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in template_headers(metrics, lang)])
    for week in weeks:
        writer.writerow([week.isoformat()] + [""] * len(metrics))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(metrics: Sequence[str], lang: str, weeks: Sequence[date]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPI")
    sheet.column_dimensions["A"].width = 12
    header = []
    for text in template_headers(metrics, lang):
        cell = WriteOnlyCell(sheet, value=neutralise(text))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for week in weeks:
        sheet.append([_date_cell(sheet, week)] + [None] * len(metrics))
    return _save(workbook)


def _text_cell(sheet, text: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _date_cell(sheet, day: date):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=day)
    cell.number_format = "YYYY-MM-DD"
    return cell


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
