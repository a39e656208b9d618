"""Managing what issue 14 adds: /formulas (list, change direction or unit, delete a formula KPI,
also from /kpis) and /notes (list and delete notes and experiments).

Viewers read the lists; every button acts only after the server re-checks that the presser is
an editor of the project in the button (`permitted`), so a forged press from a viewer or a
stranger is refused with one answer. A formula KPI is named in a button by its place in the
list plus a checksum of its name: a button made before the list changed is stale, never the
wrong formula.
"""

from __future__ import annotations

import html
import zlib

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Html, Translator
from bot.services.experiments import metric_name
from handlers.callbacks import KpiCb
from handlers.experiments import DIRECTIONS, UNIT_LIMIT
from handlers.filters import PLAIN_TEXT, PRIVATE
from handlers.states import Onboarding
from kpi.weeks import format_week
from storage.base import Storage
from storage.models import FormulaKpi, Membership

router = Router(name=__name__)

NOTES_SHOWN = 15
EXPERIMENTS_SHOWN = 10
LABEL_LIMIT = 24  # characters of user text in a button label
NO_UNIT = frozenset({"-", "—", "–", "нет", "none", "no"})
SHORT_DIRECTION = {"h": "higher_is_better", "l": "lower_is_better", "n": "neutral"}
SHORT_OF = {value: key for key, value in SHORT_DIRECTION.items()}


class ManageCb(CallbackData, prefix="x14"):
    project_id: int
    kind: str  # f (formula KPI) | n (note) | e (experiment)
    action: str  # open | dir | unit | del
    ref: int  # the formula's index in the list, or the note's / experiment's id
    check: int = 0  # a formula's name checksum
    value: str = ""  # a direction for "dir": h | l | n


class FormulaEdit(StatesGroup):
    unit = State()


def name_check(name: str) -> int:
    return zlib.crc32(name.encode()) & 0xFFFF


def label(t: Translator, key: str, **args: str) -> str:
    """A button label: plain text, so the translator's HTML escaping is undone."""
    return html.unescape(t(key, **args))


