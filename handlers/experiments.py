"""/note, /experiment and /formula: what changed, did it work, and the user's own KPIs.

Viewers may read (/experiment without arguments); writing needs an editor — checked on the
server for this very update (handler flags, and `refusal_for_role` for /experiment's two uses).
"""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted, refusal_for_role
from bot.i18n import Html, Translator
from bot.services.entry import custom_names, project_today
from bot.services.experiments import experiment_lines
from handlers.buttons import remove_buttons
from handlers.callbacks import KpiCb
from handlers.filters import PLAIN_TEXT, PRIVATE
from handlers.kpi_picker import metric_label
from handlers.states import Onboarding
from kpi import catalogue, expressions
from kpi.experiment_command import CommandError, parse_experiment
from kpi.weeks import format_week, week_start
from storage.base import Storage
from storage.models import FormulaKpi, Membership

router = Router(name=__name__)

NOTE_LIMIT = 200
FORMULA_NAME_LIMIT = 32
UNIT_LIMIT = 8
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")


class FormulaDialog(StatesGroup):
    name = State()
    formula = State()
    direction = State()
    unit = State()


class FormulaCb(CallbackData, prefix="fkpi"):
    project_id: int
    value: str  # a direction, or "nounit"


@router.message(Command("note"), PRIVATE, flags={"needs": "editor"})
async def note(message: Message, command: CommandObject, t: Translator, storage: Storage,
               membership: Membership, event_update: Update) -> None:
    text = (command.args or "").strip()
    if not text or len(text) > NOTE_LIMIT:
        await message.answer(t("note-usage", limit=NOTE_LIMIT))
        return
    project = membership.project
    week = week_start(project_today(project))
    await storage.add_note(project.id, message.from_user.id, week, text,
                           update_id=event_update.update_id)
    await message.answer(t("note-saved", week=format_week(week, t.lang), text=text))


@router.message(Command("experiment"), PRIVATE, flags={"needs": "member"})
async def experiment(message: Message, command: CommandObject, t: Translator, storage: Storage,
                     membership: Membership, event_update: Update) -> None:
    project = membership.project
    if command.args and command.args.strip():
        refused = refusal_for_role("editor", membership.role)
        if refused:
            await message.answer(t(refused))
            return
        custom = custom_names(await storage.get_kpis(project.id)) + [
            f.name for f in await storage.get_formula_kpis(project.id)]
        try:
            spec = parse_experiment(command.args, week_start(project_today(project)), custom)
        except CommandError as error:
            await message.answer(t(error.key, **error.args_) + "\n\n" + t("experiment-usage"))
            return
        await storage.start_experiment(project.id, message.from_user.id, spec.name, spec.metric,
                                       spec.want_up, spec.start_week, spec.end_week,
                                       update_id=event_update.update_id)
    lines = await experiment_lines(storage, project.id, t)
    if not lines:
        await message.answer(t("experiment-none") + "\n\n" + t("experiment-usage"))
        return
    await message.answer(t("experiment-list", name=project.name) + "\n" + "\n".join(lines))


# --- the formula KPI dialog ------------------------------------------------------------------


@router.message(Command("formula"), PRIVATE, flags={"needs": "editor"})
async def formula_start(message: Message, state: FSMContext, t: Translator,
                        membership: Membership) -> None:
    await begin_formula(message, state, t, membership.project.id)


@router.callback_query(StateFilter(Onboarding.kpis), KpiCb.filter(F.action == "formula"))
async def formula_from_kpis(query: CallbackQuery, state: FSMContext, t: Translator,
                            storage: Storage) -> None:
    """"➕ Formula KPI" under /kpis: leaves the picker unsaved and starts the dialog."""
    project_id = (await state.get_data()).get("project_id")
    if project_id is None or not await permitted(query, storage, t, query.from_user.id,
                                                 project_id, "editor"):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await begin_formula(query.message, state, t, project_id)


async def begin_formula(message: Message, state: FSMContext, t: Translator,
                        project_id: int) -> None:
    await state.clear()
    await state.set_state(FormulaDialog.name)
    await state.update_data(project_id=project_id)
    await message.answer(t("formula-ask-name", limit=FORMULA_NAME_LIMIT))


# A step's update may come again after a crash (handled, not yet confirmed, the journal note
# lost): each step that moves the dialog on records its update_id as `step_update`, and the
# next step, seeing that id again, repeats its own question instead of taking the old answer
# as the new one (the name as a formula, the formula as a unit) — as guided entry does.


def redelivered(data: dict, update: Update) -> bool:
    return data.get("step_update") == update.update_id


@router.message(StateFilter(FormulaDialog.name), PLAIN_TEXT)
async def formula_name(message: Message, state: FSMContext, t: Translator,
                       storage: Storage, event_update: Update) -> None:
    data = await state.get_data()
    if not await permitted(message, storage, t, message.from_user.id, data["project_id"],
                           "editor"):
        await state.clear()
        return
    name = " ".join(message.text.split())
    custom = custom_names(await storage.get_kpis(data["project_id"]))
    if not name or len(name) > FORMULA_NAME_LIMIT:
        await message.answer(t("formula-bad-name", limit=FORMULA_NAME_LIMIT))
        return
    if catalogue.resolve(name, custom) is not None:
        await message.answer(t("formula-name-taken", name=name))
        return
    if await existing_formula(storage, data["project_id"], name) is not None:
        await message.answer(t("formula-name-taken-formula", name=name))
        return
    await state.update_data(name=name, step_update=event_update.update_id)
    await state.set_state(FormulaDialog.formula)
    await message.answer(t("formula-ask-formula", name=name))


