"""Documents: CSV/XLSX uploads with a preview and Confirm/Cancel; /template."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Html, Translator
from bot.services.entry import custom_names, guided_metrics, project_today
from bot.services.imports import MAX_FILE_BYTES, apply_import, plan_import, to_state
from handlers.callbacks import ImportCb
from handlers.entry_view import undo_keyboard
from handlers.kpi_picker import metric_label
from handlers.states import ImportPreview
from kpi.exporting import template_csv, template_xlsx
from kpi.importing import ImportProblem
from kpi.weeks import current_week
from storage.access import AccessDenied, require_role
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)
router.message.filter(F.chat.type == "private")

TEMPLATE_WEEKS = 4


@router.message(F.document, flags={"expensive": "import"})
async def upload(message: Message, state: FSMContext, t: Translator, storage: Storage,
                 membership: Membership | None) -> None:
    if membership is None:
        await message.answer(t("no-project"))
        return
    if not membership.role.can_edit:
        await message.answer(t("access-denied-edit"))
        return
    document = message.document
    filename = document.file_name or "file"
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await message.answer(t("import-error-too_large", name=filename))
        return
    buffer = await message.bot.download(document.file_id)
    data = buffer.read()
    project = membership.project
    kpis = await storage.get_kpis(project.id)
    try:
        plan = await plan_import(storage, project, data, filename, project_today(project),
                                 custom_names(kpis))
    except ImportProblem as problem:
        await message.answer(t("import-failed", name=filename) + "\n"
                             + t("import-error-" + problem.code, **problem.params))
        return
    result = plan.result
    await state.set_state(ImportPreview.confirm)
    await state.update_data(project_id=project.id, rows=to_state(plan), filename=filename)
    mapping = Html("\n".join(t("import-mapping-line", column=column,
                          metric=metric_label(metric, t.lang))
                        for column, metric in result.mapping.items()))
    ignored = ", ".join(result.ignored_columns) or "—"
    text = t("import-preview", name=filename, count=len(result.values),
             first=min(result.weeks).isoformat(), last=max(result.weeks).isoformat(),
             weeks=len(result.weeks), mapping=mapping, ignored=ignored,
             rows=len(result.ignored_rows), overwrites=plan.overwrites)
    await message.answer(text, reply_markup=confirm_keyboard(t))


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("import-confirm-button"), callback_data=ImportCb(action="confirm"))
    builder.button(text=t("import-cancel-button"), callback_data=ImportCb(action="cancel"))
    return builder.as_markup()


@router.callback_query(ImportPreview.confirm, ImportCb.filter(F.action == "confirm"))
async def confirm(query: CallbackQuery, state: FSMContext, t: Translator,
                  storage: Storage) -> None:
    data = await state.get_data()
    # Cleared first: a second tap on Confirm finds nothing pending and saves nothing twice.
    await state.clear()
    await query.message.edit_reply_markup(reply_markup=None)
    try:
        await require_role(storage, query.from_user.id, data["project_id"], edit=True)
    except AccessDenied:
        await query.message.answer(t("access-denied-edit"))
        return
    batch_id = await apply_import(storage, data["project_id"], query.from_user.id, data["rows"])
    await query.message.answer(t("import-saved", count=len(data["rows"])),
                               reply_markup=undo_keyboard(data["project_id"], batch_id, t))


@router.callback_query(ImportPreview.confirm, ImportCb.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(t("import-cancelled"))


@router.callback_query(ImportCb.filter())
async def stale(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t("stale-button"), show_alert=True)


@router.message(Command("template"))
async def template(message: Message, t: Translator, storage: Storage,
                   membership: Membership | None) -> None:
    if membership is None:
        await message.answer(t("no-project"))
        return
    project = membership.project
    # Rates are computed from counts, so the template asks for the counts behind the KPIs.
    metrics = await guided_metrics(storage, project.id)
    this_week = current_week(project.timezone)
    weeks = [this_week - timedelta(weeks=i) for i in range(TEMPLATE_WEEKS, 0, -1)]
    await message.answer_document(
        BufferedInputFile(template_csv(metrics, t.lang, weeks), filename="kpi-template.csv"))
    await message.answer_document(
        BufferedInputFile(template_xlsx(metrics, t.lang, weeks), filename="kpi-template.xlsx"),
        caption=t("template-caption"))
