"""Map a table (rows of cells, from a CSV or a spreadsheet) onto observations, as its sidecar's layout says.

Publishers lay out the same kind of figures in three ways, and the layout names which one (``orientation``):

``measures_in_columns`` (default; CBS StatLine pages, the shipped ``wide_csv`` files)
    one row per period, one column per measure::

        Perioden | vacatures_openstaand | vacatures_ontstaan
        2024KW01 | 391.8                | 292.4

``periods_in_columns`` (annual-report key-figure tables, e.g. Arbeidsinspectie *Cijfers en feiten*)
    one row per measure, one column per period; ``period_columns: auto`` takes every column whose header is a
    period code (2023, 2024KW01, 2024T1), so next year's column needs no layout change::

        Kerncijfer  | 2023 | 2024
        Inspecties  | 1234 | 1301

``long`` (downloads with one row per figure, e.g. UWV tables per region and quarter)
    one row per period and measure, the measure named in ``measure_column``, its value in ``value_column``
    (or several ``value_columns``, e.g. a count and its percentage)::

        jaar | maatstaf             | aantal | procent
        2018 | gvva_positief_advies | 3000   | 82

Layout keys (in the snapshot's ``.origin.yaml`` under ``layout``)::

    source_id, dataset_id                 where the rows land (required)
    orientation                           see above
    period_column                         measures_in_columns, long
    period_columns: auto | [..] | {header: code}   periods_in_columns
    measure_column                        periods_in_columns, long
    value_column | value_columns          long; value_columns: {column: {indicator_suffix, unit, skip_empty}}
    measures: {key: {indicator_id, unit, label, decimals, confidence}}
                                          key = column header (measures_in_columns) or the text in
                                          measure_column (the other two)
    dimensions: {dimension: column}       or {dimension: {column: c, total: 'value meaning no breakdown'}}
    constants: {dimension: label}         a breakdown every row of the file has
    period_label_column, status_column, quote_column, url_column, locator_column, qualifier_column
    status                                status of every figure when there is no status_column (default 'published')
    skip_empty                            leave empty value cells out instead of reporting them as missing
    ignore_columns: [..]                  columns that are known and deliberately not read

Every column must be declared and every row label must be a declared measure: a renamed or added column
or row is an error naming the file, the field and the row, never a silently dropped figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.observations import frame, observation
from pipelines.core.periods import parse_period
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.csv_text import NIL_SYMBOLS, SYMBOL_STATUS, parse_number

ORIENTATIONS = ("measures_in_columns", "periods_in_columns", "long")
_ROW_COLUMNS = ("period_label_column", "status_column", "quote_column", "url_column", "locator_column",
                "qualifier_column")
LAYOUT_KEYS = {
    "reader", "source_id", "dataset_id", "orientation", "period_column", "period_columns", "measure_column",
    "value_column", "value_columns", "measures", "dimensions", "constants", "status", "skip_empty",
    "ignore_columns", *_ROW_COLUMNS,
    # spreadsheet readers
    "sheet", "header_row", "footer",
}
_MEASURE_KEYS = {"indicator_id", "unit", "label", "decimals", "confidence"}
_VALUE_COLUMN_KEYS = {"indicator_suffix", "unit", "label", "skip_empty"}


@dataclass
class Row:
    number: int  # 1-based data row (header excluded), as in every error message and in ``source_row``
    cells: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # spreadsheet cell reference per column, e.g. 'C7'


@dataclass
class Table:
    """A table as read from a file: ``typed`` when cells carry numbers (spreadsheets), text otherwise (CSV)."""

    file: str
    header: list[str]
    rows: list[Row]
    typed: bool = False


def _sidecar_problem(snapshot: Snapshot, key: str, message: str, value: Any = None) -> Problem:
    return Problem(message, file=f"{snapshot.id}.origin.yaml", field=f"layout.{key}", value=value)


def _where(row: Row, column: str) -> str:
    ref = row.refs.get(column)
    return f"cell {ref}: " if ref else ""


def text(cell: Any) -> str:
    """A cell as text: numbers without a spurious '.0' (a year typed as 2024 in a spreadsheet)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def cell_value(table: Table, row: Row, column: str) -> tuple[float | None, str | None]:
    """A value cell -> (value, symbol status). Text cells go through the CSV rules (plain notation, CBS
    symbols); in spreadsheets a number must be a number cell: '1.234' stored as text is refused, because it
    cannot be told apart from 1,234 in Dutch notation."""
    raw = row.cells.get(column)
    if raw is None:
        return None, "missing"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
        if math.isnan(value) or math.isinf(value):
            raise SourceFormatError(f"{table.file}: not a finite number", [
                Problem(f"{_where(row, column)}not finite", file=table.file, field=column, row=row.number, value=raw)])
        return value, None
    if not isinstance(raw, str):
        raise SourceFormatError(f"{table.file}: not a number", [
            Problem(f"{_where(row, column)}expected a number, found a {type(raw).__name__}", file=table.file,
                    field=column, row=row.number, value=text(raw))])
    if not table.typed:
        return parse_number(raw, table.file, column, row.number)
    symbol = raw.strip()
    if symbol in SYMBOL_STATUS:
        return None, SYMBOL_STATUS[symbol]
    if symbol in NIL_SYMBOLS:
        return 0.0, None
    raise SourceFormatError(f"{table.file}: not a number", [
        Problem(f"{_where(row, column)}expected a number cell or a CBS symbol ('.', 'x', '-'); numbers stored as "
                "text are refused (is '1.234' one thousand or one point two?)", file=table.file, field=column,
                row=row.number, value=raw)],
        hint="convert the column to numbers in the spreadsheet, or transcribe the figure to CSV in plain notation")