async def existing_formula(storage: Storage, project_id: int, name: str) -> FormulaKpi | None:
    """The project's formula KPI of that name, compared as the user would (case, spaces)."""
    folded = " ".join(name.split()).casefold()
    return next((k for k in await storage.get_formula_kpis(project_id)
                 if k.name.casefold() == folded), None)


@router.message(StateFilter(FormulaDialog.formula), PLAIN_TEXT)
async def formula_text(message: Message, state: FSMContext, t: Translator,
                       storage: Storage, event_update: Update) -> None:
    data = await state.get_data()
    if redelivered(data, event_update):  # the name again: ask for the formula again
        await message.answer(t("formula-ask-formula", name=data["name"]))
        return
    custom = custom_names(await storage.get_kpis(data["project_id"]))
    text = message.text.strip()
    try:
        tree = expressions.parse(text, custom)
    except expressions.ExpressionError as error:
        await message.answer(formula_error(text, error, t))
        return
    await state.update_data(formula=text, step_update=event_update.update_id)
    await state.set_state(FormulaDialog.direction)
    await ask_direction(message, data["project_id"], tree, t)


async def ask_direction(message: Message, project_id: int, tree: expressions.Expr,
                        t: Translator) -> None:
    shown = expressions.render(tree, lambda key: metric_label(key, t.lang))
    await message.answer(t("formula-ask-direction", formula=shown),
                         reply_markup=direction_keyboard(project_id, t))


@router.message(StateFilter(FormulaDialog.direction), PLAIN_TEXT)
async def formula_text_again(message: Message, state: FSMContext, t: Translator,
                             storage: Storage, event_update: Update) -> None:
    """Text while the direction buttons are up: the formula redelivered, or a typed answer."""
    data = await state.get_data()
    if not redelivered(data, event_update):
        await message.answer(t("formula-tap-direction"))
        return
    custom = custom_names(await storage.get_kpis(data["project_id"]))
    await ask_direction(message, data["project_id"],
                        expressions.parse(data["formula"], custom), t)


def formula_error(text: str, error: expressions.ExpressionError, t: Translator) -> str:
    """The reason and the formula with a caret under the place it refers to."""
    args = dict(error.args_)
    if "expected" in args:
        args["expected"] = t(f"expr-what-{args['expected']}")
    marker = Html("<pre>" + html.escape(text) + "\n" + " " * error.position + "^</pre>")
    return t("formula-invalid", reason=t(error.key, **args), marker=marker)


def direction_keyboard(project_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for direction in DIRECTIONS:
        builder.button(text=t(f"direction-{direction}"),
                       callback_data=FormulaCb(project_id=project_id, value=direction))
    builder.adjust(1)
    return builder.as_markup()


# In the unit step too: the same tap redelivered after a crash only asks for the unit again.
@router.callback_query(StateFilter(FormulaDialog.direction, FormulaDialog.unit),
                       FormulaCb.filter(F.value.in_(set(DIRECTIONS))))
async def formula_direction(query: CallbackQuery, callback_data: FormulaCb, state: FSMContext,
                            t: Translator) -> None:
    await state.update_data(direction=callback_data.value)
    await state.set_state(FormulaDialog.unit)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("formula-no-unit-button"),
                   callback_data=FormulaCb(project_id=callback_data.project_id, value="nounit"))
    await remove_buttons(query.message)
    await query.message.answer(t("formula-ask-unit", limit=UNIT_LIMIT),
                               reply_markup=builder.as_markup())


@router.message(StateFilter(FormulaDialog.unit), PLAIN_TEXT)
async def formula_unit(message: Message, state: FSMContext, t: Translator,
                       storage: Storage) -> None:
    unit = message.text.strip()
    if len(unit) > UNIT_LIMIT:
        await message.answer(t("formula-bad-unit", limit=UNIT_LIMIT))
        return
    await formula_save(message, message.from_user.id, state, t, storage, unit)


@router.callback_query(StateFilter(FormulaDialog.unit), FormulaCb.filter(F.value == "nounit"))
async def formula_no_unit(query: CallbackQuery, state: FSMContext, t: Translator,
                          storage: Storage) -> None:
    await remove_buttons(query.message)
    await formula_save(query.message, query.from_user.id, state, t, storage, "")


async def formula_save(message: Message, user_id: int, state: FSMContext, t: Translator,
                       storage: Storage, unit: str) -> None:
    data = await state.get_data()
    if not {"name", "formula", "direction"} <= data.keys():
        await state.clear()
        await message.answer(t("stale-button"))
        return
    if not await permitted(message, storage, t, user_id, data["project_id"], "editor"):
        await state.clear()
        return
    kpi = FormulaKpi(data["name"], data["formula"], data["direction"], unit)
    before = await existing_formula(storage, data["project_id"], kpi.name)
    # The same formula already there is this very step redelivered after its save: answer
    # again, write nothing. A different one of that name came from someone else meanwhile.
    same = (before.name, before.formula, before.direction, before.unit) if before else None
    if before is not None and same != (kpi.name, kpi.formula, kpi.direction, kpi.unit):
        await state.clear()
        await message.answer(t("formula-name-taken-formula", name=kpi.name))
        return
    if before is None:
        await storage.save_formula_kpi(data["project_id"], kpi)
    await state.clear()
    await message.answer(t("formula-saved", name=data["name"], formula=data["formula"],
                           direction=t(f"direction-{data['direction']}")))
