"""Read one sheet of an Excel workbook (.xlsx) as observations, with the same layouts as CSV tables.

UWV and the Nederlandse Arbeidsinspectie publish their tables as Excel downloads: a title and notes above
the table, the header on some row, footnotes ('Bron: ...') below it. The sidecar's layout says where the
table is; the columns are then mapped exactly as for CSV (``table_layout.py``)::

    layout:
      reader: xlsx_table
      source_id: arbeidsinspectie
      dataset_id: jaarverslag_2025
      sheet: Kerncijfers          # sheet name (default: the first sheet)
      header_row: 3               # the Excel row number of the header (default 1)
      footer: ignore              # rows after the first empty row are notes (default: an error)
      orientation: periods_in_columns
      measure_column: Kerncijfer
      period_columns: auto
      measures: {...}

The table runs from the row below the header to the first empty row. Cells are read with their type
(openpyxl, cached values of formulas): numbers must be number cells; text in a value cell must be a CBS
symbol. Errors name the file and sheet, the column, the data row and the Excel cell (e.g. C7).
"""

from __future__ import annotations

import io
import zipfile

import polars as pl
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.table_layout import Row, Table, observations, text


def _workbook(snapshot: Snapshot):
    try:
        return load_workbook(io.BytesIO(snapshot.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFormatError(
            f"{snapshot.id} is not a readable .xlsx workbook",
            [Problem(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, file=snapshot.id)],
            hint="the file may be truncated, or saved as .xls/.ods; save it as .xlsx (Excel Workbook) and rehash",
        ) from exc


def xlsx_table(snapshot: Snapshot) -> Table:
    layout = snapshot.layout
    workbook = _workbook(snapshot)
    try:
        sheet_name = layout.get("sheet") or workbook.sheetnames[0]
        if sheet_name not in workbook.sheetnames:
            raise SourceFormatError(f"{snapshot.id} has no sheet {sheet_name!r}", [
                Problem(f"sheets in the workbook: {workbook.sheetnames}", file=f"{snapshot.id}.origin.yaml",
                        field="layout.sheet", value=sheet_name)])
        file = f"{snapshot.id} [{sheet_name}]"
        header_row = int(layout.get("header_row", 1))
        grid = list(workbook[sheet_name].iter_rows(min_row=header_row, values_only=True))
    finally:
        workbook.close()
    if not grid or not any(c is not None and text(c) for c in grid[0]):
        raise SourceFormatError(f"{file} has no header on row {header_row}", [
            Problem("the header row is empty", file=file, field="layout.header_row", value=header_row)],
            hint="set layout.header_row to the Excel row number of the column headers")
    width = max(i + 1 for i, c in enumerate(grid[0]) if c is not None and text(c))
    header = [text(c) for c in grid[0][:width]]
    rows: list[Row] = []
    notes: list[int] = []
    for offset, cells in enumerate(grid[1:], start=1):
        excel_row = header_row + offset
        if all(v is None or not text(v) for v in cells):
            if rows:
                notes.append(0)  # the table ended; anything below is a note
            continue
        if notes:
            notes.append(excel_row)
            continue
        if any(v is not None and text(v) for v in cells[width:]):
            raise SourceFormatError(f"{file}: a value outside the table", [
                Problem(f"Excel row {excel_row} has a cell to the right of the last header column",
                        file=file, row=len(rows) + 1)],
                hint="give the column a header and declare it in the layout")
        values = list(cells[:width]) + [None] * (width - len(cells))
        rows.append(Row(
            number=len(rows) + 1,
            cells={h: (v.strip() if isinstance(v, str) else v) for h, v in zip(header, values) if h},
            refs={h: f"{get_column_letter(i + 1)}{excel_row}" for i, h in enumerate(header) if h},
        ))
    notes = [r for r in notes if r]
    if notes and layout.get("footer") != "ignore":
        raise SourceFormatError(f"{file}: rows after the end of the table", [
            Problem(f"Excel row {r} is not empty but follows the first empty row", file=file) for r in notes],
            hint="if these are footnotes, set `footer: ignore` in the layout; if the table has an empty row in the "
            "middle, remove it")
    if not rows:
        raise SourceFormatError(f"{file} has a header but no data rows", [Problem("no data rows", file=file)])
    return Table(file=file, header=header, rows=rows, typed=True)


def read_xlsx_table(snapshot: Snapshot) -> pl.DataFrame:
    return observations(snapshot, xlsx_table(snapshot))
