"""/projects: list the user's projects and switch the active one."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callback_answers import alert
from bot.i18n import Translator
from handlers.callbacks import ProjectCb
from handlers.filters import PRIVATE
from kpi.catalogue import normalize_name
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)


@router.message(Command("projects"), PRIVATE)
async def projects(message: Message, command: CommandObject, t: Translator, storage: Storage,
                   membership: Membership | None) -> None:
    memberships = await storage.list_memberships(message.from_user.id)
    if not memberships:
        await message.answer(t("no-project"))
        return
    if command.args:
        wanted = normalize_name(command.args)
        match = next((m for m in memberships if normalize_name(m.project.name) == wanted), None)
        if match is None:
            await message.answer(t("projects-not-found", name=command.args.strip()))
        else:
            await storage.set_active_project(message.from_user.id, match.project.id)
            await message.answer(t("projects-switched", name=match.project.name))
        return
    active_id = membership.project.id if membership else None
    lines = [t("projects-line", name=m.project.name, role=t(f"role-{m.role.value}"),
               active="👉 " if m.project.id == active_id else "")
             for m in memberships]
    await message.answer(t("projects-list") + "\n" + "\n".join(lines),
                         reply_markup=projects_keyboard(memberships, active_id))


def projects_keyboard(memberships: list[Membership], active_id: int | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for m in memberships:
        mark = "✅ " if m.project.id == active_id else ""
        builder.button(text=f"{mark}{m.project.name}",
                       callback_data=ProjectCb(project_id=m.project.id))
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(ProjectCb.filter())
async def switch(query: CallbackQuery, callback_data: ProjectCb, t: Translator,
                 storage: Storage) -> None:
    role = await storage.get_membership(query.from_user.id, callback_data.project_id)
    project = await storage.get_project(callback_data.project_id) if role else None
    if project is None:
        alert(query, t("access-denied"))
        return
    await storage.set_active_project(query.from_user.id, project.id)
    await query.message.edit_text(t("projects-switched", name=project.name))
