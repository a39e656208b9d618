"""Self-tests of the Telegram Bot API fake, the simulated user and the harness,
driving a real aiogram Dispatcher/Bot over HTTP with a tiny echo router."""

from __future__ import annotations

import asyncio
import html
import io

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.botapi.client import TgUser
from tests.botapi.fake import RateLimits, TelegramFake, parse_html
from tests.botapi.harness import make_bot, run_bot

USER_ID = 1001


def echo_router(received: dict[str, list]) -> Router:
    router = Router(name="echo")

    @router.message(Command("doc"))
    async def send_doc(message: Message) -> None:
        await message.answer_document(
            BufferedInputFile(b"col1;col2\n1;2\n", filename="report.csv"),
            caption="<b>Report</b>",
        )

    @router.message(F.document)
    async def got_document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        buf = io.BytesIO()
        await bot.download(message.document, destination=buf)
        received["documents"].append((message.document.file_name, buf.getvalue()))
        await message.answer(
            f"got {html.escape(message.document.file_name or '')} ({len(buf.getvalue())} bytes)"
        )

    @router.message(F.forward_origin)
    async def forwarded(message: Message) -> None:
        origin = message.forward_origin
        chat = getattr(origin, "chat", None)
        await message.answer(f"channel {chat.id if chat else '?'}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        received["texts"].append(message.text)
        await message.answer(
            html.escape(message.text or ""),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]]
            ),
        )

    @router.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("ok!")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"edited: {html.escape(query.message.text or '')}")

    @router.my_chat_member()
    async def added(event: ChatMemberUpdated, bot: Bot) -> None:
        received["my_chat_member"].append((event.chat.id, event.new_chat_member.status))
        await bot.send_message(event.from_user.id, f"added to {html.escape(event.chat.title)}")

    @router.channel_post()
    async def channel_post(message: Message) -> None:
        received["channel_posts"].append(message.text)

    return router


@pytest.fixture
def received() -> dict[str, list]:
    return {"texts": [], "documents": [], "my_chat_member": [], "channel_posts": []}


@pytest.fixture
def dp(received: dict[str, list]) -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.include_router(echo_router(received))
    return dispatcher


async def test_message_round_trip_and_callback(botapi: TelegramFake, dp: Dispatcher) -> None:
    user = TgUser(botapi, USER_ID, "Anna")
    async with run_bot(botapi, dp):
        replies = await user.send("hello <world> & co")
        assert len(replies) == 1
        assert replies[0].text == "hello <world> & co"
        assert replies[0].html == "hello &lt;world&gt; &amp; co"
        assert replies[0].button_texts == ["Again"]

        responses = await user.click("Again")
        assert [r.method for r in responses] == ["editMessageText"]
        assert responses[0].text == "edited: hello <world> & co"
        assert responses[0].buttons == []  # edit without markup removes the keyboard
        assert user.last_callback_answer is not None
        assert user.last_callback_answer["text"] == "ok!"
        assert botapi.calls_to("answerCallbackQuery", ok=True)
        assert user.last_message is not None
        assert user.last_message.text.startswith("edited:")
        # the earlier snapshot is unchanged by the later edit
        assert replies[0].text == "hello <world> & co"


async def test_command_entity_and_forward(botapi: TelegramFake, dp: Dispatcher) -> None:
    botapi.add_chat(-100500, "channel", "KPI Channel", username="kpi_channel")
    user = TgUser(botapi, USER_ID, "Anna")
    async with run_bot(botapi, dp):
        replies = await user.forward_from_channel(-100500)
        assert [r.text for r in replies] == ["channel -100500"]
        replies = await user.send("/doc")
        assert replies[0].document == b"col1;col2\n1;2\n"
        assert replies[0].document_name == "report.csv"
        assert replies[0].caption == "Report"
        assert replies[0].caption_html == "<b>Report</b>"


async def test_document_upload_downloaded_by_bot(
    botapi: TelegramFake, dp: Dispatcher, received: dict[str, list]
) -> None:
    user = TgUser(botapi, USER_ID, "Anna")
    payload = bytes(range(256)) * 10
    async with run_bot(botapi, dp):
        replies = await user.upload("data.xlsx", payload, caption="week 12")
    assert received["documents"] == [("data.xlsx", payload)]
    assert replies[0].text == "got data.xlsx (2560 bytes)"
    assert botapi.calls_to("getFile", ok=True)


