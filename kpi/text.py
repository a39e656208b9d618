"""What the domain needs from a translation layer, without depending on it.

`kpi/` builds sentences through a `Translate` it is given (bot/i18n.py's Translator fits), and
marks text that is already safe Telegram HTML with `Html` so the translator does not escape it.
"""

from __future__ import annotations

from typing import Protocol


class Html(str):
    """A string that is already valid, escaped Telegram HTML."""

    __slots__ = ()


class Translate(Protocol):
    """A message catalogue in one language: called with a message id and its arguments."""

    lang: str

    def __call__(self, key: str, /, **kwargs: object) -> str: ...
