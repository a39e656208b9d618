"""Checking that a chat may receive a project's digests: the bot can post there and the user
asking is an administrator of it. Every refusal has a reason code for the user."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Chat

ADMIN_STATUSES = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR}


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    chat: Chat | None
    refusal: str | None  # i18n key suffix, None when the chat is fine


async def check_channel(bot: Bot, chat_ref: int | str, user_id: int) -> ChannelCheck:
    try:
        chat = await bot.get_chat(chat_ref)
    except (TelegramBadRequest, TelegramForbiddenError):
        return ChannelCheck(None, "not-found")
    if chat.type == ChatType.PRIVATE:
        return ChannelCheck(chat, "private")
    try:
        me = await bot.get_chat_member(chat.id, bot.id)
        member = await bot.get_chat_member(chat.id, user_id)
    except (TelegramBadRequest, TelegramForbiddenError):
        return ChannelCheck(chat, "bot-not-member")
    if chat.type == ChatType.CHANNEL:
        if me.status != ChatMemberStatus.ADMINISTRATOR or not getattr(
                me, "can_post_messages", False):
            return ChannelCheck(chat, "bot-cannot-post")
    elif me.status not in (*ADMIN_STATUSES, ChatMemberStatus.MEMBER) or (
            me.status == ChatMemberStatus.RESTRICTED and not getattr(me, "can_send_photos", True)):
        return ChannelCheck(chat, "bot-cannot-post")
    if member.status not in ADMIN_STATUSES:
        return ChannelCheck(chat, "user-not-admin")
    return ChannelCheck(chat, None)
