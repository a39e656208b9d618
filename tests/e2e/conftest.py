from collections.abc import AsyncIterator

import pytest

from tests.botapi.client import TgUser
from tests.botapi.fake import TelegramFake
from tests.e2e.app import App, running_app


@pytest.fixture
async def app(botapi: TelegramFake, tmp_path) -> AsyncIterator[App]:
    async with running_app(botapi, tmp_path / "bot.db") as running:
        yield running


async def onboard(user: TgUser, name: str, *, goal: str, tz: str, targets: list[str] = ()
                  ) -> None:
    """Walk the onboarding dialog: name → goal → suggested KPIs → targets → time zone."""
    await user.send("/start" if not user.messages else "/new")
    await user.send(name)
    await user.click(goal)
    done = "✔️ Готово" if user.language_code == "ru" else "✔️ Done"
    await user.click(done)
    for target in targets:
        await user.send(target)
    skip_all = "Без целей" if user.language_code == "ru" else "No targets"
    await user.click(skip_all)
    await user.click(tz)
