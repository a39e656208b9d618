"""/channel: link the chat where digests are posted; offers to link when the bot is added."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Translator, get_translator
from bot.services.channel import check_channel
from handlers.buttons import remove_buttons
from handlers.callbacks import ChannelCb
from handlers.filters import PRIVATE, Magic
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)

OFF_WORDS = {"off", "выкл", "unlink", "отвязать"}


class ChannelInput(StatesGroup):
    chat = State()


@router.message(Command("channel"), PRIVATE, flags={"needs": "owner"})
async def channel(message: Message, command: CommandObject, state: FSMContext, t: Translator,
                  storage: Storage, membership: Membership) -> None:
    args = (command.args or "").strip()
    if args.casefold() in OFF_WORDS:
        await storage.set_channel(membership.project.id, None, None)
        await message.answer(t("channel-unlinked", name=membership.project.name))
        return
    if args:
        await link(message, t, storage, membership.project.id, args, message.from_user.id)
        return
    current = membership.project.channel_title
    await state.set_state(ChannelInput.chat)
    await state.update_data(project_id=membership.project.id)
    await message.answer((t("channel-current", chat=current) if current else t("channel-none"))
                         + "\n\n" + t("channel-how"))


@router.message(StateFilter(ChannelInput.chat), Magic(F.forward_origin.chat))
async def forwarded(message: Message, state: FSMContext, t: Translator, storage: Storage) -> None:
    data = await state.get_data()
    if await link(message, t, storage, data["project_id"], message.forward_origin.chat.id,
                  message.from_user.id):
        await state.clear()


@router.message(StateFilter(ChannelInput.chat), Magic(F.text.startswith("@")))
async def by_username(message: Message, state: FSMContext, t: Translator,
                      storage: Storage) -> None:
    data = await state.get_data()
    if await link(message, t, storage, data["project_id"], message.text.split()[0],
                  message.from_user.id):
        await state.clear()


@router.message(StateFilter(ChannelInput.chat))
async def not_a_chat(message: Message, t: Translator) -> None:
    await message.answer(t("channel-how"))


async def link(message: Message, t: Translator, storage: Storage, project_id: int,
               chat_ref: int | str, user_id: int) -> bool:
    if not await permitted(message, storage, t, user_id, project_id, "owner"):
        return True
    check = await check_channel(message.bot, chat_ref, user_id)
    if check.refusal:
        title = check.chat.title if check.chat and check.chat.title else str(chat_ref)
        await message.answer(t(f"channel-refused-{check.refusal}", chat=title))
        return False
    title = check.chat.title or check.chat.username or str(check.chat.id)
    await storage.set_channel(project_id, check.chat.id, title)
    project = await storage.get_project(project_id)
    await message.answer(t("channel-linked", chat=title, name=project.name))
    return True


@router.my_chat_member(Magic(F.chat.type.in_({"channel", "group", "supergroup"})))
async def bot_added(event: ChatMemberUpdated, storage: Storage, lang: str) -> None:
    if event.new_chat_member.status not in (ChatMemberStatus.ADMINISTRATOR,
                                            ChatMemberStatus.MEMBER):
        return
    t = get_translator(lang)
    owned = [m for m in await storage.list_memberships(event.from_user.id) if m.role.is_owner]
    if not owned:
        return
    try:
        await event.bot.send_message(event.from_user.id,
                                     t("channel-offer", chat=event.chat.title or ""),
                                     reply_markup=offer_keyboard(event.chat.id, t))
    except (TelegramForbiddenError, TelegramBadRequest):  # never opened a chat with the bot
        return


def offer_keyboard(chat_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("channel-offer-button"), callback_data=ChannelCb(chat_id=chat_id))
    return builder.as_markup()


@router.callback_query(ChannelCb.filter())
async def offer_accepted(query: CallbackQuery, callback_data: ChannelCb, t: Translator,
                         storage: Storage, membership: Membership | None) -> None:
    if membership is None:
        alert(query, t("no-project"))
        return
    await remove_buttons(query.message)  # a repeated tap finds them gone: fine
    await link(query.message, t, storage, membership.project.id, callback_data.chat_id,
               query.from_user.id)
