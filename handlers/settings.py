"""/schedule and /timezone: when the digest goes out."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Translator
from handlers.buttons import remove_buttons
from handlers.callbacks import TzCb
from handlers.filters import PRIVATE, TEXT
from handlers.onboarding import TIMEZONES, timezone_keyboard
from handlers.states import TimezoneInput
from kpi.schedule import parse_schedule
from kpi.weeks import normalize_timezone
from storage.base import Storage
from storage.models import Membership, Project

router = Router(name=__name__)
router.message.filter(PRIVATE)


def schedule_text(project: Project, t: Translator) -> str:
    if not project.schedule_enabled:
        return t("schedule-off-now", name=project.name)
    return t("schedule-now", name=project.name, day=t(f"weekday-{project.schedule_weekday}"),
             time=project.schedule_time.strftime("%H:%M"), timezone=project.timezone)


@router.message(Command("schedule"), flags={"needs": "member"})
async def schedule(message: Message, command: CommandObject, t: Translator, storage: Storage,
                   membership: Membership) -> None:
    if not command.args:
        await message.answer(schedule_text(membership.project, t) + "\n" + t("schedule-usage"))
        return
    if not membership.role.is_owner:
        await message.answer(t("access-denied-owner"))
        return
    parsed = parse_schedule(command.args)
    if parsed is None:
        await message.answer(t("schedule-bad", text=command.args) + "\n" + t("schedule-usage"))
        return
    project = membership.project
    if parsed == "off":
        await storage.set_schedule(project.id, weekday=project.schedule_weekday,
                                   at=project.schedule_time, enabled=False,
                                   reminder_hours=project.reminder_hours)
    else:
        weekday, at = parsed
        await storage.set_schedule(project.id, weekday=weekday, at=at, enabled=True,
                                   reminder_hours=project.reminder_hours)
    updated = await storage.get_project(project.id)
    await message.answer("✅ " + schedule_text(updated, t))


@router.message(Command("timezone"), flags={"needs": "member"})
async def timezone(message: Message, command: CommandObject, state: FSMContext, t: Translator,
                   storage: Storage, membership: Membership) -> None:
    if not membership.role.is_owner:
        await message.answer(t("timezone-now", timezone=membership.project.timezone))
        return
    if command.args:
        await apply_timezone(message, t, storage, membership.project.id, command.args,
                             message.from_user.id)
        return
    await state.set_state(TimezoneInput.zone)
    await state.update_data(project_id=membership.project.id)
    await message.answer(t("timezone-now", timezone=membership.project.timezone) + "\n"
                         + t("onboarding-ask-timezone"), reply_markup=timezone_keyboard(t))


@router.message(StateFilter(TimezoneInput.zone), TEXT)
async def timezone_typed(message: Message, state: FSMContext, t: Translator,
                         storage: Storage) -> None:
    data = await state.get_data()
    if await apply_timezone(message, t, storage, data["project_id"], message.text or "",
                            message.from_user.id):
        await state.clear()


@router.callback_query(StateFilter(TimezoneInput.zone), TzCb.filter())
async def timezone_button(query: CallbackQuery, callback_data: TzCb, state: FSMContext,
                          t: Translator, storage: Storage) -> None:
    if not 0 <= callback_data.index < len(TIMEZONES):
        alert(query, t("stale-button"))
        return
    data = await state.get_data()
    await state.clear()
    await remove_buttons(query.message)
    await apply_timezone(query.message, t, storage, data["project_id"],
                         TIMEZONES[callback_data.index], query.from_user.id)


async def apply_timezone(message: Message, t: Translator, storage: Storage, project_id: int,
                         text: str, user_id: int) -> bool:
    zone = normalize_timezone(text)
    if zone is None:
        await message.answer(t("timezone-bad"))
        return False
    if not await permitted(message, storage, t, user_id, project_id, "owner"):
        return True
    await storage.set_project_timezone(project_id, zone)
    await message.answer(t("timezone-set", timezone=zone))
    return True