def _check_layout(snapshot: Snapshot, layout: dict[str, Any]) -> str:
    problems = []
    for key in ("source_id", "dataset_id", "measures"):
        if not layout.get(key):
            problems.append(_sidecar_problem(snapshot, key, "required layout key is missing"))
    unknown = sorted(set(layout) - LAYOUT_KEYS)
    problems += [_sidecar_problem(snapshot, k, f"unknown layout key; known: {sorted(LAYOUT_KEYS)}") for k in unknown]
    orientation = layout.get("orientation", "measures_in_columns")
    if orientation not in ORIENTATIONS:
        problems.append(_sidecar_problem(snapshot, "orientation", f"must be one of {list(ORIENTATIONS)}", orientation))
    else:
        needs = {"measures_in_columns": ["period_column"], "periods_in_columns": ["measure_column", "period_columns"],
                 "long": ["period_column", "measure_column"]}[orientation]
        problems += [_sidecar_problem(snapshot, k, f"required for orientation {orientation}") for k in needs if not layout.get(k)]
        if orientation == "long" and not (layout.get("value_column") or layout.get("value_columns")):
            problems.append(_sidecar_problem(snapshot, "value_column", "orientation long needs value_column or value_columns"))
    for key, spec in (layout.get("measures") or {}).items():
        if not isinstance(spec, dict) or not spec.get("indicator_id") or not spec.get("unit"):
            problems.append(_sidecar_problem(snapshot, f"measures.{key}", "each measure needs indicator_id and unit"))
        elif set(spec) - _MEASURE_KEYS:
            problems.append(_sidecar_problem(snapshot, f"measures.{key}", f"unknown keys {sorted(set(spec) - _MEASURE_KEYS)}"))
    for key, spec in (layout.get("value_columns") or {}).items():
        if set(spec or {}) - _VALUE_COLUMN_KEYS:
            problems.append(_sidecar_problem(snapshot, f"value_columns.{key}", f"unknown keys {sorted(set(spec) - _VALUE_COLUMN_KEYS)}"))
    if problems:
        raise SourceFormatError(f"Layout of {snapshot.id} is not usable", problems,
                                hint="see pipelines/sources/common/table_layout.py for the layout keys")
    return orientation


