"""Goal-first onboarding (/start, /new) and changing KPIs and targets later (/kpis)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.config import Settings
from bot.i18n import Translator
from bot.menu import set_menu_button
from handlers import kpi_picker
from handlers.buttons import remove_buttons
from handlers.callbacks import GoalCb, KpiCb, TargetCb, TzCb
from handlers.filters import PRIVATE, TEXT
from handlers.home import send_home
from handlers.states import Onboarding
from kpi import catalogue
from kpi.catalogue import Goal
from kpi.numbers import parse_number
from kpi.weeks import normalize_timezone
from storage.base import Storage
from storage.models import Membership, ProjectKpi, User

router = Router(name=__name__)

MAX_PROJECT_NAME = 64
TIMEZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
             "Asia/Omsk", "Asia/Novosibirsk", "Asia/Irkutsk", "Asia/Vladivostok", "UTC")


@router.message(CommandStart(deep_link=False), PRIVATE)
async def start(message: Message, state: FSMContext, t: Translator, storage: Storage,
                user: User, membership: Membership | None, command: CommandObject,
                settings: Settings) -> None:
    await state.clear()
    await set_menu_button(message.bot, message.chat.id, settings.webapp_url, t)
    if membership is None and not await storage.list_memberships(user.id):
        await message.answer(t("welcome"))
        await begin_project(message, state, t)
        return
    await send_home(message, t, storage, membership, user)


@router.message(Command("new"), PRIVATE)
async def new_project(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await begin_project(message, state, t)


async def begin_project(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(Onboarding.name)
    await state.update_data(mode="new")
    await message.answer(t("onboarding-ask-name"))


@router.message(StateFilter(Onboarding.name), TEXT)
async def got_name(message: Message, state: FSMContext, t: Translator) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > MAX_PROJECT_NAME or name.startswith("/"):
        await message.answer(t("onboarding-bad-name", limit=MAX_PROJECT_NAME))
        return
    await state.update_data(name=name)
    await state.set_state(Onboarding.goal)
    await message.answer(t("onboarding-ask-goal", name=name), reply_markup=goal_keyboard(t))


def goal_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for goal in Goal:
        builder.button(text=t(f"goal-{goal.value}"), callback_data=GoalCb(goal=goal.value))
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(StateFilter(Onboarding.goal), GoalCb.filter())
async def got_goal(query: CallbackQuery, callback_data: GoalCb, state: FSMContext,
                   t: Translator) -> None:
    if callback_data.goal not in {g.value for g in Goal}:
        alert(query, t("stale-button"))
        return
    choice = kpi_picker.initial_choice(callback_data.goal)
    await state.update_data(goal=callback_data.goal, **choice)
    await state.set_state(Onboarding.kpis)
    data = await state.get_data()
    await query.message.edit_text(
        t("onboarding-ask-kpis", goal=t(f"goal-{callback_data.goal}")),
        reply_markup=kpi_picker.picker_keyboard(data, t))


@router.message(Command("kpis"), PRIVATE, flags={"needs": "editor"})
async def edit_kpis(message: Message, state: FSMContext, t: Translator, storage: Storage,
                    membership: Membership) -> None:
    kpis = await storage.get_kpis(membership.project.id)
    choice = kpi_picker.initial_choice(membership.project.goal, [k.metric for k in kpis])
    targets = {k.metric: k.target for k in kpis if k.target is not None}
    await state.clear()
    await state.set_state(Onboarding.kpis)
    await state.update_data(mode="edit", project_id=membership.project.id, targets=targets,
                            **choice)
    await message.answer(t("kpis-edit", name=membership.project.name),
                         reply_markup=kpi_picker.picker_keyboard(await state.get_data(), t))


@router.callback_query(StateFilter(Onboarding.kpis), KpiCb.filter(F.action == "toggle"))
async def toggle_kpi(query: CallbackQuery, callback_data: KpiCb, state: FSMContext,
                     t: Translator, event_update: Update) -> None:
    data = await state.get_data()
    if data.get("step_update") != event_update.update_id:  # redelivered: toggled already
        if not kpi_picker.toggle(data, callback_data.index):
            alert(query, t("stale-button"))
            return
        await state.update_data(selected=data["selected"], step_update=event_update.update_id)
    await query.message.edit_reply_markup(reply_markup=kpi_picker.picker_keyboard(data, t))


@router.callback_query(StateFilter(Onboarding.kpis), KpiCb.filter(F.action == "custom"))
async def ask_custom(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(Onboarding.custom_kpi)
    await query.message.answer(t("kpis-ask-custom", limit=kpi_picker.MAX_CUSTOM_NAME))


@router.message(StateFilter(Onboarding.custom_kpi), TEXT)
async def got_custom(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    error = kpi_picker.add_custom(data, message.text or "")
    if error:
        await message.answer(t(error, limit=kpi_picker.MAX_CUSTOM_NAME))
        return
    await state.update_data(options=data["options"], selected=data["selected"])
    await state.set_state(Onboarding.kpis)
    await message.answer(t("kpis-pick-more"), reply_markup=kpi_picker.picker_keyboard(data, t))


@router.callback_query(StateFilter(Onboarding.kpis), KpiCb.filter(F.action == "done"))
async def kpis_done(query: CallbackQuery, state: FSMContext, t: Translator,
                    storage: Storage) -> None:
    data = await state.get_data()
    count = len(data["selected"])
    if count == 0:
        alert(query, t("kpis-none-selected"))
        return
    if count > 5:
        alert(query, t("kpis-too-many-hint", count=count))
    await query.message.edit_text(t("kpis-chosen", kpis=kpi_picker.selection_summary(data, t)))
    await state.update_data(target_index=0, targets=data.get("targets", {}))
    await state.set_state(Onboarding.targets)
    await ask_target(query.message, state, t, storage, query.from_user.id)


async def ask_target(message: Message, state: FSMContext, t: Translator, storage: Storage,
                     user_id: int) -> None:
    data = await state.get_data()
    index: int = data["target_index"]
    if index >= len(data["selected"]):
        await finish_targets(message, state, t, storage, user_id)
        return
    key = data["selected"][index]
    metric = catalogue.get(key)
    current = data["targets"].get(key)
    await message.answer(
        t("targets-ask", metric=kpi_picker.metric_label(key, t.lang),
          direction=t("direction-" + (metric.direction.value if metric else "higher_is_better")),
          current=_plain(current) if current is not None else "—"),
        reply_markup=kpi_picker.target_keyboard(t))


def _plain(value: float) -> str:
    return f"{value:g}"


@router.message(StateFilter(Onboarding.targets), TEXT)
async def got_target(message: Message, state: FSMContext, t: Translator,
                     storage: Storage, event_update: Update) -> None:
    number = parse_number(message.text or "")
    if number is None or number.value < 0:
        await message.answer(t("targets-bad-number"))
        return
    data = await state.get_data()
    index = data["target_index"]
    # A redelivered answer (crash before the next question) is not given to the next KPI.
    if data.get("step_update") != event_update.update_id and index < len(data["selected"]):
        targets = dict(data["targets"])
        targets[data["selected"][index]] = number.value
        await state.update_data(targets=targets, target_index=index + 1,
                                step_update=event_update.update_id)
    await ask_target(message, state, t, storage, message.from_user.id)


@router.callback_query(StateFilter(Onboarding.targets), TargetCb.filter())
async def skip_target(query: CallbackQuery, callback_data: TargetCb, state: FSMContext,
                      t: Translator, storage: Storage, event_update: Update) -> None:
    data = await state.get_data()
    if data.get("step_update") != event_update.update_id:  # a redelivered Skip skips once
        next_index = len(data["selected"]) if callback_data.action == "skip_all" else (
            data["target_index"] + 1)
        await state.update_data(target_index=next_index, step_update=event_update.update_id)
    await remove_buttons(query.message)
    await ask_target(query.message, state, t, storage, query.from_user.id)


async def finish_targets(message: Message, state: FSMContext, t: Translator, storage: Storage,
                         user_id: int) -> None:
    data = await state.get_data()
    if data.get("mode") == "edit":
        await save_kpis(message, state, t, storage, user_id)
        return
    await state.set_state(Onboarding.timezone)
    await message.answer(t("onboarding-ask-timezone"), reply_markup=timezone_keyboard(t))


def timezone_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, zone in enumerate(TIMEZONES):
        builder.button(text=t("tz-" + zone.split("/")[-1].lower()), callback_data=TzCb(index=index))
    builder.adjust(2)
    return builder.as_markup()


@router.callback_query(StateFilter(Onboarding.timezone), TzCb.filter())
async def got_timezone_button(query: CallbackQuery, callback_data: TzCb, state: FSMContext,
                              t: Translator, storage: Storage, user: User, lang: str,
                              event_update: Update) -> None:
    if not 0 <= callback_data.index < len(TIMEZONES):
        alert(query, t("stale-button"))
        return
    await remove_buttons(query.message)
    await create_project(query.message, state, t, storage, user, lang,
                         TIMEZONES[callback_data.index], event_update.update_id)


@router.message(StateFilter(Onboarding.timezone), TEXT)
async def got_timezone_text(message: Message, state: FSMContext, t: Translator,
                            storage: Storage, user: User, lang: str,
                            event_update: Update) -> None:
    zone = normalize_timezone(message.text or "")
    if zone is None:
        await message.answer(t("timezone-bad"), reply_markup=timezone_keyboard(t))
        return
    await create_project(message, state, t, storage, user, lang, zone, event_update.update_id)


async def create_project(message: Message, state: FSMContext, t: Translator, storage: Storage,
                         user: User, lang: str, zone: str, update_id: int) -> None:
    data = await state.get_data()
    # Keyed by the update: redelivered after a crash before the dialog closed, it returns the
    # project it made instead of a second one.
    project = await storage.create_project(
        user.id, data["name"], data["goal"], zone, lang, kpis_from(data), update_id=update_id)
    await state.clear()
    await message.answer(t("onboarding-done", name=project.name, timezone=zone,
                           kpis=kpi_picker.selection_summary(data, t)))


def kpis_from(data: dict[str, Any]) -> list[ProjectKpi]:
    targets: dict[str, float] = data.get("targets", {})
    return [
        ProjectKpi(metric=key, target=targets.get(key), custom=catalogue.is_custom(key),
                   position=position)
        for position, key in enumerate(data["selected"])
    ]


async def save_kpis(message: Message, state: FSMContext, t: Translator, storage: Storage,
                    user_id: int) -> None:
    data = await state.get_data()
    await state.clear()
    if not await permitted(message, storage, t, user_id, data["project_id"], "editor"):
        return
    await storage.set_kpis(data["project_id"], kpis_from(data))
    await message.answer(t("kpis-saved", kpis=kpi_picker.selection_summary(data, t)))
