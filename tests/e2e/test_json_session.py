"""bot.session.JsonBodySession against the Bot API fake over HTTP: requests without a file go
as one application/json document (nested markup as JSON objects, HTML parse mode from the
bot's defaults), a file still goes as multipart, and API and network errors surface as
aiogram's exceptions, as with aiogram's own session."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.factory import create_bot
from bot.retry import CALLER_RETRIES
from tests.botapi.fake import TelegramFake

USER = 1001


async def test_text_goes_as_json_with_nested_markup(botapi: TelegramFake) -> None:
    botapi.add_user(USER, "Anna")
    bot = create_bot(botapi.token, botapi.url)
    try:
        markup = InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="↩ Undo", callback_data="undo:7"),
            InlineKeyboardButton(text="Site", url="https://example.com/a?b=1&c=2"),
        ]])
        sent = await bot.send_message(USER, "<b>reach</b> 12 500 &amp; leads", reply_markup=markup,
                                      disable_notification=True)
    finally:
        await bot.session.close()
    call = botapi.calls_to("sendMessage", ok=True)[-1]
    assert call.content_type == "application/json"
    assert call.params["chat_id"] == USER
    assert call.params["parse_mode"] == "HTML"  # DefaultBotProperties resolved
    assert call.params["disable_notification"] is True
    assert call.params["reply_markup"] == {"inline_keyboard": [[
        {"text": "↩ Undo", "callback_data": "undo:7"},
        {"text": "Site", "url": "https://example.com/a?b=1&c=2"},
    ]]}
    assert "reply_to_message_id" not in call.params  # unset fields are not sent
    assert sent.text == "reach 12 500 & leads"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "undo:7"
    assert botapi.history(USER)[-1].html == "<b>reach</b> 12 500 &amp; leads"


async def test_a_file_still_goes_as_multipart(botapi: TelegramFake) -> None:
    botapi.add_user(USER, "Anna")
    bot = create_bot(botapi.token, botapi.url)
    try:
        await bot.send_document(USER, BufferedInputFile(b"week,reach\n2026-W48,100\n",
                                                        filename="export.csv"),
                                caption="Export <i>ready</i>")
    finally:
        await bot.session.close()
    call = botapi.calls_to("sendDocument", ok=True)[-1]
    assert call.content_type.startswith("multipart/")
    (part,) = call.files.values()
    assert part.filename == "export.csv"
    assert part.data == b"week,reach\n2026-W48,100\n"
    assert call.params["caption"] == "Export <i>ready</i>"


async def test_errors_surface_as_aiogram_exceptions(botapi: TelegramFake) -> None:
    botapi.add_user(USER, "Anna")
    bot = create_bot(botapi.token, botapi.url)
    token = CALLER_RETRIES.set(True)  # no retries: one request per call
    try:
        botapi.inject("sendMessage", 400, description="Bad Request: message text is empty")
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(USER, "hello")
        botapi.inject("sendMessage", "drop")
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(USER, "hello")
        botapi.inject("sendMessage", "delay", delay=3)
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await bot.send_message(USER, "hello", request_timeout=1)
        assert (await bot.send_message(USER, "hello again")).text == "hello again"
    finally:
        CALLER_RETRIES.reset(token)
        await bot.session.close()
