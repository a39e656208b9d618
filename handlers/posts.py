"""/posts [week]: the week's posts from uploaded post lists, best first by the engagement KPI."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import LinkPreviewOptions, Message

from bot.i18n import Translator
from bot.services.posts import list_text, week_posts
from kpi.experiment_command import parse_week
from kpi.weeks import current_week, format_week
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)


# Viewers may read: the middleware checks the role ("needs": "member") server-side.
@router.message(Command("posts"), flags={"needs": "member"})
async def posts(message: Message, command: CommandObject, t: Translator, storage: Storage,
                membership: Membership) -> None:
    project = membership.project
    # A client's posts go only where they belong: a private chat, or the project's own chat.
    if message.chat.type != "private" and message.chat.id != project.channel_chat_id:
        return
    this_week = current_week(project.timezone)
    text = (command.args or "").strip()
    week = parse_week(text) if text else this_week - timedelta(weeks=1)
    if week is None:
        await message.answer(t("posts-bad-week", text=text[:40]))
        return
    if week > this_week:
        await message.answer(t("posts-future-week"))
        return
    found = await week_posts(storage, project, week)
    label = format_week(week, t.lang, with_year=True)
    if not found.posts:
        await message.answer(t("posts-none", week=label))
        return
    header = t("posts-header", name=project.name, week=label, count=len(found.posts))
    await message.answer(list_text(found, header, t),
                         link_preview_options=LinkPreviewOptions(is_disabled=True))
