"""Read a published-figures file: one row per figure, each with its own citation.

This is the format of the ``primary_figures.csv`` transcriptions (Kamerbrieven, jaarverslagen, news
releases): every row carries the document, URL, publication date and the quoted sentence it was read from.
Columns (UTF-8 CSV, values in plain notation)::

    indicator, period, value, value_qualifier, unit, geography, publisher, document_title, url,
    published, quote, how_obtained                       (required, as in the shared transcriptions)
    confidence, locator, value_lower, value_upper, status, period_label, breakdown, label (optional)

``geography`` 'Nederland' is the monitor's default scope and gives an empty breakdown; any other value
becomes a ``geography`` dimension. ``breakdown`` adds dimensions as ``dimension=label;dimension=label``
(e.g. ``zendend_land=Polen``). ``value`` may be empty for a range printed without a single value: then
``value_lower`` and ``value_upper`` carry it. ``period`` must be a period code (2024, 2024KW03, 2024MM04,
2024T1, 2020-2021, or ``onbekend`` when the source states none); where the source words the period
otherwise ('begin april 2024'), keep those words in ``period_label``. ``published`` is the date as printed,
possibly with a note ('2023-05-09 (uit URL)'); the row's vintage is the date it starts with; a row whose
page prints no date ('ongedateerd') is undated (vintage 'ongedateerd'), never the sidecar's date: in a file of
figures from many documents that is when the file was made, and an undated page must not look newer than a dated
one. The sidecar's ``layout`` gives ``source_id`` and
``dataset_id``.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.observations import frame, observation
from pipelines.core.snapshots import UNDATED, Snapshot
from pipelines.sources.common.csv_text import parse_number, read_rows

REQUIRED_COLUMNS = [
    "indicator", "period", "value", "value_qualifier", "unit", "geography", "publisher",
    "document_title", "url", "published", "quote", "how_obtained",
]
OPTIONAL_COLUMNS = ["confidence", "locator", "value_lower", "value_upper", "status", "period_label", "breakdown",
                    "label"]
NATIONAL = "Nederland"
_LEADING_DATE = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?!\d)")


def _breakdown(raw: str, file: str, row: int) -> dict[str, str]:
    dims = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, label = part.partition("=")
        if not sep or not key.strip() or not label.strip():
            raise SourceFormatError(f"{file}: bad breakdown", [
                Problem("expected dimension=label;dimension=label", file=file, field="breakdown", row=row, value=raw)])
        dims[key.strip()] = label.strip()
    return dims


def read_published_figures(snapshot: Snapshot) -> pl.DataFrame:
    file = snapshot.id
    layout = snapshot.layout
    header, rows = read_rows(snapshot.data, file, required=REQUIRED_COLUMNS)
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise SourceFormatError(
            f"{file} has unknown columns",
            [Problem("not a published-figures column", file=file, field=c) for c in unknown],
            hint=f"allowed columns: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}",
        )
    out = []
    for row in rows:
        n = int(row["__row__"])
        value, symbol_status = parse_number(row["value"], file, "value", n)
        lower = parse_number(row["value_lower"], file, "value_lower", n)[0] if row.get("value_lower", "").strip() else None
        upper = parse_number(row["value_upper"], file, "value_upper", n)[0] if row.get("value_upper", "").strip() else None
        if value is None and symbol_status == "missing" and (lower is not None or upper is not None):
            symbol_status = None  # a range printed without a single value: the bounds are the figure
        geography = row["geography"].strip()
        dims = {} if geography == NATIONAL else {"geography": geography}
        dims |= _breakdown(row.get("breakdown", ""), file, n)
        dated = _LEADING_DATE.match(row["published"].strip())
        try:
            out.append(
                observation(
                    snapshot,
                    source_row=n,
                    source_id=layout.get("source_id") or file.split("/")[0],
                    dataset_id=layout.get("dataset_id") or file.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    indicator_id=row["indicator"].strip(),
                    measure=row["indicator"].strip(),
                    measure_label=row.get("label", "").strip() or None,
                    dimensions=dims,
                    dimension_labels=dims,
                    period=row["period"],
                    period_label=row.get("period_label", "").strip() or None,
                    value=value,
                    value_qualifier=row["value_qualifier"].strip() or None,
                    value_lower=lower,
                    value_upper=upper,
                    unit=row["unit"].strip(),
                    status=symbol_status or row.get("status", "").strip() or "published",
                    vintage=dated.group(1) if dated else UNDATED,
                    publisher=row["publisher"].strip(),
                    document_title=row["document_title"].strip(),
                    url=row["url"].strip(),
                    locator=row.get("locator", "").strip() or None,
                    published=row["published"].strip(),
                    quote=row["quote"].strip(),
                    confidence=row.get("confidence", "").strip() or None,
                )
            )
        except ValueError as exc:
            raise SourceFormatError(
                f"{file}: bad period", [Problem(str(exc), file=file, field="period", row=n, value=row["period"])]
            ) from exc
    return frame(out)