def short(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


# --- formula KPIs ----------------------------------------------------------------------------


def formula_line(kpi: FormulaKpi, t: Translator) -> str:
    return t("formulas-line", kpi=kpi.name, formula=kpi.formula,
             direction=t(f"direction-{kpi.direction}"), unit=kpi.unit or "—")


def formulas_view(project_name: str, project_id: int, formulas: list[FormulaKpi],
                  t: Translator, can_edit: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    if not formulas:
        return t("formulas-none", name=project_name), None
    text = t("formulas-title", name=project_name) + "\n" + "\n".join(
        formula_line(kpi, t) for kpi in formulas)
    if not can_edit:
        return text, None
    builder = InlineKeyboardBuilder()
    for index, kpi in enumerate(formulas):
        builder.button(text=label(t, "formulas-open-button", kpi=short(kpi.name)),
                       callback_data=ManageCb(project_id=project_id, kind="f", action="open",
                                              ref=index, check=name_check(kpi.name)))
    builder.adjust(1)
    return text + "\n\n" + t("formulas-hint"), builder.as_markup()


def formula_card(project_id: int, index: int, kpi: FormulaKpi, t: Translator
                 ) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    check = name_check(kpi.name)
    for direction in DIRECTIONS:
        mark = "✓ " if direction == kpi.direction else ""
        builder.button(text=mark + t(f"direction-{direction}"),
                       callback_data=ManageCb(project_id=project_id, kind="f", action="dir",
                                              ref=index, check=check,
                                              value=SHORT_OF[direction]))
    builder.button(text=t("formulas-unit-button"),
                   callback_data=ManageCb(project_id=project_id, kind="f", action="unit",
                                          ref=index, check=check))
    builder.button(text=t("formulas-delete-button"),
                   callback_data=ManageCb(project_id=project_id, kind="f", action="del",
                                          ref=index, check=check))
    builder.adjust(1)
    return t("formulas-card", line=Html(formula_line(kpi, t))), builder.as_markup()


async def send_formulas(message: Message, t: Translator, storage: Storage, project_id: int,
                        can_edit: bool) -> None:
    project = await storage.get_project(project_id)
    text, markup = formulas_view(project.name, project_id,
                                 await storage.get_formula_kpis(project_id), t, can_edit)
    await message.answer(text, reply_markup=markup)


@router.message(Command("formulas"), PRIVATE, flags={"needs": "member"})
async def formulas(message: Message, t: Translator, storage: Storage,
                   membership: Membership) -> None:
    await send_formulas(message, t, storage, membership.project.id, membership.role.can_edit)


@router.callback_query(StateFilter(Onboarding.kpis), KpiCb.filter(F.action == "formulas"))
async def formulas_from_kpis(query: CallbackQuery, state: FSMContext, t: Translator,
                             storage: Storage) -> None:
    """"🧮 My formula KPIs" under /kpis: the list below the picker, which stays open."""
    project_id = (await state.get_data()).get("project_id")
    if project_id is None or not await permitted(query, storage, t, query.from_user.id,
                                                 project_id, "editor"):
        return
    await send_formulas(query.message, t, storage, project_id, can_edit=True)


async def pressed_formula(query: CallbackQuery, data: ManageCb, t: Translator,
                          storage: Storage) -> FormulaKpi | None:
    """The formula KPI the button names, for an editor of its project; else refused."""
    if not await permitted(query, storage, t, query.from_user.id, data.project_id, "editor"):
        return None
    formulas = await storage.get_formula_kpis(data.project_id)
    if not 0 <= data.ref < len(formulas) or name_check(formulas[data.ref].name) != data.check:
        alert(query, t("stale-button"))
        return None
    return formulas[data.ref]


@router.callback_query(ManageCb.filter((F.kind == "f") & (F.action == "open")))
async def formula_open(query: CallbackQuery, callback_data: ManageCb, t: Translator,
                       storage: Storage) -> None:
    kpi = await pressed_formula(query, callback_data, t, storage)
    if kpi is None:
        return
    text, markup = formula_card(callback_data.project_id, callback_data.ref, kpi, t)
    await query.message.answer(text, reply_markup=markup)


@router.callback_query(ManageCb.filter((F.kind == "f") & (F.action == "dir")))
async def formula_direction(query: CallbackQuery, callback_data: ManageCb, t: Translator,
                            storage: Storage) -> None:
    kpi = await pressed_formula(query, callback_data, t, storage)
    direction = SHORT_DIRECTION.get(callback_data.value)
    if kpi is None:
        return
    if direction is None:
        alert(query, t("stale-button"))
        return
    kpi = FormulaKpi(kpi.name, kpi.formula, direction, kpi.unit)
    await storage.save_formula_kpi(callback_data.project_id, kpi)
    alert(query, t("formulas-direction-set", kpi=kpi.name, direction=t(f"direction-{direction}")),
          show_alert=False)
    text, markup = formula_card(callback_data.project_id, callback_data.ref, kpi, t)
    await query.message.edit_text(text, reply_markup=markup)


@router.callback_query(ManageCb.filter((F.kind == "f") & (F.action == "unit")))
async def formula_unit_start(query: CallbackQuery, callback_data: ManageCb, t: Translator,
                             storage: Storage, state: FSMContext) -> None:
    kpi = await pressed_formula(query, callback_data, t, storage)
    if kpi is None:
        return
    await state.clear()
    await state.set_state(FormulaEdit.unit)
    await state.update_data(project_id=callback_data.project_id, name=kpi.name)
    await query.message.answer(t("formulas-ask-unit", kpi=kpi.name, limit=UNIT_LIMIT))


@router.message(StateFilter(FormulaEdit.unit), PLAIN_TEXT)
async def formula_unit(message: Message, state: FSMContext, t: Translator,
                       storage: Storage) -> None:
    data = await state.get_data()
    if not await permitted(message, storage, t, message.from_user.id, data["project_id"],
                           "editor"):
        await state.clear()
        return
    unit = message.text.strip()
    unit = "" if unit.casefold() in NO_UNIT else unit
    if len(unit) > UNIT_LIMIT:
        await message.answer(t("formula-bad-unit", limit=UNIT_LIMIT))
        return
    kpi = next((k for k in await storage.get_formula_kpis(data["project_id"])
                if k.name == data["name"]), None)
    await state.clear()
    if kpi is None:  # deleted meanwhile
        await message.answer(t("stale-button"))
        return
    await storage.save_formula_kpi(data["project_id"],
                                   FormulaKpi(kpi.name, kpi.formula, kpi.direction, unit))
    await message.answer(t("formulas-unit-set", kpi=kpi.name, unit=unit or "—"))


@router.callback_query(ManageCb.filter((F.kind == "f") & (F.action == "del")))
async def formula_delete(query: CallbackQuery, callback_data: ManageCb, t: Translator,
                         storage: Storage) -> None:
    kpi = await pressed_formula(query, callback_data, t, storage)
    if kpi is None:
        return
    await storage.delete_formula_kpi(callback_data.project_id, kpi.name)
    # Its alert threshold would otherwise come back with a new formula of the same name.
    await storage.set_threshold(callback_data.project_id, None, kpi.name)
    alert(query, t("formulas-deleted", kpi=kpi.name), show_alert=False)
    await query.message.edit_text(t("formulas-deleted", kpi=kpi.name), reply_markup=None)


# --- notes and experiments -------------------------------------------------------------------


async def notes_view(storage: Storage, project_id: int, t: Translator, can_edit: bool
                     ) -> tuple[str, InlineKeyboardMarkup | None]:
    project = await storage.get_project(project_id)
    notes = list(reversed(await storage.get_notes(project_id)))[:NOTES_SHOWN]
    experiments = (await storage.get_experiments(project_id))[:EXPERIMENTS_SHOWN]
    if not notes and not experiments:
        return t("notes-none", name=project.name), None
    lines = [t("notes-title", name=project.name)]
    lines += [t("notes-line", week=format_week(n.week_start, t.lang, with_year=True),
                text=n.text) for n in notes] or [t("notes-no-notes")]
    lines += ["", t("notes-experiments-title")]
    lines += [t("notes-experiment-line", name=e.name, metric=metric_name(e.metric, t.lang),
                arrow="↑" if e.want_up else "↓",
                start=format_week(e.start_week, t.lang, with_year=True))
              for e in experiments] or [t("experiment-none")]
    if not can_edit:
        return "\n".join(lines), None
    builder = InlineKeyboardBuilder()
    for note in notes:
        builder.button(text=label(t, "notes-delete-note-button", text=short(note.text)),
                       callback_data=ManageCb(project_id=project_id, kind="n", action="del",
                                              ref=note.id))
    for experiment in experiments:
        builder.button(text=label(t, "notes-delete-experiment-button",
                                  name=short(experiment.name)),
                       callback_data=ManageCb(project_id=project_id, kind="e", action="del",
                                              ref=experiment.id))
    builder.adjust(1)
    return "\n".join(lines) + "\n\n" + t("notes-hint"), builder.as_markup()


@router.message(Command("notes"), PRIVATE, flags={"needs": "member"})
async def notes(message: Message, t: Translator, storage: Storage,
                membership: Membership) -> None:
    text, markup = await notes_view(storage, membership.project.id, t, membership.role.can_edit)
    await message.answer(text, reply_markup=markup)


@router.callback_query(ManageCb.filter(F.kind.in_({"n", "e"}) & (F.action == "del")))
async def note_or_experiment_delete(query: CallbackQuery, callback_data: ManageCb,
                                    t: Translator, storage: Storage) -> None:
    project_id = callback_data.project_id
    if not await permitted(query, storage, t, query.from_user.id, project_id, "editor"):
        return
    if callback_data.kind == "n":
        deleted = await storage.delete_note(project_id, callback_data.ref)
    else:
        deleted = await storage.delete_experiment(project_id, callback_data.ref)
    if not deleted:  # already deleted, or not this project's: nothing changes
        alert(query, t("stale-button"))
        return
    alert(query, t("notes-deleted-note" if callback_data.kind == "n"
                   else "notes-deleted-experiment"), show_alert=False)
    text, markup = await notes_view(storage, project_id, t, can_edit=True)
    await query.message.edit_text(text, reply_markup=markup)
