"""Documents: CSV/XLSX uploads with a preview and Confirm/Cancel; /template."""

from __future__ import annotations

import asyncio
import html
import weakref
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
    posts_to_state,
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
from kpi.posts import POST_LAYOUTS
from kpi.weeks import current_week
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)

TEMPLATE_WEEKS = 4
PREVIEW_LINES = 5  # skipped rows and replaced values listed one by one, then "and N more"
MAX_SKIPPED_COLUMNS = 12
MAX_PENDING = 10  # previews awaiting Confirm per user; older ones go stale
MAX_PENDING_VALUES = 20_000  # values held by them together
# Unused locks go away by themselves (weak values): memory stays bounded.
_PENDING_LOCKS: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
    weakref.WeakValueDictionary())


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
    async with pending_lock(message.chat.id, message.from_user.id):
        sent = await message.answer(preview_text(plan, filename, t),
                                    reply_markup=confirm_keyboard(t))
        # Several files sent at once are each previewed and each confirmed on its own: the
        # pending rows are kept per preview message (the newest MAX_PENDING). Not one combined
        # preview: Telegram says nothing about how many files are coming, so combining would
        # mean waiting for more, and a preview per file names that file's own problems and
        # lets one bad file be cancelled without the others.
        pending = pending_previews(await state.get_data())
        # The upload's update_id keys the batch: however often this preview is confirmed (a
        # redelivery after a crash, a double tap), its rows are saved once.
        pending[str(sent.message_id)] = {"project_id": project.id, "rows": to_state(plan),
                                         "filename": filename,
                                         "import_key": event_update.update_id,
                                         "posts": posts_to_state(plan)}
        await state.set_state(ImportPreview.confirm)
        await state.set_data({"pending": keep_newest(pending)})


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
    if result.posts:
        lines.append(t("posts-import-kept", count=len(result.posts)))
    if result.layout in POST_LAYOUTS:
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
    if query.message is None:  # too old for Telegram to show: nothing to confirm on it
        alert(query, t("stale-button"))
        return
    async with pending_lock(query.message.chat.id, query.from_user.id):
        pending = pending_previews(await state.get_data())
        item = pending.get(str(query.message.message_id))
        if item is None:  # an older preview pushed out, or this one saved or cancelled
            alert(query, t("stale-button"))
            return
        # Crash-safe order: the preview stays pending until the reply is out, so a confirm
        # that Telegram delivers again after a crash finds it and repeats the save
        # (idempotent by the upload's key) and the reply. A second tap waits for the first
        # (event isolation, this lock) and then finds nothing pending.
        await remove_buttons(query.message)
        if await permitted(query.message, storage, t, query.from_user.id, item["project_id"],
                           "editor"):
            batch_id = await apply_import(storage, item["project_id"], query.from_user.id,
                                          item["rows"],
                                          key=item.get("import_key", event_update.update_id),
                                          posts=item.get("posts"))
            saved = t("import-saved", count=len(item["rows"]))
            if item.get("posts"):
                saved += "\n" + t("posts-import-saved", count=len(item["posts"]))
            await query.message.answer(
                saved, reply_markup=undo_keyboard(item["project_id"], batch_id, t))
        await _forget_preview(state, pending, str(query.message.message_id))


@router.callback_query(StateFilter(ImportPreview.confirm), ImportCb.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    if query.message is None:  # too old for Telegram to show: nothing to confirm on it
        alert(query, t("stale-button"))
        return
    async with pending_lock(query.message.chat.id, query.from_user.id):
        pending = pending_previews(await state.get_data())
        if str(query.message.message_id) not in pending:
            alert(query, t("stale-button"))
            return
        await _forget_preview(state, pending, str(query.message.message_id))
    await remove_buttons(query.message)
    await query.message.answer(t("import-cancelled"))


def keep_newest(pending: dict[str, dict]) -> dict[str, dict]:
    """The newest previews that fit MAX_PENDING and MAX_PENDING_VALUES (the newest always):
    the dialog state stays small however many files come."""
    kept: list[tuple[str, dict]] = []
    values = 0
    for preview_id, item in reversed(pending.items()):
        values += len(item["rows"]) + len(item.get("posts") or ())
        if kept and (len(kept) >= MAX_PENDING or values > MAX_PENDING_VALUES):
            break
        kept.append((preview_id, item))
    return dict(reversed(kept))


def pending_previews(data: dict) -> dict[str, dict]:
    """The previews still waiting for Confirm/Cancel, by preview message id (oldest first).
    A state saved before previews were kept per message holds one, at the top level."""
    if "pending" in data:
        return dict(data["pending"])
    if "rows" in data and data.get("preview_id") is not None:
        return {str(data["preview_id"]): data}
    return {}


async def _forget_preview(state: FSMContext, pending: dict[str, dict], preview_id: str) -> None:
    pending.pop(preview_id, None)
    if pending:
        await state.set_data({"pending": pending})
    else:
        await state.clear()


def pending_lock(chat_id: int, user_id: int) -> asyncio.Lock:
    """One user's pending previews are read and written by one handler at a time, also where
    no event isolation orders the user's updates (polling without Redis); with Redis the
    isolation lock already does, across instances."""
    key = (chat_id, user_id)
    lock = _PENDING_LOCKS.get(key)
    if lock is None:
        lock = _PENDING_LOCKS[key] = asyncio.Lock()
    return lock


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
