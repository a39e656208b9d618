"""Documents: CSV/XLSX uploads with a preview and Confirm/Cancel; /template."""

from __future__ import annotations

import html
from datetime import timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Html, Translator
from bot.services.breakdown import segment_label
from bot.services.entry import custom_names, guided_metrics, project_today
from bot.services.imports import (
    MAX_FILE_BYTES,
    ImportPlan,
    apply_import,
    plan_import,
    to_state,
)
from handlers.buttons import remove_buttons
from handlers.callbacks import ImportCb
from handlers.entry_view import undo_keyboard
from handlers.filters import DOCUMENT, PRIVATE
from handlers.kpi_picker import metric_label
from handlers.states import ImportPreview
from kpi import catalogue
from kpi.exporting import template_csv, template_xlsx
from kpi.formatting import format_number
from kpi.importing import ImportProblem
from kpi.weeks import current_week
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)

TEMPLATE_WEEKS = 4
PREVIEW_LINES = 5  # skipped rows and replaced values listed one by one, then "and N more"
MAX_SKIPPED_COLUMNS = 12


@router.message(DOCUMENT, flags={"needs": "editor", "expensive": "import"})
async def upload(message: Message, state: FSMContext, t: Translator, storage: Storage,
                 membership: Membership, event_update: Update) -> None:
    document = message.document
    filename = document.file_name or "file"
    # Refused before downloading: Telegram tells the size, the bytes are never fetched.
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await message.answer(t("import-failed", name=filename) + "\n"
                             + t("import-error-too_large"))
        return
    try:
        buffer = await message.bot.download(document.file_id)
    except TelegramAPIError:
        await message.answer(t("import-error-download", name=filename))
        return
    data = buffer.read() if buffer is not None else b""
    project = membership.project
    kpis = await storage.get_kpis(project.id)
    try:
        plan = await plan_import(storage, project, data, filename, project_today(project),
                                 custom_names(kpis))
    except ImportProblem as problem:
        await message.answer(t("import-failed", name=filename) + "\n"
                             + t("import-error-" + problem.code, **problem.params))
        return
    sent = await message.answer(preview_text(plan, filename, t), reply_markup=confirm_keyboard(t))
    # The pending rows belong to this preview only: an older preview's buttons go stale.
    await state.set_state(ImportPreview.confirm)
    # The upload's update_id keys the batch: however often this preview is confirmed (a
    # redelivery after a crash, a double tap), its rows are saved once.
    await state.update_data(project_id=project.id, rows=to_state(plan), filename=filename,
                            preview_id=sent.message_id, import_key=event_update.update_id)


