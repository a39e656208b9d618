"""/alerts: per-KPI decline thresholds (warning and critical drop in %)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.i18n import Translator
from handlers.filters import PRIVATE
from handlers.kpi_picker import metric_label
from kpi import catalogue
from kpi.numbers import parse_number
from storage.base import Storage
from storage.models import AlertThreshold, Membership

router = Router(name=__name__)
router.message.filter(PRIVATE)

DEFAULT_WARNING = 20.0
DEFAULT_CRITICAL = 35.0
RESET_WORDS = {"reset", "сброс", "default", "по умолчанию"}


@router.message(Command("alerts"), flags={"needs": "member"})
async def alerts(message: Message, command: CommandObject, t: Translator, storage: Storage,
                 membership: Membership) -> None:
    project = membership.project
    if command.args:
        if not membership.role.can_edit:
            await message.answer(t("access-denied-edit"))
            return
        await change(message, command.args, t, storage, project.id)
        return
    custom = {th.metric: th for th in await storage.get_thresholds(project.id)}
    lines = []
    for kpi in await storage.get_kpis(project.id):
        threshold = custom.get(kpi.metric)
        lines.append(t("alerts-line", metric=metric_label(kpi.metric, t.lang),
                       warning=fmt(threshold.warning_pct if threshold else DEFAULT_WARNING),
                       critical=fmt(threshold.critical_pct if threshold else DEFAULT_CRITICAL)))
    await message.answer(t("alerts-title", name=project.name) + "\n" + "\n".join(lines)
                         + "\n\n" + t("alerts-usage"))


def fmt(value: float) -> str:
    return f"{value:g}"


def split_reset(words: list[str]) -> list[str] | None:
    """The metric's words of a reset request (`/alerts охват сброс`), or None."""
    for size in (2, 1):  # "по умолчанию" is two words
        if len(words) > size and " ".join(words[-size:]).casefold() in RESET_WORDS:
            return words[:-size]
    return None


async def change(message: Message, args: str, t: Translator, storage: Storage,
                 project_id: int) -> None:
    kpis = [k.metric for k in await storage.get_kpis(project_id)]
    words = args.split()
    reset = split_reset(words)
    if reset is None and len(words) < 3:
        await message.answer(t("alerts-usage"))
        return
    name = " ".join(reset if reset is not None else words[:-2])
    key = catalogue.resolve(name, [k for k in kpis if catalogue.is_custom(k)])
    if key not in kpis:
        await message.answer(t("alerts-unknown", name=name) + "\n" + t("alerts-usage"))
        return
    if reset is not None:
        await storage.set_threshold(project_id, None, key)
        await message.answer(t("alerts-reset", metric=metric_label(key, t.lang)))
        return
    warning, critical = parse_number(words[-2]), parse_number(words[-1])
    if warning is None or critical is None or not 0 < warning.value < critical.value <= 100:
        await message.answer(t("alerts-bad-numbers") + "\n" + t("alerts-usage"))
        return
    await storage.set_threshold(project_id, AlertThreshold(key, warning.value, critical.value),
                                key)
    await message.answer(t("alerts-set", metric=metric_label(key, t.lang),
                           warning=fmt(warning.value), critical=fmt(critical.value)))
