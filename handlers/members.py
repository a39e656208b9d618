"""/members: the team, invite links by role, role changes and removal (owner only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.callback_answers import alert
from bot.i18n import Html, Translator
from handlers.buttons import remove_buttons
from handlers.callbacks import InviteCb, MemberCb
from handlers.filters import PRIVATE
from storage.base import Storage
from storage.models import Membership, Role

router = Router(name=__name__)
router.message.filter(PRIVATE)

INVITE_DAYS = 7
BUTTON_NAME = 24  # characters of a member's name on a button


@router.message(Command("members"), flags={"needs": "member"})
async def members(message: Message, t: Translator, storage: Storage,
                  membership: Membership) -> None:
    await show_members(message, t, storage, membership)


async def show_members(message: Message, t: Translator, storage: Storage,
                       membership: Membership) -> None:
    team = await storage.list_members(membership.project.id)
    names = {user_id: await member_name(storage, user_id) for user_id, _ in team}
    # Names are untrusted text: t() escapes plain str arguments for the HTML message.
    lines = [t("members-line", user=names[user_id], role=t(f"role-{role.value}"))
             for user_id, role in team]
    text = t("members-title", name=membership.project.name) + "\n" + "\n".join(lines)
    markup = (owner_keyboard(membership.project.id, team, names, t)
              if membership.role.is_owner else None)
    await message.answer(text, reply_markup=markup)


async def member_name(storage: Storage, user_id: int) -> str:
    """The member's Telegram name as last seen, or the id when the bot never saw them."""
    user = await storage.get_user(user_id)
    return user.display_name if user and user.display_name else str(user_id)


def button_name(name: str) -> Html:
    """Button labels are plain text, not HTML: mark the name as safe so t() does not escape
    it (an escaped name would show `&lt;` on the button), and keep the button short."""
    return Html(name if len(name) <= BUTTON_NAME else name[:BUTTON_NAME - 1] + "…")


def owner_keyboard(project_id: int, team: list[tuple[int, Role]], names: dict[int, str],
                   t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in ("editor", "viewer"):
        builder.button(text=t(f"members-invite-{role}"),
                       callback_data=InviteCb(project_id=project_id, role=role))
    for user_id, role in team:
        if role is Role.OWNER:
            continue
        other = "viewer" if role is Role.EDITOR else "editor"
        name = button_name(names.get(user_id, str(user_id)))
        builder.button(text=t(f"members-make-{other}", user=name),
                       callback_data=MemberCb(project_id=project_id, action=f"role_{other}",
                                              user_id=user_id))
        builder.button(text=t("members-remove", user=name),
                       callback_data=MemberCb(project_id=project_id, action="remove",
                                              user_id=user_id))
    builder.adjust(2)
    return builder.as_markup()


@router.callback_query(InviteCb.filter(F.role.in_({"editor", "viewer"})))
async def create_invite(query: CallbackQuery, callback_data: InviteCb, t: Translator,
                        storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id, callback_data.project_id,
                           "owner"):
        return
    expires = datetime.now(UTC) + timedelta(days=INVITE_DAYS)
    invite = await storage.create_invite(callback_data.project_id, Role(callback_data.role),
                                         query.from_user.id, expires, max_uses=1)
    me = await query.bot.me()
    link = f"https://t.me/{me.username}?start={invite.token}"
    await query.message.answer(t("members-invite-created", link=link,
                                 role=t(f"role-{callback_data.role}"), days=INVITE_DAYS))


@router.callback_query(MemberCb.filter())
async def change_member(query: CallbackQuery, callback_data: MemberCb, t: Translator,
                        storage: Storage) -> None:
    project_id = callback_data.project_id
    if not await permitted(query, storage, t, query.from_user.id, project_id, "owner"):
        return
    current = await storage.get_membership(callback_data.user_id, project_id)
    if current is None or current is Role.OWNER:
        alert(query, t("stale-button"))
        return
    actions = {"role_editor": Role.EDITOR, "role_viewer": Role.VIEWER, "remove": None}
    if callback_data.action not in actions:
        alert(query, t("stale-button"))
        return
    await storage.set_member_role(project_id, callback_data.user_id,
                                  actions[callback_data.action])
    await remove_buttons(query.message)
    project = await storage.get_project(project_id)
    await show_members(query.message, t, storage, Membership(project, Role.OWNER))


@router.message(CommandStart(deep_link=True))
async def join_by_invite(message: Message, command: CommandObject, state: FSMContext,
                         t: Translator, storage: Storage) -> None:
    await state.clear()
    token = (command.args or "").strip()
    joined = await storage.redeem_invite(token, message.from_user.id, datetime.now(UTC)) \
        if 8 <= len(token) <= 64 else None
    if joined is None:
        await message.answer(t("invite-invalid"))
        return
    await storage.set_active_project(message.from_user.id, joined.project.id)
    await message.answer(t("invite-joined", name=joined.project.name,
                           role=t(f"role-{joined.role.value}")))
