"""CBS-style period codes, parsed once for every source.

CBS writes periods as ``yyyyXXnn``: ``2024JJ00`` (year), ``2024KW03`` (quarter), ``2024MM06`` (month),
``2024HJ01`` (half year). Sources outside StatLine also write ``2024`` (year), ``2024T1`` (IND tertial),
``2024-06`` (month) and ``2020-2021`` (a span of whole years, as studies and annual reports do: type
``other``, dated from 1 January of the first to 31 December of the last year). A part of one year is written as
an ISO 8601 interval of months, ``2019-01/2019-08`` (type ``part_year``, label ``2019 januari t/m augustus``): a
figure for January to August is never coded as the full year (the contract refuses a year code whose breakdown or
label names a part of the year). ``onbekend`` is a period the source does not state (type ``undated``, no dates). Unknown codes are kept with type ``other`` rather than
rejected, because CBS has more codes than we list (data_sources.md §1.2).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_CBS = re.compile(r"^(\d{4})([A-Z0-9]{2})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_TERTIAL = re.compile(r"^(\d{4})T([123])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_SPAN = re.compile(r"^(\d{4})-(\d{4})$")
_PART_YEAR = re.compile(r"^(\d{4})-(\d{2})/(\d{4})-(\d{2})$")
UNKNOWN = "onbekend"

_QUARTER_LABEL_NL = {1: "1e kwartaal", 2: "2e kwartaal", 3: "3e kwartaal", 4: "4e kwartaal"}
_MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]


@dataclass(frozen=True)
class Period:
    code: str  # normalised: CBS code where one exists (2024JJ00, 2024KW03, 2024MM06), else as given
    type: str  # year | quarter | month | half_year | tertial | part_year | undated | other
    start: date | None
    end: date | None
    label: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span(year: int, first_month: int, months: int) -> tuple[date, date]:
    last = first_month + months - 1
    return date(year, first_month, 1), _month_end(year, last)


def parse_period(raw: str) -> Period:
    """Parse a period code; raise ``ValueError`` only for text that is not a period at all."""
    code = raw.strip()
    if m := _YEAR.match(code):
        return parse_period(f"{m.group(1)}JJ00")
    if m := _TERTIAL.match(code):
        year, t = int(m.group(1)), int(m.group(2))
        start, end = _span(year, 4 * (t - 1) + 1, 4)
        return Period(code, "tertial", start, end, f"{year} {t}e tertiaal")
    if m := _MONTH.match(code):
        return parse_period(f"{m.group(1)}MM{m.group(2)}")
    if m := _YEAR_SPAN.match(code):
        first, last = int(m.group(1)), int(m.group(2))
        if last <= first:
            raise ValueError(f"not a period code: {raw!r} (a span of years runs from an earlier to a later year)")
        return Period(code, "other", date(first, 1, 1), date(last, 12, 31), f"{first}-{last}")
    if m := _PART_YEAR.match(code):
        year, first, year_to, last = (int(g) for g in m.groups())
        if year_to != year or not 1 <= first <= last <= 12 or (first, last) == (1, 12):
            raise ValueError(f"not a part-year period: {raw!r} (months of one year, e.g. 2019-01/2019-08; the whole "
                             "year is 2019JJ00)")
        return Period(code, "part_year", date(year, first, 1), _month_end(year, last),
                      f"{year} {_MONTHS_NL[first - 1]} t/m {_MONTHS_NL[last - 1]}")
    if code == UNKNOWN:
        return Period(code, "undated", None, None, "periode niet vermeld")
    m = _CBS.match(code)
    if not m:
        raise ValueError(f"not a period code: {raw!r} (expected e.g. 2024JJ00, 2024KW03, 2024MM06, 2024, 2024T1)")
    year, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    if kind == "JJ" and n == 0:
        return Period(code, "year", date(year, 1, 1), date(year, 12, 31), str(year))
    if kind == "KW" and 1 <= n <= 4:
        start, end = _span(year, 3 * (n - 1) + 1, 3)
        return Period(code, "quarter", start, end, f"{year} {_QUARTER_LABEL_NL[n]}")
    if kind == "MM" and 1 <= n <= 12:
        start, end = _span(year, n, 1)
        return Period(code, "month", start, end, f"{year} {_MONTHS_NL[n - 1]}")
    if kind == "HJ" and n in (1, 2):
        start, end = _span(year, 6 * (n - 1) + 1, 6)
        return Period(code, "half_year", start, end, f"{year} {n}e halfjaar")
    return Period(code, "other", None, None, code)
