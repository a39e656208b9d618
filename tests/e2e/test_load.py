"""Many users at once through the loopback fake: every reply arrives, to the right user, about
that user's own numbers; every value is stored once; dialogs never cross."""

from kpi.formatting import format_number
from storage.models import ProjectKpi
from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App

USERS = 200


async def test_hundreds_of_users_at_once_get_their_own_replies(botapi: TelegramFake, app: App):
    users = []
    for index in range(USERS):
        user_id = 50_000 + index
        TgUser(botapi, user_id, f"User {index}", language_code="ru" if index % 2 else "en")
        await app.storage.ensure_user(user_id)
        await app.storage.create_project(user_id, f"P{index}", "leads", "Europe/Moscow", "ru",
                                         [ProjectKpi("leads")])
        users.append(user_id)

    # Everyone sends at the same moment; half of them are mid-dialog (/add) at the same time.
    update_ids = [botapi.push_message(uid, f"лиды {1000 + i}") for i, uid in enumerate(users)]
    update_ids += [botapi.push_message(uid, "/add") for uid in users[::2]]
    for update_id in update_ids:
        await botapi.wait_processed(update_id, timeout=60, quiet=0)

    shown = {lang: [format_number(1000 + j, lang) for j in range(USERS)] for lang in ("ru", "en")}
    for index, user_id in enumerate(users):
        texts = [m.text or "" for m in botapi.bot_messages(user_id)]
        numbers = shown["ru" if index % 2 else "en"]
        saved = [t for t in texts if numbers[index] in t]
        assert len(saved) == 1, (user_id, texts)
        others = [n for j, n in enumerate(numbers) if j != index]
        assert not any(o in t for t in texts for o in others), (user_id, texts)
        project = (await app.storage.list_memberships(user_id))[0].project
        values = await app.storage.get_values(project.id)
        assert [(v.metric, v.value) for v in values] == [("leads", 1000 + index)]
        if index % 2 == 0:
            assert any("(1/" in t for t in texts), texts  # its own /add dialog started
