"""/add: asks for each of the project's metrics in turn, saves them as one batch.

Each step remembers the update that made it (`step_update` in the dialog data), so an answer
or a Skip that Telegram delivers again after a crash is not applied twice (which would file
the number under the next metric); the batch is saved under the last step's update_id and
answered before the dialog is closed, so a crash in between neither loses nor repeats it.
"""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Translator
from bot.services.entry import EntryOutcome, guided_metrics, save_values
from handlers.buttons import remove_buttons
from handlers.callbacks import AddCb, StartAddCb
from handlers.entry_view import outcome_text, undo_keyboard
from handlers.filters import PLAIN_TEXT, PRIVATE
from handlers.kpi_picker import metric_label
from handlers.states import GuidedEntry
from kpi.numbers import parse_number
from kpi.parser import ParsedEntry
from kpi.weeks import current_week, format_week, week_start
from storage.base import Storage
from storage.models import BatchSource, Membership, NewValue, Project

router = Router(name=__name__)


@router.message(Command("add"), PRIVATE, flags={"needs": "editor"})
async def start_guided(message: Message, state: FSMContext, t: Translator, storage: Storage,
                       membership: Membership) -> None:
    await begin(message, state, t, storage, membership.project)


@router.callback_query(StartAddCb.filter())
async def start_from_reminder(query: CallbackQuery, callback_data: StartAddCb,
                              state: FSMContext, t: Translator, storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id,
                           callback_data.project_id, "editor"):
        return
    project = await storage.get_project(callback_data.project_id)
    try:
        week = week_start(date.fromisoformat(callback_data.week))
    except ValueError:
        week = None
    if project is None or week is None or week >= current_week(project.timezone):
        alert(query, t("stale-button"))
        return
    await storage.set_active_project(query.from_user.id, project.id)
    await begin(query.message, state, t, storage, project, week)


async def begin(message: Message, state: FSMContext, t: Translator, storage: Storage,
                project: Project, week: date | None = None) -> None:
    metrics = await guided_metrics(storage, project.id)
    if not metrics:
        await message.answer(t("add-no-kpis"))
        return
    # The digest reports on the week that just ended, so that is the week /add fills in.
    week = week or current_week(project.timezone) - timedelta(days=7)
    await state.clear()
    await state.set_state(GuidedEntry.value)
    await state.update_data(project_id=project.id, week=week.isoformat(),
                            metrics=metrics, index=0, values={})
    await message.answer(t("add-intro", week=format_week(week, t.lang), count=len(metrics)))
    await ask_next(message, state, t)


def step_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("add-skip-button"), callback_data=AddCb(action="skip"))
    builder.button(text=t("add-stop-button"), callback_data=AddCb(action="stop"))
    return builder.as_markup()


async def ask_next(message: Message, state: FSMContext, t: Translator) -> bool:
    """Ask for the next metric; False when none is left."""
    data = await state.get_data()
    if data["index"] >= len(data["metrics"]):
        return False
    key = data["metrics"][data["index"]]
    await message.answer(t("add-ask", metric=metric_label(key, t.lang),
                           step=data["index"] + 1, total=len(data["metrics"])),
                         reply_markup=step_keyboard(t))
    return True


@router.message(StateFilter(GuidedEntry.value), PLAIN_TEXT)
async def got_value(message: Message, state: FSMContext, t: Translator,
                    storage: Storage, event_update: Update) -> None:
    number = parse_number(message.text or "")
    if number is None or number.value < 0:
        await message.answer(t("add-bad-number"))
        return
    data = await state.get_data()
    if data.get("step_update") != event_update.update_id and data["index"] < len(data["metrics"]):
        values = dict(data["values"])
        values[data["metrics"][data["index"]]] = number.value
        await state.update_data(values=values, index=data["index"] + 1,
                                step_update=event_update.update_id)
    if not await ask_next(message, state, t):
        await finish(message, state, t, storage, message.from_user.id, event_update.update_id)


@router.callback_query(StateFilter(GuidedEntry.value), AddCb.filter())
async def step_button(query: CallbackQuery, callback_data: AddCb, state: FSMContext,
                      t: Translator, storage: Storage, event_update: Update) -> None:
    await remove_buttons(query.message)
    data = await state.get_data()
    if callback_data.action == "skip":
        if data.get("step_update") != event_update.update_id:
            await state.update_data(index=data["index"] + 1, step_update=event_update.update_id)
        if await ask_next(query.message, state, t):
            return
    await finish(query.message, state, t, storage, query.from_user.id, event_update.update_id)


async def finish(message: Message, state: FSMContext, t: Translator, storage: Storage,
                 user_id: int, update_id: int) -> None:
    data = await state.get_data()
    if not data["values"]:
        await state.clear()
        await message.answer(t("add-nothing"))
        return
    if not await permitted(message, storage, t, user_id, data["project_id"], "editor"):
        await state.clear()
        return
    project = await storage.get_project(data["project_id"])
    week = date.fromisoformat(data["week"])
    outcome = EntryOutcome(parsed=ParsedEntry(week_start=week, period_given=True, values=[],
                                              unknown=[], problems=[]), week_start=week)
    values = [NewValue(week, key, value) for key, value in data["values"].items()]
    await save_values(storage, project, user_id, values, outcome, BatchSource.GUIDED, update_id)
    await message.answer(outcome_text(outcome, t),
                         reply_markup=undo_keyboard(project.id, outcome.batch_id, t))
    # Only now: a crash before this brings the same update back to this dialog, which saves
    # it once (same update_id) and answers.
    await state.clear()
