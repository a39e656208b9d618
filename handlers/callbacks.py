"""Every inline button's payload. Values are ids or indexes into server-side state, never
trusted: handlers re-check them against storage and the user's rights."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class GoalCb(CallbackData, prefix="goal"):
    goal: str


class KpiCb(CallbackData, prefix="kpi"):
    action: str  # toggle | custom | done
    index: int = -1


class TargetCb(CallbackData, prefix="tgt"):
    action: str  # skip | skip_all


class TzCb(CallbackData, prefix="tz"):
    index: int


class ProjectCb(CallbackData, prefix="prj"):
    project_id: int


class UndoCb(CallbackData, prefix="undo"):
    project_id: int
    batch_id: int


class AddCb(CallbackData, prefix="add"):
    action: str  # skip | stop


class LanguageCb(CallbackData, prefix="lang"):
    lang: str


class ExportCb(CallbackData, prefix="exp"):
    project_id: int
    fmt: str  # csv | xlsx


class ChannelCb(CallbackData, prefix="chn"):
    chat_id: int


class InviteCb(CallbackData, prefix="inv"):
    project_id: int
    role: str  # editor | viewer


class MemberCb(CallbackData, prefix="mbr"):
    project_id: int
    action: str  # role_editor | role_viewer | remove
    user_id: int


class ConfirmCb(CallbackData, prefix="cfm"):
    action: str  # delete | forget | cancel
    project_id: int = 0


class ImportCb(CallbackData, prefix="imp"):
    action: str  # confirm | cancel


class StartAddCb(CallbackData, prefix="sadd"):
    project_id: int
    week: str  # ISO date of the week's Monday that the reminder asks about


class MonthlyCb(CallbackData, prefix="mon"):
    project_id: int


class AlertAckCb(CallbackData, prefix="ack"):
    project_id: int
    index: int  # position of the KPI in the project's list
    since: str  # ISO date of the acknowledged shift's first week