def preview_text(plan: ImportPlan, filename: str, t: Translator) -> str:
    """What the import would do: layout, column mapping, weeks, skipped columns and rows with
    reasons, approximate reach, and the stored values it would replace."""
    result = plan.result
    lang = t.lang
    approximate = {v.metric for v in result.values if v.approximate}
    lines = [t("import-summary-head", name=filename, count=len(result.values),
               weeks=len(result.weeks), first=min(result.weeks).isoformat(),
               last=max(result.weeks).isoformat()),
             t("import-summary-layout", layout=t("import-layout-" + result.layout)),
             t("import-summary-columns")]
    for column, metric in result.mapping.items():
        line = t("import-mapping-line", column=_short(column), metric=metric_label(metric, lang))
        if metric in approximate:
            line += f" ({t('import-summary-approx-mark')})"
        lines.append(line)
    segments = list(dict.fromkeys((v.network, v.campaign) for v in result.values
                                  if v.network or v.campaign))
    if segments:
        lines.append(t("breakdown-import-segments", segments=Html(", ".join(
            segment_label(*s, t) for s in segments[:MAX_SKIPPED_COLUMNS]))))
    if result.ignored_columns:
        skipped = ", ".join(
            t("import-summary-skipped-column", column=_short(column),
              reason=t("import-reason-" + result.column_reasons.get(column, "unknown")))
            for column in result.ignored_columns[:MAX_SKIPPED_COLUMNS])
        if len(result.ignored_columns) > MAX_SKIPPED_COLUMNS:
            skipped += " " + t("import-summary-more",
                               count=len(result.ignored_columns) - MAX_SKIPPED_COLUMNS)
        lines.append(t("import-summary-skipped-columns", columns=Html(skipped)))
    if result.ignored_rows:
        lines.append(t("import-summary-skipped-rows", count=len(result.ignored_rows)))
        for row, reason in result.ignored_rows[:PREVIEW_LINES]:
            lines.append("• " + t("import-ignored-row-line", row=row,
                                  reason=t("import-reason-" + reason)))
        if len(result.ignored_rows) > PREVIEW_LINES:
            lines.append(t("import-summary-more", count=len(result.ignored_rows) - PREVIEW_LINES))
    else:
        lines.append(t("import-summary-no-skipped-rows"))
    if result.layout == "meta":
        if "reach" in approximate:
            lines.append(t("import-summary-approximate"))
    elif result.daily:
        lines.append(t("import-daily-note"))
    if plan.replaced:
        lines.append(t("import-summary-replaced", count=plan.overwrites))
        for item in plan.replaced[:PREVIEW_LINES]:
            unit = _unit(item.metric)
            metric: str = metric_label(item.metric, lang)
            if item.network or item.campaign:
                metric = Html(f"{html.escape(metric, quote=False)} "
                              f"({segment_label(item.network, item.campaign, t)})")
            lines.append(t("import-summary-replaced-line", week=item.week_start.isoformat(),
                           metric=metric,
                           old=format_number(item.old, lang, unit),
                           new=format_number(item.new, lang, unit)))
        if len(plan.replaced) > PREVIEW_LINES:
            lines.append(t("import-summary-more", count=len(plan.replaced) - PREVIEW_LINES))
    else:
        lines.append(t("import-summary-no-replaced"))
    if plan.unchanged:
        lines.append(t("import-summary-unchanged", count=plan.unchanged))
    lines.append(t("import-summary-ask"))
    return "\n".join(lines)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _unit(metric: str) -> str:
    found = catalogue.get(metric)
    return str(found.unit) if found else "count"


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("import-confirm-button"), callback_data=ImportCb(action="confirm"))
    builder.button(text=t("import-cancel-button"), callback_data=ImportCb(action="cancel"))
    return builder.as_markup()


@router.callback_query(StateFilter(ImportPreview.confirm), ImportCb.filter(F.action == "confirm"))
async def confirm(query: CallbackQuery, state: FSMContext, t: Translator, storage: Storage,
                  event_update: Update) -> None:
    data = await state.get_data()
    if not _is_pending_preview(query, data):
        alert(query, t("stale-button"))
        return
    # Crash-safe order: the preview stays pending until the reply is out, so a confirm that
    # Telegram delivers again after a crash finds it and repeats the save (idempotent by the
    # upload's key) and the reply. One user's updates are handled one at a time (event
    # isolation), so a second tap waits for the first and then finds nothing pending.
    await remove_buttons(query.message)
    if not await permitted(query.message, storage, t, query.from_user.id, data["project_id"],
                           "editor"):
        await state.clear()
        return
    batch_id = await apply_import(storage, data["project_id"], query.from_user.id, data["rows"],
                                  key=data.get("import_key", event_update.update_id))
    await query.message.answer(t("import-saved", count=len(data["rows"])),
                               reply_markup=undo_keyboard(data["project_id"], batch_id, t))
    await state.clear()


@router.callback_query(StateFilter(ImportPreview.confirm), ImportCb.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    if not _is_pending_preview(query, await state.get_data()):
        alert(query, t("stale-button"))
        return
    await state.clear()
    await remove_buttons(query.message)
    await query.message.answer(t("import-cancelled"))


def _is_pending_preview(query: CallbackQuery, data: dict) -> bool:
    """Buttons of an older preview must not save (or drop) the rows of a newer upload."""
    preview_id = data.get("preview_id")
    return preview_id is None or (query.message is not None
                                  and query.message.message_id == preview_id)


@router.callback_query(ImportCb.filter())
async def stale(query: CallbackQuery, t: Translator) -> None:
    alert(query, t("stale-button"))


@router.message(Command("template"), flags={"needs": "member"})
async def template(message: Message, t: Translator, storage: Storage,
                   membership: Membership) -> None:
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
