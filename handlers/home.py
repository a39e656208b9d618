"""The returning user's main screen: the active project and what to do next."""

from __future__ import annotations

from aiogram.types import Message

from bot.i18n import Translator
from handlers.kpi_picker import metric_label
from storage.base import Storage
from storage.models import Membership, User


async def send_home(message: Message, t: Translator, storage: Storage,
                    membership: Membership | None, user: User) -> None:
    if membership is None:
        memberships = await storage.list_memberships(user.id)
        if not memberships:
            await message.answer(t("no-project"))
            return
        membership = memberships[0]
        await storage.set_active_project(user.id, membership.project.id)
    project = membership.project
    kpis = await storage.get_kpis(project.id)
    values = await storage.get_values(project.id)
    last_week = values[-1].week_start if values else None
    await message.answer(t(
        "home",
        name=project.name,
        role=t(f"role-{membership.role.value}"),
        goal=t(f"goal-{project.goal}"),
        kpis=", ".join(metric_label(k.metric, t.lang) for k in kpis) or "—",
        last_week=last_week.isoformat() if last_week else t("home-no-data"),
    ))