async def test_bot_sends_photo_and_reads_bytes_over_http(botapi: TelegramFake) -> None:
    botapi.add_user(USER_ID, "Anna")
    png = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
        + b"rest"
    )
    bot = make_bot(botapi)
    try:
        msg = await bot.send_photo(USER_ID, BufferedInputFile(png, "chart.png"), caption="chart")
        assert msg.photo and msg.photo[-1].width == 640
        file = await bot.get_file(msg.photo[-1].file_id)
        assert file.file_path
        async with (
            aiohttp.ClientSession() as s,
            s.get(f"{botapi.url}/file/bot{botapi.token}/{file.file_path}") as resp,
        ):
            assert await resp.read() == png
    finally:
        await bot.session.close()
    sent = botapi.bot_messages(USER_ID)[-1]
    assert sent.photo is not None and sent.photo.data == png
    assert sent.photo.filename == "chart.png"


async def test_error_mapping(botapi: TelegramFake) -> None:
    botapi.add_user(USER_ID, "Anna")
    bot = make_bot(botapi)
    try:
        botapi.inject("sendMessage", 429, retry_after=7)
        with pytest.raises(TelegramRetryAfter) as exc:
            await bot.send_message(USER_ID, "x")
        assert exc.value.retry_after == 7

        botapi.inject("sendMessage", 403)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(USER_ID, "x")

        botapi.inject("sendMessage", "drop")
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(USER_ID, "x")

        botapi.inject("sendMessage", 502)
        with pytest.raises(TelegramServerError):
            await bot.send_message(USER_ID, "x")

        # rules are consumed: the next call succeeds
        assert (await bot.send_message(USER_ID, "fine")).text == "fine"

        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(USER_ID, "a < b")
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(USER_ID, "Tom & Jerry")
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(USER_ID, "<b>bold <i>x</b></i>")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(424242, "x")
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(USER_ID, "x" * 4097)
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                USER_ID,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="x" * 65)]]
                ),
            )
        msg = await bot.send_message(USER_ID, "same")
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("same", chat_id=USER_ID, message_id=msg.message_id)
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text("new", chat_id=USER_ID, message_id=9999)

        botapi.block_bot(USER_ID)
        with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
            await bot.send_message(USER_ID, "x")
        botapi.add_chat(-1001, "channel", "Chan")
        botapi.remove_bot_from(-1001)
        with pytest.raises(TelegramForbiddenError, match="not a member of the channel"):
            await bot.send_message(-1001, "x")

        with pytest.raises(TelegramNotFound):
            await bot.session.make_request(bot, _UnknownMethod())
    finally:
        await bot.session.close()

    wrong = Bot("42:WRONG", session=make_bot(botapi).session)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await wrong.session.close()


class _UnknownMethod:  # minimal stand-in for a TelegramMethod unknown to the fake
    __api_method__ = "fooBar"
    __returning__ = bool

    def model_dump(self, warnings: bool = False) -> dict:
        return {}


async def test_rate_limiter(botapi: TelegramFake) -> None:
    botapi.add_user(USER_ID, "Anna")
    botapi.rate_limits = RateLimits()  # same as TelegramFake(rate_limit=True)
    bot = make_bot(botapi)
    try:
        await bot.send_message(USER_ID, "one")
        with pytest.raises(TelegramRetryAfter) as exc:
            await bot.send_message(USER_ID, "two")
        assert exc.value.retry_after == 1
    finally:
        await bot.session.close()


async def test_commands_stored_per_language_and_chat_info(botapi: TelegramFake) -> None:
    botapi.add_user(USER_ID, "Anna")
    botapi.add_chat(-100777, "channel", "KPI", username="kpi")
    botapi.set_member(-100777, USER_ID, "creator")
    bot = make_bot(botapi)
    try:
        await bot.set_my_commands(
            [BotCommand(command="start", description="Старт")], language_code="ru"
        )
        await bot.set_my_commands([BotCommand(command="start", description="Start")])
        ru = await bot.get_my_commands(language_code="ru")
        default = await bot.get_my_commands()
        assert [c.description for c in ru] == ["Старт"]
        assert [c.description for c in default] == ["Start"]
        assert botapi.get_commands("ru") == [{"command": "start", "description": "Старт"}]

        chat = await bot.get_chat("@kpi")
        assert chat.id == -100777 and chat.title == "KPI"
        me = await bot.get_chat_member(-100777, botapi.bot_id)
        assert me.status == "administrator" and me.can_post_messages
        owner = await bot.get_chat_member(-100777, USER_ID)
        assert owner.status == "creator"
        admins = await bot.get_chat_administrators(-100777)
        assert {a.user.id for a in admins} == {botapi.bot_id, USER_ID}
        assert await bot.send_chat_action(USER_ID, "typing")
        assert await bot.leave_chat(-100777)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(-100777, "x")
    finally:
        await bot.session.close()


