"""/report: the digest now, in this chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from bot.i18n import Translator
from bot.rendering import Renderer
from bot.services.digest import load_digest_input
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)


@router.message(Command("report"), flags={"expensive": "report", "needs": "member"})
async def report(message: Message, t: Translator, storage: Storage, renderer: Renderer,
                 membership: Membership) -> None:
    # A client's numbers go only where they belong: a private chat, or the project's own chat.
    if message.chat.type != "private" and message.chat.id != membership.project.channel_chat_id:
        return
    if not await storage.get_kpis(membership.project.id):
        await message.answer(t("add-no-kpis"))
        return
    await message.bot.send_chat_action(message.chat.id, "upload_photo")
    data = await load_digest_input(storage, membership.project, lang=t.lang)
    digest = await renderer.digest(data)
    await message.answer_photo(BufferedInputFile(digest.png, filename="digest.png"),
                               caption=digest.caption)
    if digest.details:
        await message.answer(digest.details)
