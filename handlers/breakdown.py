"""/campaigns: the project's campaigns and their weeks; /networks: its networks (issue 13).

Members read; setting a campaign's weeks needs an editor — checked on the server.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.access import refusal_for_role
from bot.i18n import Html, Translator
from bot.services.breakdown import segment_label
from handlers.filters import PRIVATE
from kpi.campaign_command import CampaignCommandError, parse_campaign_command
from kpi.weeks import iso_week_label
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)


@router.message(Command("campaigns"), PRIVATE, flags={"needs": "member"})
async def campaigns(message: Message, command: CommandObject, t: Translator, storage: Storage,
                    membership: Membership) -> None:
    project = membership.project
    if command.args and command.args.strip():
        refused = refusal_for_role("editor", membership.role)
        if refused:
            await message.answer(t(refused))
            return
        try:
            spec = parse_campaign_command(command.args)
        except CampaignCommandError as error:
            await message.answer(t(error.key, **error.args_) + "\n\n" + t("campaign-usage"))
            return
        await storage.set_campaign(project.id, spec.name, spec.start_week, spec.end_week)
    found = await storage.get_campaigns(project.id)
    networks = await storage.get_networks(project.id)
    lines = [t("campaign-list", name=project.name)]
    for campaign in found:
        weeks = (t("campaign-weeks", start=iso_week_label(campaign.start_week),
                   end=iso_week_label(campaign.end_week) if campaign.end_week else "…")
                 if campaign.start_week else t("campaign-no-weeks"))
        lines.append(t("campaign-line", campaign=segment_label("", campaign.name, t),
                       weeks=weeks))
    if not found:
        lines.append(t("campaign-none"))
    if networks:
        lines.append(t("campaign-networks", networks=Html(", ".join(
            segment_label(n, "", t) for n in networks))))
    await message.answer("\n".join(lines) + "\n\n" + t("campaign-usage"))
