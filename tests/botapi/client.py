"""A simulated human Telegram user talking to the bot through ``TelegramFake``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.botapi.fake import FakeChat, FakeMessage, TelegramFake

_RESPONSE_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


class SentMessage:
    """A (snapshot of a) message the bot sent, as seen by the user."""

    def __init__(self, fake: TelegramFake, msg: FakeMessage, method: str | None = None) -> None:
        self._fake = fake
        self.raw = msg
        self.method = method or msg.method  # sendMessage / editMessageText / ...

    message_id = property(lambda self: self.raw.message_id)
    chat_id = property(lambda self: self.raw.chat_id)
    text = property(lambda self: self.raw.text)  # plain text (entities parsed)
    html = property(lambda self: self.raw.html)  # text exactly as sent by the bot
    caption = property(lambda self: self.raw.caption)
    caption_html = property(lambda self: self.raw.caption_html)
    entities = property(lambda self: self.raw.entities or [])
    reply_markup = property(lambda self: self.raw.reply_markup)
    deleted = property(lambda self: self.raw.deleted)

    @property
    def is_edit(self) -> bool:
        return self.method.lower().startswith("edit")

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows."""
        return [
            [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
            for row in self.raw.inline_keyboard
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply-keyboard (non-inline) button texts, if any."""
        rows = (self.raw.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def document(self) -> bytes | None:
        return self.raw.document.data if self.raw.document else None

    @property
    def document_name(self) -> str | None:
        return self.raw.document.filename if self.raw.document else None

    @property
    def photo(self) -> bytes | None:
        return self.raw.photo.data if self.raw.photo else None

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.raw.text if self.raw.text is not None else (self.raw.caption or "")

    def find_button(self, text_or_data: str) -> Button | None:
        for row in self.buttons:
            for b in row:
                if text_or_data in (b.text, b.callback_data):
                    return b
        return None

    def __repr__(self) -> str:
        kind = "document" if self.raw.document else "photo" if self.raw.photo else "text"
        return (
            f"<SentMessage #{self.message_id} {self.method} {kind} "
            f"{self.content[:60]!r} buttons={self.button_texts}>"
        )


class TgUser:
    """A simulated human. Every action pushes an update and waits until the bot
    has processed it, then returns the bot's messages/edits to this chat."""

    def __init__(
        self,
        fake: TelegramFake,
        user_id: int,
        first_name: str,
        language_code: str | None = "ru",
        *,
        username: str | None = None,
        chat_id: int | None = None,
        timeout: float = 5.0,
        quiet: float = 0.05,
    ) -> None:
        self.fake = fake
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.timeout = timeout
        self.quiet = quiet
        if user_id not in fake.users:
            fake.add_user(user_id, first_name, username=username, language_code=language_code)
        self.chat_id = user_id if chat_id is None else chat_id
        self.last_responses: list[SentMessage] = []

    # ------------------------------------------------------------------ actions

    async def send(self, text: str, *, timeout: float | None = None) -> list[SentMessage]:
        """Send a text message (``/cmd`` gets a bot_command entity)."""
        return await self._act(
            lambda: self.fake.push_message(self.user_id, text, chat_id=self.chat_id),
            f"after message {text!r}",
            timeout,
        )

    async def click(
        self,
        text_or_callback_data: str,
        message: SentMessage | FakeMessage | int | None = None,
        *,
        timeout: float | None = None,
    ) -> list[SentMessage]:
        """Press an inline button (matched by its text or callback_data) on the
        given message, or on the latest bot message that has such a button."""
        target = self._find_button_message(text_or_callback_data, message)
        button = SentMessage(self.fake, target).find_button(text_or_callback_data)
        assert button is not None
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} has no callback_data (url={button.url})")
        data = button.callback_data
        return await self._act(
            lambda: self.fake.push_callback(self.user_id, target, data),
            f"after clicking {button.text!r} (callback_data={data!r})",
            timeout,
        )

    async def upload(
        self,
        filename: str,
        data: bytes,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        timeout: float | None = None,
    ) -> list[SentMessage]:
        """Send a document; the fake registers the file so the bot can getFile it."""
        return await self._act(
            lambda: self.fake.push_document(
                self.user_id,
                filename,
                data,
                caption=caption,
                mime_type=mime_type,
                chat_id=self.chat_id,
            ),
            f"after uploading {filename!r}",
            timeout,
        )

    async def forward_from_channel(
        self,
        chat: int | FakeChat,
        text: str = "Channel post",
        *,
        channel_message_id: int | None = None,
        timeout: float | None = None,
    ) -> list[SentMessage]:
        """Forward a post of ``chat`` (a channel registered in the fake) to the bot."""
        channel_id = chat.id if isinstance(chat, FakeChat) else chat
        return await self._act(
            lambda: self.fake.push_forwarded_channel_post(
                self.user_id, channel_id, text, channel_message_id=channel_message_id
            ),
            f"after forwarding a post of channel {channel_id}",
            timeout,
        )

    async def add_bot_to_channel(
        self, chat: int | FakeChat, *, timeout: float | None = None, **rights: bool
    ) -> list[SentMessage]:
        """This user adds the bot to a channel as administrator (my_chat_member)."""
        channel_id = chat.id if isinstance(chat, FakeChat) else chat
        return await self._act(
            lambda: self.fake.push_my_chat_member(channel_id, self.user_id, **rights),
            f"after adding the bot to {channel_id}",
            timeout,
        )

    # ------------------------------------------------------------------ state

    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot sent to this chat (current state, deleted excluded)."""
        return [SentMessage(self.fake, m) for m in self.fake.bot_messages(self.chat_id)]

    @property
    def last_message(self) -> SentMessage | None:
        msgs = self.messages
        return msgs[-1] if msgs else None

    @property
    def last_callback_answer(self) -> dict[str, Any] | None:
        """``answerCallbackQuery`` params (text, show_alert...) of this user's last click."""
        mine = [q for q in self.fake.callback_queries.values() if q.user_id == self.user_id]
        return mine[-1].answer if mine else None

    # ------------------------------------------------------------------ internals

    def _find_button_message(
        self, key: str, message: SentMessage | FakeMessage | int | None
    ) -> FakeMessage:
        if message is not None:
            msg_id = message if isinstance(message, int) else message.message_id
            target = self.fake.message(self.chat_id, msg_id)
            if target is None or target.deleted:
                raise AssertionError(f"message #{msg_id} not found (or deleted) in chat")
            if SentMessage(self.fake, target).find_button(key) is None:
                raise AssertionError(
                    f"no button {key!r} on message #{msg_id}; buttons: "
                    f"{SentMessage(self.fake, target).button_texts}"
                )
            return target
        for target in reversed(self.fake.bot_messages(self.chat_id)):
            if SentMessage(self.fake, target).find_button(key) is not None:
                return target
        available = {m.message_id: m.button_texts for m in self.messages if m.buttons}
        raise AssertionError(f"no inline button {key!r} in chat; available: {available}")

    async def _act(self, push: Any, what: str, timeout: float | None) -> list[SentMessage]:
        mark = len(self.fake.calls)
        update_id = push()
        try:
            await self.fake.wait_processed(
                update_id,
                timeout=self.timeout if timeout is None else timeout,
                quiet=self.quiet,
                what=what,
            )
        except AssertionError as e:
            sent = self._collect(mark)
            raise AssertionError(
                f"{e}\nBot responses to chat {self.chat_id} so far: {sent}"
            ) from None
        self.last_responses = self._collect(mark)
        return self.last_responses

    def _collect(self, mark: int) -> list[SentMessage]:
        out = []
        for call in self.fake.calls[mark:]:
            if call.method.lower() not in _RESPONSE_METHODS or not call.ok:
                continue
            if call.message is None or call.message.chat_id != self.chat_id:
                continue
            out.append(SentMessage(self.fake, call.message, call.method))
        return out


__all__ = ["Button", "SentMessage", "TgUser"]
