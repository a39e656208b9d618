"""bot.model_speedup: aiogram's Telegram types keep their bot context, built in one step."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from aiogram import Bot
from aiogram.client.context_controller import BotContextController
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User
from pydantic import PrivateAttr

from bot.model_speedup import _store_bot, speed_up_models

TOKEN = "42:TEST"
UPDATE = {
    "update_id": 5,
    "message": {
        "message_id": 7, "date": 1700000000, "text": "охват 12 500",
        "chat": {"id": 100, "type": "private", "first_name": "A"},
        "from": {"id": 100, "is_bot": False, "first_name": "A", "language_code": "ru"},
        "reply_to_message": {"message_id": 6, "date": 1700000000,
                             "chat": {"id": 100, "type": "private"}},
        "reply_markup": {"inline_keyboard": [[{"text": "↩", "callback_data": "undo:1:2"}]]},
    },
}
QUERY = {"update_id": 6, "callback_query": {
    "id": "q1", "chat_instance": "c", "data": "undo:1:2",
    "from": {"id": 100, "is_bot": False, "first_name": "A"},
    "message": {"message_id": 7, "date": 1700000000, "chat": {"id": 100, "type": "private"}}}}

# Every Telegram object inside the updates above, with what its private state holds: run in a
# fresh interpreter with and without the speed-up, the two must agree.
_PRIVATE_STATE = textwrap.dedent("""
    import json, sys
    from aiogram import Bot
    from aiogram.types import TelegramObject, Update
    if sys.argv[1] == "fast":
        from bot.model_speedup import speed_up_models
        speed_up_models()
    bot = Bot("42:TEST")
    def walk(obj, path, out):
        if isinstance(obj, TelegramObject):
            private = obj.__pydantic_private__
            out[path] = {k: ("bot" if v is bot else repr(v)) for k, v in private.items()}
            for name in type(obj).model_fields:
                walk(getattr(obj, name), f"{path}.{name}", out)
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                walk(item, f"{path}[{i}]", out)
    out = {}
    for i, payload in enumerate(json.loads(sys.argv[2])):
        walk(Update.model_validate(payload, context={"bot": bot}), f"with_bot{i}", out)
        walk(Update.model_validate(payload), f"without{i}", out)
    print(json.dumps(out, sort_keys=True))
""")


def _private_state(mode: str) -> dict[str, dict[str, str]]:
    done = subprocess.run([sys.executable, "-c", _PRIVATE_STATE, mode, json.dumps([UPDATE, QUERY])],
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


def test_the_same_private_state_as_pydantics_own_hook_chain() -> None:
    plain, fast = _private_state("plain"), _private_state("fast")
    assert len(plain) > 10  # update, message, chat, user, reply, markup, buttons, query
    assert fast == plain
    assert plain["with_bot0.message.chat"] == {"_bot": "bot"}
    assert plain["without0.message.chat"] == {"_bot": "None"}


def test_the_hot_types_get_the_one_step_hook_and_it_is_idempotent() -> None:
    first = speed_up_models()
    assert first == speed_up_models()
    assert first > 100  # every aiogram type, method result and keyboard part
    for cls in (BotContextController, Update, Message, Chat, User, CallbackQuery):
        assert cls.model_post_init is _store_bot


def test_objects_keep_their_bot_for_shortcuts() -> None:
    speed_up_models()
    bot = Bot(TOKEN)
    update = Update.model_validate(UPDATE, context={"bot": bot})
    assert update.message.bot is bot and update.message.from_user.bot is bot
    assert update.message.reply_to_message.chat.bot is bot
    assert update.message.answer("ok").as_(bot).bot is bot  # the shortcut's method is bound
    other = Bot("43:OTHER")
    assert update.message.as_(other).bot is other
    assert Update.model_validate(UPDATE).message.bot is None


def test_a_type_made_later_gets_it_with_the_next_call() -> None:
    speed_up_models()

    class Plain(TelegramObject):
        value: int

    bot = Bot(TOKEN)
    assert Plain.model_validate({"value": 1}, context={"bot": bot}).bot is bot
    speed_up_models()
    assert Plain.model_post_init is _store_bot
    assert Plain.model_validate({"value": 1}, context={"bot": bot}).bot is bot


def test_a_type_with_its_own_private_state_or_hook_is_left_alone() -> None:
    class Counted(TelegramObject):
        value: int
        _seen: int = PrivateAttr(default=3)

    class Hooked(TelegramObject):
        value: int

        def model_post_init(self, context: object, /) -> None:
            super().model_post_init(context)
            object.__setattr__(self, "value", self.value + 1)

    speed_up_models()
    assert Counted.model_post_init is not _store_bot
    assert Hooked.model_post_init is not _store_bot
    counted = Counted.model_validate({"value": 1}, context={"bot": None})
    assert counted._seen == 3 and counted.bot is None
    assert Hooked.model_validate({"value": 1}).value == 2
