"""/report: the digest now, in this chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.access import permitted
from bot.config import Settings
from bot.i18n import Translator
from bot.menu import dashboard_button
from bot.rendering import Renderer
from bot.services.digest import alert_details, load_digest_input
from bot.services.formulas import alert_metrics
from bot.services.monthly import monthly_changes
from handlers.callbacks import MonthlyCb
from handlers.entry_view import unit_of
from handlers.kpi_picker import metric_label
from kpi.formatting import format_change_pct, format_number
from kpi.weeks import current_week, format_week
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)
DETAILS_WORDS = {"details", "подробно", "подробнее", "детали"}


@router.message(Command("report"), flags={"expensive": "report", "needs": "member"})
async def report(message: Message, command: CommandObject, t: Translator, storage: Storage,
                 renderer: Renderer, membership: Membership, settings: Settings) -> None:
    # A client's numbers go only where they belong: a private chat, or the project's own chat.
    if message.chat.type != "private" and message.chat.id != membership.project.channel_chat_id:
        return
    if not await storage.get_kpis(membership.project.id):
        await message.answer(t("add-no-kpis"))
        return
    if (command.args or "").strip().casefold() in DETAILS_WORDS:
        # Every alert of every KPI; the digest itself tells one per KPI.
        data = await load_digest_input(storage, membership.project, lang=t.lang)
        await message.answer(alert_details(data))
        return
    await message.bot.send_chat_action(message.chat.id, "upload_photo")
    data = await load_digest_input(storage, membership.project, lang=t.lang)
    digest = await renderer.digest(data)
    # The dashboard button only where Telegram allows web_app buttons: a private chat.
    private = message.chat.type == "private"
    monthly = monthly_keyboard(membership.project.id, t,
                               settings.webapp_url if private else None)
    await message.answer_photo(BufferedInputFile(digest.png, filename="digest.png"),
                               caption=digest.caption,
                               reply_markup=None if digest.details else monthly)
    if digest.details:
        await message.answer(digest.details, reply_markup=monthly)


def monthly_keyboard(project_id: int, t: Translator,
                     webapp_url: str | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("monthly-button"), callback_data=MonthlyCb(project_id=project_id))
    if (button := dashboard_button(webapp_url, t)) is not None:
        builder.row(button)
    return builder.as_markup()


@router.callback_query(MonthlyCb.filter(), flags={"expensive": "monthly"})
async def monthly(query: CallbackQuery, callback_data: MonthlyCb, t: Translator,
                  storage: Storage) -> None:
    if not await permitted(query, storage, t, query.from_user.id, callback_data.project_id,
                           "member"):
        return
    project = await storage.get_project(callback_data.project_id)
    metrics = await alert_metrics(storage, project.id)  # the KPIs, then the formula KPIs
    first, last, changes = await monthly_changes(storage, project.id,
                                                 current_week(project.timezone), metrics)
    lines = [t("monthly-title", name=project.name, first=format_week(first, t.lang),
               last=format_week(last, t.lang))]
    for change in changes:
        unit = unit_of(change.metric)
        lines.append(t(
            "monthly-line", metric=metric_label(change.metric, t.lang),
            current="—" if change.current is None else format_number(change.current, t.lang, unit),
            previous="—" if change.previous is None else format_number(change.previous, t.lang,
                                                                       unit),
            change="" if change.change_pct is None else format_change_pct(change.change_pct,
                                                                          t.lang)))
    lines.append(t("monthly-footnote"))
    await query.message.answer("\n".join(lines))
