"""/export: every stored weekly number of the project as a CSV (or XLSX) document."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.i18n import Translator
from bot.services.history import weekly_table
from handlers.callbacks import ExportCb
from handlers.filters import PRIVATE
from kpi.exporting import (
    FORMULA_SOURCE,
    ExportRow,
    NoteRow,
    PostRow,
    export_csv,
    export_notes_csv,
    export_posts_csv,
    export_xlsx,
)
from storage.base import Storage
from storage.models import Membership, Project

router = Router(name=__name__)


@router.message(Command("export"), PRIVATE,
                flags={"needs": "member", "expensive": "export"})
async def export(message: Message, t: Translator, storage: Storage,
                 membership: Membership) -> None:
    await send_export(message, t, storage, membership.project, "csv")


def format_keyboard(project_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("export-xlsx-button"),
                   callback_data=ExportCb(project_id=project_id, fmt="xlsx"))
    return builder.as_markup()


@router.callback_query(ExportCb.filter(F.fmt.in_({"csv", "xlsx"})), flags={"expensive": "export"})
async def export_format(query: CallbackQuery, callback_data: ExportCb, t: Translator,
                        storage: Storage) -> None:
    # The project is the one the button was made for, even if the user switched since.
    if not await permitted(query, storage, t, query.from_user.id, callback_data.project_id,
                           "member"):
        return
    project = await storage.get_project(callback_data.project_id)
    await send_export(query.message, t, storage, project, callback_data.fmt)


async def send_export(message: Message, t: Translator, storage: Storage, project: Project,
                      fmt: str) -> None:
    values = await storage.get_values(project.id)
    if not values:
        await message.answer(t("export-empty"))
        return
    stored = [ExportRow(project=project.name, week_start=v.week_start, metric=v.metric,
                        value=v.value, approximate=v.approximate) for v in values]
    rows = with_formula_rows(stored, await formula_rows(storage, project))
    notes = [NoteRow(project.name, n.week_start, n.text)
             for n in await storage.get_notes(project.id)]
    posts = [PostRow(project.name, p.network, p.published, p.week_start, p.title, p.link,
                     p.metrics) for p in await storage.get_posts(project.id)]
    data = export_csv(rows) if fmt == "csv" else export_xlsx(rows, notes, posts)
    filename = f"{safe_filename(project.name)}-kpi.{fmt}"
    await message.answer_document(
        BufferedInputFile(data, filename=filename),
        caption=t("export-caption", name=project.name, count=len(stored)),
        reply_markup=format_keyboard(project.id, t) if fmt == "csv" else None)
    if notes and fmt == "csv":  # XLSX carries them on its "Notes" sheet
        await message.answer_document(BufferedInputFile(
            export_notes_csv(notes), filename=f"{safe_filename(project.name)}-notes.csv"),
            caption=t("export-notes-caption", count=len(notes)))
    if posts and fmt == "csv":  # XLSX carries them on its "Posts" sheet
        await message.answer_document(BufferedInputFile(
            export_posts_csv(posts), filename=f"{safe_filename(project.name)}-posts.csv"),
            caption=t("export-posts-caption", count=len(posts)))


async def formula_rows(storage: Storage, project: Project) -> list[ExportRow]:
    """The formula KPIs' weekly values, marked `source=formula`: computed, not stored, so the
    importer skips them when the file comes back (docs/interface.md, "Export CSV")."""
    names = [f.name for f in await storage.get_formula_kpis(project.id)]
    if not names:
        return []
    return [ExportRow(project=project.name, week_start=row.week_start, metric=name,
                      value=row.values[name], source=FORMULA_SOURCE)
            for row in await weekly_table(storage, project.id)
            for name in names if name in row.values]


def with_formula_rows(stored: list[ExportRow], computed: list[ExportRow]) -> list[ExportRow]:
    """Each week's formula rows right after its stored rows (both lists are week-ordered)."""
    by_week: dict[date, list[ExportRow]] = defaultdict(list)
    for row in stored + computed:
        by_week[row.week_start].append(row)
    return [row for week in sorted(by_week) for row in by_week[week]]


def safe_filename(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return cleaned[:40] or "project"
