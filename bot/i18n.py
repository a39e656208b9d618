"""The one i18n layer: Fluent catalogues in bot/locales/<lang>/*.ftl, used by handlers, jobs
and the CLI alike.

Every plain `str` argument is HTML-escaped when it is put into a message, so user-supplied text
(project names, custom metrics, file names) can never break Telegram's HTML parse mode or inject
markup. Wrap text that is already safe HTML in `Html` to pass it through unchanged.
"""

from __future__ import annotations

import html
import logging
from functools import cache
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.resolver import MAX_PART_LENGTH
from fluent.syntax import FluentParser, ast

from kpi.text import Html

__all__ = ["Html", "Translator", "get_translator", "load_catalogues", "message_keys",
           "pick_language"]

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("ru", "en")
# Telegram language codes that read Russian comfortably fall back to Russian, not to the default.
_RU_FAMILY = {"ru", "uk", "be", "kk", "ky", "uz", "tg", "tt", "ba", "hy", "az", "ka"}

log = logging.getLogger(__name__)


# A message made of text and `{ $variable }` placeables only, as (text, variable) pairs; the
# text after the last placeable comes with variable None.
Template = tuple[tuple[str, str | None], ...]


class Translator:
    def __init__(self, lang: str, bundle: FluentBundle) -> None:
        self.lang = lang
        self._bundle = bundle
        self._templates: dict[str, Template | None] = {}

    def __call__(self, key: str, /, **kwargs: object) -> str:
        template = self._templates.get(key, _UNSEEN)
        if template is _UNSEEN:
            template = self._templates[key] = self._template(key)
        args = {name: _prepare(value) for name, value in kwargs.items()}
        if template is not None and all(type(v) is str and len(v) <= MAX_PART_LENGTH
                                        for v in args.values()):
            # Most replies fill plain text templates with text already formatted: Fluent's
            # resolver would give the same string at several times the cost.
            try:
                return "".join([text + args[name] if name else text
                                for text, name in template])
            except KeyError:
                pass  # a missing argument: Fluent's own handling and error report
        if not self._bundle.has_message(key):
            log.error("missing i18n message %r for %s", key, self.lang)
            return key
        message = self._bundle.get_message(key)
        text, errors = self._bundle.format_pattern(message.value, args)
        if errors:
            log.error("i18n message %r (%s) failed: %s", key, self.lang, errors)
        return text

    def _template(self, key: str) -> Template | None:
        """The message as a template when it is only text and variables, else None."""
        if not self._bundle.has_message(key):
            return None
        value = self._bundle.get_message(key).value
        if value is None:
            return None
        elements = value.elements if isinstance(value, ast.Pattern) else [value]
        parts: list[tuple[str, str | None]] = []
        text = ""
        for element in elements:
            if isinstance(element, ast.TextElement):
                text += element.value
            elif (isinstance(element, ast.Placeable)
                  and isinstance(element.expression, ast.VariableReference)):
                parts.append((text, element.expression.id.name))
                text = ""
            elif (isinstance(element, ast.Placeable)
                  and isinstance(element.expression, ast.StringLiteral)):
                text += element.expression.parse()["value"]
            else:
                return None
        parts.append((text, None))
        return tuple(parts)

    def warm(self, keys: set[str]) -> None:
        """Prepare these messages now (at start-up) rather than on their first use."""
        for key in keys:
            if key not in self._templates:
                self._templates[key] = self._template(key)

    def has(self, key: str) -> bool:
        return self._bundle.has_message(key)


_UNSEEN: Template = ()


def _prepare(value: object) -> object:
    if isinstance(value, Html):
        return str(value)
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if value is None:
        return ""
    return value


class CatalogueError(RuntimeError):
    """A language's messages cannot be loaded: the bot must not start and send message keys."""


def check_catalogues() -> None:
    """Refuse to run on an incomplete installation: every supported language has catalogue
    files, they parse without errors, and every language defines the same messages."""
    keys: dict[str, set[str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        files = _resources(lang)
        if not files:
            raise CatalogueError(
                f"no {lang} messages in {LOCALES_DIR / lang}: the installation is incomplete "
                "(reinstall smm-kpi-bot)")
        for path in files:
            junk = [entry for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body
                    if isinstance(entry, ast.Junk)]
            if junk:
                raise CatalogueError(f"{path} does not parse: {junk[0].content.strip()[:80]!r}")
        keys[lang] = message_keys(lang)
    union = set().union(*keys.values())
    for lang, defined in keys.items():
        if missing := sorted(union - defined):
            raise CatalogueError(
                f"{lang} messages lack {len(missing)} key(s), e.g. {', '.join(missing[:3])}")


def _resources(lang: str) -> list[Path]:
    return sorted((LOCALES_DIR / lang).glob("*.ftl"))


@cache
def get_translator(lang: str) -> Translator:
    if lang not in SUPPORTED_LANGUAGES:
        lang = SUPPORTED_LANGUAGES[0]
    bundle = FluentBundle([lang], use_isolating=False)
    for path in _resources(lang):
        bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
    return Translator(lang, bundle)


def load_catalogues() -> None:
    """Parse every language's catalogue now: the first user of a language would otherwise wait
    for it (a few hundred milliseconds), and at start-up it ends up in the frozen heap."""
    for lang in SUPPORTED_LANGUAGES:
        get_translator(lang).warm(message_keys(lang))


def message_keys(lang: str) -> set[str]:
    """Every message id defined in a language's catalogue (for coverage tests)."""
    keys: set[str] = set()
    for path in _resources(lang):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line[0].isspace() and not line.startswith(("#", "-")) and "=" in line:
                keys.add(line.split("=", 1)[0].strip())
    return keys


def pick_language(language_code: str | None, default: str) -> str:
    """ru family → ru, en → en, anything else → the configured default."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in _RU_FAMILY:
            return "ru"
        if base == "en":
            return "en"
    return default if default in SUPPORTED_LANGUAGES else "ru"
