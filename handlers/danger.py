"""/delete (the project, owner only) and /forget (my data), both behind a confirmation."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.i18n import Translator
from handlers.callbacks import ConfirmCb
from handlers.filters import PRIVATE
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)


def confirm_keyboard(action: str, project_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(f"{action}-confirm-button"),
                   callback_data=ConfirmCb(action=action, project_id=project_id))
    builder.button(text=t("keep-button"), callback_data=ConfirmCb(action="cancel"))
    return builder.as_markup()


@router.message(Command("delete"), flags={"needs": "owner"})
async def delete(message: Message, t: Translator, membership: Membership) -> None:
    await message.answer(t("delete-ask", name=membership.project.name),
                         reply_markup=confirm_keyboard("delete", membership.project.id, t))


@router.message(Command("forget"))
async def forget(message: Message, t: Translator) -> None:
    await message.answer(t("forget-ask"), reply_markup=confirm_keyboard("forget", 0, t))


@router.callback_query(ConfirmCb.filter(F.action == "delete"))
async def delete_confirmed(query: CallbackQuery, callback_data: ConfirmCb, t: Translator,
                           storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id,
                           callback_data.project_id, "owner"):
        return
    project = await storage.get_project(callback_data.project_id)
    await storage.delete_project(callback_data.project_id)
    await query.message.edit_text(t("delete-done", name=project.name))


@router.callback_query(ConfirmCb.filter(F.action == "forget"))
async def forget_confirmed(query: CallbackQuery, state: FSMContext, t: Translator,
                           storage: Storage) -> None:
    deleted = await storage.delete_user(query.from_user.id)
    await state.clear()
    await query.message.edit_text(t("forget-done", count=len(deleted)))


@router.callback_query(ConfirmCb.filter(F.action == "cancel"))
async def keep(query: CallbackQuery, t: Translator) -> None:
    await query.message.edit_text(t("kept"))
