"""Every callback query gets exactly one answerCallbackQuery — valid presses, forged and
foreign buttons, stale ones, unknown data and a press whose handler fails. The fake counts
every answer per query id (refused ones included) and refuses a second one as Telegram does."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest

from handlers.callbacks import (
    AddCb,
    ConfirmCb,
    ExportCb,
    GoalCb,
    ImportCb,
    InviteCb,
    KpiCb,
    MemberCb,
    MonthlyCb,
    ProjectCb,
    StartAddCb,
    TargetCb,
    TzCb,
    UndoCb,
)
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App
from tests.e2e.test_security import alert, forge, last_batch_id, mallory_with_own_project
from tests.e2e.test_teams import OWNER, plain, team


def answers_per_query(botapi: TelegramFake) -> dict[str, tuple[str | None, int]]:
    return {q.id: (q.data, q.answer_attempts) for q in botapi.callback_queries.values()}


async def test_every_kind_of_press_is_answered_exactly_once(botapi: TelegramFake, app: App):
    anna, bob, vera, project_id = await team(botapi, app)  # goal, kpi, tgt, tz, inv: valid
    await bob.send("охват 100, лиды 5")
    batch_id = await last_batch_id(app, project_id)
    mallory = await mallory_with_own_project(botapi)
    own = (await app.storage.list_memberships(mallory.user_id))[0].project.id

    # valid presses
    await bob.click("↩️ Отменить")
    await bob.send("охват 200, лиды 6")
    await anna.send("/projects")
    await anna.click(ProjectCb(project_id=project_id).pack())
    await anna.send("/export")
    await anna.click(ExportCb(project_id=project_id, fmt="xlsx").pack())
    await anna.send("/report")
    await anna.click(MonthlyCb(project_id=project_id).pack())
    # forged and foreign: refused by the server-side check ("no access")
    foreign = [UndoCb(project_id=project_id, batch_id=batch_id), ProjectCb(project_id=project_id),
               ExportCb(project_id=project_id, fmt="xlsx"), ExportCb(project_id=project_id,
                                                                     fmt="csv"),
               InviteCb(project_id=project_id, role="editor"),
               MemberCb(project_id=project_id, action="remove", user_id=OWNER),
               ConfirmCb(action="delete", project_id=project_id),
               StartAddCb(project_id=project_id, week="2026-11-02"),
               MonthlyCb(project_id=project_id)]
    for data in foreign:
        await forge(mallory, data.pack())
        assert alert(mallory) == plain("access-denied"), data
    assert [seen for seen in answers_per_query(botapi).values() if seen[1] != 1] == []
    # a right the role lacks (viewer) is refused by the access middleware
    await forge(vera, UndoCb(project_id=project_id, batch_id=batch_id).pack())
    assert alert(vera) == plain("access-denied-edit")
    # the user's own project, but a batch that is not there
    await forge(mallory, UndoCb(project_id=own, batch_id=batch_id).pack())
    assert alert(mallory) == plain("undo-not-possible")
    # stale: a dialog step that is over, and data no handler knows
    for data in (GoalCb(goal="leads").pack(), KpiCb(action="done").pack(),
                 TargetCb(action="skip").pack(), TzCb(index=0).pack(),
                 ImportCb(action="confirm").pack(), AddCb(action="stop").pack(),
                 "undo:abc:1", "nonsense"):
        await forge(mallory, data)
        assert alert(mallory) == plain("stale-button"), data
    # a handler that fails: one apology, not a second answer
    botapi.inject("editMessageText", 400, description="Bad Request: something else broke")
    await anna.send("/projects")
    await anna.click(ProjectCb(project_id=project_id).pack())
    assert alert(anna) == plain("error-generic")

    answers = answers_per_query(botapi)
    assert len(answers) >= 30
    assert {qid: seen for qid, seen in answers.items() if seen[1] != 1} == {}


async def test_the_fake_refuses_a_second_answer(botapi: TelegramFake, app: App):
    anna, _bob, _vera, project_id = await team(botapi, app)
    await anna.send("/projects")
    await anna.click(ProjectCb(project_id=project_id).pack())
    query = list(botapi.callback_queries.values())[-1]
    try:
        await app.bot.answer_callback_query(query.id, text="again")
    except TelegramBadRequest as error:
        assert "query is too old and response timeout expired or query ID is invalid" \
            in error.message
    else:
        raise AssertionError("a second answer was accepted")
    assert query.answer_attempts == 2
