"""Numbers as people read them: Russian "12 500", "12,5 тыс.", "4,2 %"; English "12,500", "12.5K".

Russian output uses a no-break space (U+00A0) as the thousands separator and before "%" so
Telegram never wraps a number across lines. Negative numbers use the minus sign "−" (U+2212).
"""

from __future__ import annotations

import math

NBSP = "\u00a0"
MINUS = "\u2212"

_COMPACT = {
    "ru": ((1e9, "млрд"), (1e6, "млн"), (1e3, "тыс.")),
    "en": ((1e9, "B"), (1e6, "M"), (1e3, "K")),
}


def _decimals(value: float, unit: str) -> int:
    magnitude = abs(value)
    if unit == "percent":
        return 0 if magnitude >= 100 else 1
    if unit == "money":
        return 0 if magnitude >= 100 or float(value).is_integer() else 2
    if magnitude >= 100 or float(value).is_integer():
        return 0
    return 1 if magnitude >= 10 else 2


def _digits(magnitude: float, decimals: int, lang: str, trim: bool) -> str:
    """Non-negative `magnitude` with grouping and the language's decimal mark."""
    text = f"{magnitude:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "ru":
        return text.replace(",", NBSP).replace(".", ",")
    return text


def format_number(value: float, lang: str, unit: str = "count", compact: bool = False) -> str:
    """One value for a message or a chart label. Money gets no currency: the caller adds it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    lang = "ru" if lang == "ru" else "en"
    unit = str(unit)
    sign = MINUS if value < 0 and round(abs(value), 2) != 0 else ""
    magnitude = abs(float(value))
    if compact and unit != "percent":
        for threshold, suffix in _COMPACT[lang]:
            if magnitude >= threshold:
                scaled = magnitude / threshold
                digits = _digits(scaled, 0 if scaled >= 100 else 1, lang, trim=True)
                gap = NBSP if lang == "ru" else ""
                return f"{sign}{digits}{gap}{suffix}"
    decimals = _decimals(magnitude, unit)
    digits = _digits(magnitude, decimals, lang, trim=unit != "money")
    if unit == "percent":
        return f"{sign}{digits}{NBSP}%" if lang == "ru" else f"{sign}{digits}%"
    return f"{sign}{digits}"


def format_pct_magnitude(pct: float, lang: str) -> str:
    """|pct| as a change size: "23 %", "8,5 %" (one decimal below 10, none above)."""
    magnitude = abs(pct)
    decimals = 0 if magnitude >= 10 else 1
    digits = _digits(magnitude, decimals, "ru" if lang == "ru" else "en", trim=True)
    return f"{digits}{NBSP}%" if lang == "ru" else f"{digits}%"


def format_change_pct(pct: float | None, lang: str) -> str:
    """A signed relative change: "+12 %" / "−8,5 %" (ru), "+12%" / "−8.5%" (en)."""
    if pct is None or not math.isfinite(pct):
        return "—"
    text = format_pct_magnitude(pct, lang)
    if round(abs(pct), 0 if abs(pct) >= 10 else 1) == 0:
        return text
    return ("+" if pct > 0 else MINUS) + text
