"""/export: every stored weekly number of the project as a CSV (or XLSX) document."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.i18n import Translator
from bot.services.exporting import export_file, safe_filename
from handlers.callbacks import ExportCb
from handlers.filters import PRIVATE
from kpi.exporting import export_notes_csv, export_posts_csv
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
    exported = await export_file(storage, project, fmt)
    if exported is None:
        await message.answer(t("export-empty"))
        return
    notes, posts = exported.notes, exported.posts
    await message.answer_document(
        BufferedInputFile(exported.data, filename=exported.filename),
        caption=t("export-caption", name=project.name, count=exported.rows),
        reply_markup=format_keyboard(project.id, t) if fmt == "csv" else None)
    if notes and fmt == "csv":  # XLSX carries them on its "Notes" sheet
        await message.answer_document(BufferedInputFile(
            export_notes_csv(notes), filename=f"{safe_filename(project.name)}-notes.csv"),
            caption=t("export-notes-caption", count=len(notes)))
    if posts and fmt == "csv":  # XLSX carries them on its "Posts" sheet
        await message.answer_document(BufferedInputFile(
            export_posts_csv(posts), filename=f"{safe_filename(project.name)}-posts.csv"),
            caption=t("export-posts-caption", count=len(posts)))