def _dimension_columns(layout: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    out = {}
    for dim, spec in (layout.get("dimensions") or {}).items():
        out[dim] = (spec["column"], spec.get("total")) if isinstance(spec, dict) else (spec, None)
    return out


def _is_period(header: str) -> bool:
    try:
        parse_period(header)
    except ValueError:
        return False
    return True


def _period_columns(layout: dict[str, Any], header: list[str], declared: set[str]) -> dict[str, str]:
    spec = layout.get("period_columns")
    if spec == "auto":
        return {h: h for h in header if h not in declared and _is_period(h)}
    if isinstance(spec, dict):
        return {str(k): str(v) for k, v in spec.items()}
    return {str(h): str(h) for h in spec or []}


def _check_header(table: Table, declared: set[str], required: set[str]) -> None:
    problems = []
    seen = set()
    for h in table.header:
        if h in seen:
            problems.append(Problem("column appears twice in the header", file=table.file, field=h))
        seen.add(h)
    missing = [Problem("required column is missing", file=table.file, field=c) for c in sorted(required - seen)]
    undeclared = [Problem("column not in layout (renamed or new?)", file=table.file, field=h)
                  for h in table.header if h and h not in declared]
    problems += missing + undeclared
    if problems:
        what = ("lacks columns its layout declares" if missing and not undeclared else
                "has columns its layout does not declare" if undeclared and not missing else
                "does not have the columns its layout declares")
        raise SourceFormatError(f"{table.file} {what}", problems,
                                hint="declare the column in the sidecar's layout (as a measure, period, dimension "
                                "or ignore_columns), or restore the file the layout describes")


def observations(snapshot: Snapshot, table: Table) -> pl.DataFrame:
    """Every figure in ``table`` as observation rows, following ``snapshot.layout``."""
    layout = snapshot.layout
    orientation = _check_layout(snapshot, layout)
    measures: dict[str, dict[str, Any]] = {str(k): v for k, v in layout["measures"].items()}
    dims = _dimension_columns(layout)
    row_columns = {k: layout[k] for k in _ROW_COLUMNS if layout.get(k)}
    base = {*(c for c, _ in dims.values()), *row_columns.values(), *(layout.get("ignore_columns") or [])}
    if orientation == "measures_in_columns":
        base |= {layout["period_column"]}
        required = base | set(measures)
        declared = set(required)
    elif orientation == "periods_in_columns":
        base |= {layout["measure_column"]}
        periods = _period_columns(layout, table.header, base)
        required = base | (set(periods) if layout.get("period_columns") != "auto" else set())
        declared = base | set(periods)
    else:
        value_columns = layout.get("value_columns") or {layout["value_column"]: {}}
        base |= {layout["period_column"], layout["measure_column"], *value_columns}
        required = declared = base
    _check_header(table, declared, required)

    skip_empty = bool(layout.get("skip_empty"))
    out: list[dict[str, Any]] = []
    for row in table.rows:
        if orientation == "measures_in_columns":
            cells = [(text(row.cells.get(layout["period_column"])), key, key, {}) for key in measures]
            period_field = layout["period_column"]
        else:
            label = text(row.cells.get(layout["measure_column"]))
            if label not in measures:
                raise SourceFormatError(f"{table.file}: a row the layout does not know", [
                    Problem(f"{_where(row, layout['measure_column'])}not a measure of the layout (new or renamed row?)",
                            file=table.file, field=layout["measure_column"], row=row.number, value=label)],
                    hint=f"declare it under layout.measures in {snapshot.id}.origin.yaml; known: {sorted(measures)}")
            if orientation == "periods_in_columns":
                cells = [(code, label, column, {}) for column, code in periods.items()]
                period_field = None
            else:
                period = text(row.cells.get(layout["period_column"]))
                cells = [(period, label, column, spec or {}) for column, spec in value_columns.items()]
                period_field = layout["period_column"]
        out += _row_observations(snapshot, table, row, cells, measures, dims, row_columns, period_field, skip_empty)
    if not out:
        raise SourceFormatError(f"{table.file} holds no figures", [Problem("no value cells were read", file=table.file)])
    return frame(out)


def _row_observations(snapshot, table, row, cells, measures, dims, row_columns, period_field, skip_empty) -> list[dict]:
    layout = snapshot.layout
    dim_labels = dict(layout.get("constants") or {})
    for dim, (column, total) in dims.items():
        value = text(row.cells.get(column))
        if value and value != total:
            dim_labels[dim] = value
    extra = {k: text(row.cells.get(c)) or None for k, c in row_columns.items()}
    base_status = extra.pop("status_column", None) or layout.get("status", "published")
    rows = []
    for period, key, column, spec in cells:
        raw = row.cells.get(column)
        if (skip_empty or spec.get("skip_empty")) and (raw is None or (isinstance(raw, str) and not raw.strip())):
            continue
        value, symbol_status = cell_value(table, row, column)
        measure = measures[key]
        suffix = spec.get("indicator_suffix", "")
        try:
            rows.append(observation(
                snapshot,
                source_row=row.number,
                source_id=layout["source_id"],
                dataset_id=str(layout["dataset_id"]),
                indicator_id=measure["indicator_id"] + suffix,
                measure=key + suffix,
                measure_label=spec.get("label") or measure.get("label"),
                # transcriptions carry dimension labels only; the label doubles as key
                dimensions=dim_labels,
                dimension_labels=dim_labels,
                period=period,
                period_label=extra.get("period_label_column"),
                value=value,
                value_qualifier=extra.get("qualifier_column"),
                unit=spec.get("unit") or measure["unit"],
                decimals=measure.get("decimals"),
                status=symbol_status or base_status,
                quote=extra.get("quote_column"),
                url=extra.get("url_column"),
                locator=extra.get("locator_column"),
                confidence=measure.get("confidence"),
            ))
        except ValueError as exc:
            where = period_field or column
            raise SourceFormatError(f"{table.file}: bad period", [
                Problem(f"{_where(row, where)}{exc}", file=table.file, field=where, row=row.number, value=period)]) from exc
    return rows

