"""Read a reference table: definitions the figures need, not figures (e.g. class bounds of an indicator).

A reference table keeps its own columns, typed as the layout declares, and gains the provenance columns
every table in the monitor has (snapshot, row, publisher, document, URL, publication date, confidence)::

    layout:
      reader: reference_csv
      table: raw_uwv__spanningsindicator_klassen     # the raw table it lands in
      url_column: source_url                         # optional: a per-row URL replaces the sidecar's
      columns:
        typering: text
        ondergrens_exclusief: number                 # empty cells are NULL (an open bound)
        bovengrens_inclusief: number

Every column of the file must be declared, as for observation tables.
"""

from __future__ import annotations

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.csv_text import parse_number, read_rows

TYPES = {"text": pl.String, "number": pl.Float64}
PROVENANCE_SCHEMA = {
    "snapshot_id": pl.String, "snapshot_sha256": pl.String, "source_row": pl.Int32, "publisher": pl.String,
    "document_title": pl.String, "url": pl.String, "published": pl.String, "how_obtained": pl.String,
    "confidence": pl.String,
}


def reference_schema(layout: dict) -> dict[str, pl.DataType]:
    columns = {k: v for k, v in (layout.get("columns") or {}).items() if k != layout.get("url_column")}
    return {name: TYPES[kind] for name, kind in columns.items()} | PROVENANCE_SCHEMA


def read_reference_csv(snapshot: Snapshot) -> pl.DataFrame:
    layout = snapshot.layout
    file = snapshot.id
    columns: dict[str, str] = layout.get("columns") or {}
    bad = [Problem(f"type must be one of {sorted(TYPES)}", file=f"{file}.origin.yaml", field=f"layout.columns.{k}", value=v)
           for k, v in columns.items() if v not in TYPES]
    if not layout.get("table") or not columns or bad:
        raise SourceFormatError(f"Layout of {file} is not usable", bad or [
            Problem("a reference table needs layout.table and layout.columns", file=f"{file}.origin.yaml", field="layout")])
    header, rows = read_rows(snapshot.data, file, required=list(columns))
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise SourceFormatError(f"{file} has columns its layout does not declare",
                                [Problem("column not in layout (renamed or new?)", file=file, field=h) for h in unknown])
    origin = snapshot.origin
    url_column = layout.get("url_column")
    out = []
    for row in rows:
        n = int(row["__row__"])
        record = {}
        for name, kind in columns.items():
            if name == url_column:
                continue
            cell = row[name].strip()
            record[name] = (parse_number(cell, file, name, n)[0] if cell else None) if kind == "number" else cell
        out.append(record | {
            "snapshot_id": snapshot.id, "snapshot_sha256": snapshot.sha256, "source_row": n,
            "publisher": origin["producer"], "document_title": origin["title"],
            "url": (row[url_column].strip() if url_column else "") or origin["url"],
            "published": str(origin["published"]), "how_obtained": origin["obtained"],
            "confidence": origin.get("confidence"),
        })
    return pl.DataFrame(out, schema=reference_schema(layout))