async def test_my_chat_member_and_channel_post(
    botapi: TelegramFake, dp: Dispatcher, received: dict[str, list]
) -> None:
    botapi.add_chat(-100900, "channel", "New <Chan>", bot_status="left")
    user = TgUser(botapi, USER_ID, "Anna")
    async with run_bot(botapi, dp):
        replies = await user.add_bot_to_channel(-100900)
        assert [r.text for r in replies] == ["added to New <Chan>"]
        uid = botapi.push_channel_post(-100900, "post text")
        await botapi.wait_processed(uid)
    assert received["my_chat_member"] == [(-100900, "administrator")]
    assert received["channel_posts"] == ["post text"]


async def test_unconfirmed_updates_are_redelivered(
    botapi: TelegramFake, received: dict[str, list]
) -> None:
    botapi.add_user(USER_ID, "Anna")
    # A consumer that fetches but never confirms sees the same update again.
    bot = make_bot(botapi)
    try:
        uid = botapi.push_message(USER_ID, "first")
        first = await bot.get_updates(timeout=0)
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in first] == [u.update_id for u in again] == [uid]
        # long polling returns promptly when a new update arrives
        task = asyncio.create_task(bot.get_updates(offset=uid + 1, timeout=5))
        await asyncio.sleep(0.1)
        assert botapi.pending_updates == []  # offset confirmed the first one
        uid2 = botapi.push_message(USER_ID, "second")
        got = await asyncio.wait_for(task, 2)
        assert [u.update_id for u in got] == [uid2]
    finally:
        await bot.session.close()

    # The real dispatcher picks up the still-unconfirmed update.
    dispatcher = Dispatcher()
    dispatcher.include_router(echo_router(received))
    async with run_bot(botapi, dispatcher):
        await botapi.wait_processed(uid2)
    assert received["texts"] == ["second"]
    assert botapi.confirmed_offset > uid2


async def test_handler_exception_is_reported(botapi: TelegramFake) -> None:
    router = Router()

    @router.message()
    async def boom(message: Message) -> None:
        await message.answer("a < b")  # unescaped: the fake rejects it like Telegram

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    user = TgUser(botapi, USER_ID, "Anna")
    with pytest.raises(AssertionError, match="can't parse entities"):
        async with run_bot(botapi, dispatcher):
            assert await user.send("hi") == []


async def test_send_times_out_with_clear_message(botapi: TelegramFake) -> None:
    router = Router()

    @router.message()
    async def slow(message: Message) -> None:
        await message.answer("working")
        await asyncio.sleep(1)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    user = TgUser(botapi, USER_ID, "Anna", timeout=0.3)
    async with run_bot(botapi, dispatcher):
        with pytest.raises(AssertionError, match="did not finish processing") as exc:
            await user.send("hi")
        assert "working" in str(exc.value)


def test_parse_html_entities() -> None:
    text, ents = parse_html(
        '<b>Bold</b> <a href="https://x.y/?a=1&amp;b=2">link</a> &lt;3 😀<i>i</i>'
    )
    assert text == "Bold link <3 😀i"
    assert ents[0] == {"type": "bold", "offset": 0, "length": 4}
    assert ents[1]["url"] == "https://x.y/?a=1&b=2"
    assert ents[2] == {"type": "italic", "offset": 15, "length": 1}  # emoji = 2 UTF-16 units


async def test_delay_fault_and_retry_after_inside_handler(
    botapi: TelegramFake, dp: Dispatcher
) -> None:
    user = TgUser(botapi, USER_ID, "Anna")
    async with run_bot(botapi, dp, raise_handler_errors=False):
        botapi.inject("sendMessage", "delay", delay=0.3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        replies = await user.send("slow")
        assert loop.time() - started >= 0.3
        assert [r.text for r in replies] == ["slow"]

        rule = botapi.inject("sendMessage", 429, retry_after=3, chat_id=USER_ID)
        assert await user.send("limited") == []
        assert rule.remaining == 0
    [(_, error)] = botapi.handler_errors
    assert isinstance(error, TelegramRetryAfter) and error.retry_after == 3
    failed = botapi.calls_to("sendMessage", ok=False)[-1]
    assert failed.error_code == 429 and failed.params["text"] == "limited"
