"""/help, /cancel and /language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import SUPPORTED_LANGUAGES, Translator, get_translator
from handlers.callbacks import LanguageCb
from storage.base import Storage

router = Router(name=__name__)


@router.message(Command("help"))
async def help_command(message: Message, t: Translator) -> None:
    await message.answer(t("help"))


@router.message(Command("cancel"), StateFilter("*"))
async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
    had_dialog = await state.get_state() is not None
    await state.clear()
    await message.answer(t("cancelled" if had_dialog else "nothing-to-cancel"))


@router.message(Command("language"))
async def language(message: Message, command: CommandObject, t: Translator,
                   storage: Storage) -> None:
    choice = (command.args or "").strip().lower()
    if choice in SUPPORTED_LANGUAGES:
        await storage.set_user_language(message.from_user.id, choice)
        await message.answer(get_translator(choice)("language-set"))
        return
    if choice:
        await message.answer(t("language-unknown"))
    await message.answer(t("language-ask"), reply_markup=language_keyboard())


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🇷🇺 Русский", callback_data=LanguageCb(lang="ru"))
    builder.button(text="🇬🇧 English", callback_data=LanguageCb(lang="en"))
    return builder.as_markup()


@router.callback_query(LanguageCb.filter(F.lang.in_(SUPPORTED_LANGUAGES)))
async def language_chosen(query: CallbackQuery, callback_data: LanguageCb,
                          storage: Storage) -> None:
    await storage.set_user_language(query.from_user.id, callback_data.lang)
    await query.message.edit_text(get_translator(callback_data.lang)("language-set"))
