"""The Undo button under a saved entry is a copy of a validated one: the same JSON as a button
built anew, its own data, and the cached one never changed by a copy."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import get_translator
from handlers.callbacks import UndoCb
from handlers.entry_view import undo_keyboard


def built_anew(project_id: int, batch_id: int, text: str) -> InlineKeyboardMarkup:
    data = UndoCb(project_id=project_id, batch_id=batch_id).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=data)]])


def test_undo_keyboards_are_what_a_fresh_button_would_be() -> None:
    for lang in ("ru", "en"):
        t = get_translator(lang)
        first, second = undo_keyboard(7, 41, t), undo_keyboard(8, 42, t)
        assert first.model_dump(exclude_none=True) == built_anew(
            7, 41, t("undo-button")).model_dump(exclude_none=True)
        assert second.model_dump(exclude_none=True) == built_anew(
            8, 42, t("undo-button")).model_dump(exclude_none=True)
        # a copy is its own: the first keeps its data, and so does the cached template
        assert UndoCb.unpack(first.inline_keyboard[0][0].callback_data) == UndoCb(
            project_id=7, batch_id=41)
        assert first.inline_keyboard[0][0] is not second.inline_keyboard[0][0]
        assert UndoCb.unpack(undo_keyboard(1, 2, t).inline_keyboard[0][0].callback_data) == \
            UndoCb(project_id=1, batch_id=2)
    assert undo_keyboard(1, 2, get_translator("ru")).inline_keyboard[0][0].text != \
        undo_keyboard(1, 2, get_translator("en")).inline_keyboard[0][0].text
