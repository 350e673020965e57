"""Numbers, percentages and dates written the way the edition's language writes them.

Dutch: 27.304 and 105,9 and 12,5% and 2 december 2026. English: 27,304 and 105.9 and 12.5% and
2 December 2026. A missing value is written as CBS writes it: '.'.
"""

from __future__ import annotations

import datetime as dt
import math

from pipelines.publication.kit.language import current_language

MISSING = "."
_MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
_QUARTERS = {
    "nl": {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde"},
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth"},
}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value: float | int | None, decimals: int = 0, lang: str | None = None) -> str:
    """27304 -> '27.304' (nl) / '27,304' (en); fmt(105.94, 1) -> '105,9' / '105.9'."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"fmt(): expected a number, got {type(value).__name__} {value!r}")
    text = f"{value:,.{decimals}f}"
    if (lang or current_language()) == "nl":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


def pct(value: float | None, decimals: int = 1, lang: str | None = None) -> str:
    """A percentage given in percent (12.5 -> '12,5%' / '12.5%')."""
    return MISSING if _missing(value) else fmt(value, decimals, lang) + "%"


def date(value: dt.date | str | None, lang: str | None = None) -> str:
    """2026-12-02 -> '2 december 2026' / '2 December 2026'."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {_MONTHS[lang or current_language()][value.month - 1]} {value.year}"


def quarter(period_code: str, lang: str | None = None) -> str:
    """'2024KW03' -> 'het derde kwartaal van 2024' / 'the third quarter of 2024'."""
    number, year = int(period_code[-2:]), period_code[:4]
    if (lang or current_language()) == "nl":
        return f"het {_QUARTERS['nl'][number]} kwartaal van {year}"
    return f"the {_QUARTERS['en'][number]} quarter of {year}"
