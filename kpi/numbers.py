"""Numbers the way people type them in chat: `12 500`, `12,5к`, `1,2 млн`, `4,2%`, `$300`.

Separators (the rule for ambiguous inputs):
- A space (regular, non-breaking U+00A0, thin U+2009/U+202F, figure U+2007) between a 1–3 digit
  head and groups of exactly three digits is a thousands separator: `12 500`, `1 200 000`.
- A single `,` or `.` is a decimal separator: `12,5` = `12.5` = 12.5, and also `1,520` = 1.52
  (Russian users write decimals with a comma, so one comma is never a thousands separator).
- `,` (or `.`) is a thousands separator only when the grouping is unambiguous: two or more
  three-digit groups (`1,520,000`, `1.520.000`), or one group followed by the other mark as the
  decimal separator (`1,520.5`, `1.520,5`).
Multipliers: к/k/тыс = 10³, млн/м/m/mln = 10⁶, млрд/bn = 10⁹. A trailing `%` marks a percent;
a currency sign or word (₽ руб р. rub $ usd € eur …) before or after marks money.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_SPACE_CHARS = "\u00a0\u2007\u2009\u202f"
_SPACE_TABLE = str.maketrans(dict.fromkeys(_SPACE_CHARS, " ")) | {ord("−"): "-"}

_NUMBER = r"""
(?P<num>
    [0-9]{1,3}(?:,[0-9]{3}){2,}(?:\.[0-9]+)?     # 1,520,000 and 1,520,000.5
  | [0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+            # 1,520.5
  | [0-9]{1,3}(?:\.[0-9]{3}){2,}(?:,[0-9]+)?    # 1.520.000 and 1.520.000,5
  | [0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+            # 1.520,5
  | [0-9]{1,3}(?:\ [0-9]{3})+(?:[.,][0-9]+)?    # 12 500 and 12 500,5
  | [0-9]+(?:[.,][0-9]+)?                       # 12500, 12,5, 12.5
)"""
_MULTIPLIER = r"(?:\ ?(?P<mult>млрд|тысяч[аи]?|тыс|млн|mln|bn|к|k|м|m)\.?)"
_CURRENCY_WORD = (r"(?:₽|\$|€|руб(?:лей|ля|ль)?\.?|р\.?|rub|rur|usd|eur|евро"
                  r"|долл(?:аров|ара|ар)?\.?)")

VALUE_RE = re.compile(
    rf"""
    (?<![\w.,])
    (?P<sign1>[-+])?
    (?:(?P<cur1>[$€₽])\ ?)?
    (?P<sign2>[-+])?
    {_NUMBER}
    {_MULTIPLIER}?
    (?:(?P<pct>\ ?%)|\ ?(?P<cur2>{_CURRENCY_WORD}))?
    (?!\w)
    """,
    re.VERBOSE,
)

_MULTIPLIERS = {
    "к": 10**3, "k": 10**3, "тыс": 10**3, "тысяч": 10**3, "тысяча": 10**3, "тысячи": 10**3,
    "м": 10**6, "m": 10**6, "млн": 10**6, "mln": 10**6,
    "млрд": 10**9, "bn": 10**9,
}


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: float
    percent: bool
    money: bool


def normalize_spaces(text: str) -> str:
    """Same length as `text`: exotic spaces become plain ones, `−` (U+2212) becomes `-`."""
    return text.translate(_SPACE_TABLE)


def number_from_match(match: re.Match[str]) -> ParsedNumber:
    """The number a `VALUE_RE` match (on case-folded, space-normalized text) stands for."""
    digits = match["num"].replace(" ", "")
    if "," in digits and "." in digits:
        thousands = "," if digits.index(",") < digits.index(".") else "."
        digits = digits.replace(thousands, "")
    elif digits.count(",") > 1 or digits.count(".") > 1:
        digits = digits.replace(",", "").replace(".", "")
    value = Decimal(digits.replace(",", "."))
    if match["mult"]:
        value *= _MULTIPLIERS[match["mult"]]
    if "-" in ((match["sign1"] or "") + (match["sign2"] or "")):
        value = -value
    return ParsedNumber(value=float(value), percent=bool(match["pct"]),
                        money=bool(match["cur1"] or match["cur2"]))


def parse_number(text: str) -> ParsedNumber | None:
    """The number `text` consists of (see the module docstring for the rules), else None."""
    folded = normalize_spaces(text).strip().casefold()
    folded = re.sub(r"\s+", " ", folded)
    match = VALUE_RE.fullmatch(folded)
    if match is None:
        return None
    try:
        number = number_from_match(match)
    except (InvalidOperation, ValueError):
        return None
    return number if math.isfinite(number.value) else None
