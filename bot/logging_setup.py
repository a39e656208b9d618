"""Logging that never shows the bot token, whichever library formats the message."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_TEXT = re.compile(r"\d{5,16}:[A-Za-z0-9_-]{30,64}")


class RedactTokenFilter(logging.Filter):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, self._token)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self._token)
        return True


def redact(text: str, token: str | None = None) -> str:
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN_IN_TEXT.sub("<token>", text)


def setup_logging(level: str, token: str | None = None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
