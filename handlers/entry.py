"""Weekly numbers by plain message, the Undo button and /undo."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message, Update

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Translator
from bot.services.entry import record_entry
from handlers.buttons import remove_buttons
from handlers.callbacks import UndoCb
from handlers.entry_view import outcome_text, undo_keyboard, unknown_text
from handlers.filters import PLAIN_TEXT, PRIVATE
from handlers.kpi_picker import metric_label
from handlers.states import ImportPreview
from storage.base import Storage
from storage.models import Batch, Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)


# Outside dialogs, and while file previews wait for Save/Cancel: a preview is not a question,
# so numbers typed meanwhile are entries as always (the previews stay pending).
@router.message(StateFilter(None, ImportPreview.confirm), PLAIN_TEXT, flags={"needs": "editor"})
async def numbers_message(message: Message, t: Translator, storage: Storage,
                          membership: Membership, event_update: Update) -> None:
    outcome = await record_entry(storage, membership.project, message.from_user.id,
                                 message.text or "", update_id=event_update.update_id)
    if outcome.refused:
        await message.answer(t(f"entry-refused-{outcome.refused}"))
        return
    if not outcome.saved:
        text = unknown_text(outcome, t) + "\n\n" if outcome.unknown else ""
        await message.answer(text + t("entry-help"))
        return
    await message.answer(outcome_text(outcome, t),
                         reply_markup=undo_keyboard(membership.project.id, outcome.batch_id, t))


@router.callback_query(UndoCb.filter())
async def undo_button(query: CallbackQuery, callback_data: UndoCb, t: Translator,
                      storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id,
                           callback_data.project_id, "editor"):
        return
    batch = await storage.undo_batch(callback_data.project_id, callback_data.batch_id)
    if batch is None:
        alert(query, t("undo-not-possible"))
        return
    await remove_buttons(query.message)
    await query.message.answer(undone_text(batch, t))


@router.message(Command("undo"), flags={"needs": "editor"})
async def undo_command(message: Message, t: Translator, storage: Storage,
                       membership: Membership, event_update: Update) -> None:
    batch = await storage.undo_last_batch(membership.project.id, message.from_user.id,
                                          update_id=event_update.update_id)
    if batch is None:
        await message.answer(t("undo-nothing"))
        return
    await message.answer(undone_text(batch, t))


def undone_text(batch: Batch, t: Translator) -> str:
    names = sorted({metric_label(v.metric, t.lang) for v in batch.values})
    weeks = sorted({v.week_start.isoformat() for v in batch.values})
    return t("undo-done", count=len(batch.values), metrics=", ".join(names),
             weeks=", ".join(weeks))
