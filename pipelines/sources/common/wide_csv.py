"""Read a wide CSV table (one row per period, one column per measure) as observations.

The layout lives in the snapshot's origin sidecar under ``layout`` so that a new edition of a file is a
data change, not a code change::

    layout:
      reader: wide_csv
      source_id: cbs
      dataset_id: 84545NED
      period_column: Perioden            # codes like 2024KW01, 2024JJ00, 2024
      period_label_column: perioden_label  # optional
      status_column: status              # optional; else `status` below (default 'published')
      quote_column: source_statement     # optional, per-row quote
      dimensions: {SeizoenEnWerkdagcorrectie: SeizoenEnWerkdagcorrectie}   # dimension -> column with its label
      constants: {SeizoenEnWerkdagcorrectie: Seizoengecorrigeerde cijfers}  # dimension -> fixed label
      ignore_columns: [table_id]
      measures:
        vacatures_sa_openstaand_x1000:
          indicator_id: vacatures_openstaand_sa
          label: Openstaande vacatures (seizoengecorrigeerd)
          unit: x 1 000
          decimals: 1

Every column must be declared (period, label, status, quote, dimension, measure or ignored): a renamed or
added column is an error, not a silently dropped figure.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.observations import frame, observation
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.csv_text import parse_number, read_rows

_REQUIRED_LAYOUT = ("source_id", "dataset_id", "period_column", "measures")


def _layout(snapshot: Snapshot) -> dict[str, Any]:
    layout = snapshot.layout
    missing = [k for k in _REQUIRED_LAYOUT if not layout.get(k)]
    if missing:
        raise SourceFormatError(
            f"Layout of {snapshot.id} is incomplete",
            [Problem("required layout key is missing", file=f"{snapshot.id}.origin.yaml", field=f"layout.{k}") for k in missing],
        )
    return layout


def read_wide_csv(snapshot: Snapshot) -> pl.DataFrame:
    layout = _layout(snapshot)
    file = snapshot.id
    measures: dict[str, dict[str, Any]] = layout["measures"]
    dims: dict[str, str] = layout.get("dimensions") or {}
    declared = {
        layout["period_column"],
        *(c for c in (layout.get("period_label_column"), layout.get("status_column"), layout.get("quote_column")) if c),
        *dims.values(),
        *measures,
        *(layout.get("ignore_columns") or []),
    }
    header, rows = read_rows(snapshot.data, file, required=sorted(declared))
    unknown = [c for c in header if c not in declared]
    if unknown:
        raise SourceFormatError(
            f"{file} has columns its layout does not declare",
            [Problem("column not in layout (renamed or new?)", file=file, field=c) for c in unknown],
            hint="declare the column in the sidecar's layout (as a measure, dimension or ignore_columns)",
        )
    out = []
    for row in rows:
        n = int(row["__row__"])
        period = row[layout["period_column"]].strip()
        dim_labels = {d: row[c].strip() for d, c in dims.items()} | dict(layout.get("constants") or {})
        base_status = row[layout["status_column"]].strip() if layout.get("status_column") else layout.get("status", "published")
        for column, spec in measures.items():
            value, symbol_status = parse_number(row[column], file, column, n)
            try:
                out.append(
                    observation(
                        snapshot,
                        source_row=n,
                        source_id=layout["source_id"],
                        dataset_id=layout["dataset_id"],
                        indicator_id=spec["indicator_id"],
                        measure=column,
                        measure_label=spec.get("label"),
                        # transcriptions carry dimension labels only; the label doubles as key
                        dimensions=dim_labels,
                        dimension_labels=dim_labels,
                        period=period,
                        period_label=row[layout["period_label_column"]].strip() if layout.get("period_label_column") else None,
                        value=value,
                        unit=spec["unit"],
                        decimals=spec.get("decimals"),
                        status=symbol_status or base_status,
                        quote=row[layout["quote_column"]].strip() if layout.get("quote_column") else None,
                        confidence=spec.get("confidence"),
                    )
                )
            except ValueError as exc:
                raise SourceFormatError(
                    f"{file}: bad period", [Problem(str(exc), file=file, field=layout["period_column"], row=n, value=period)]
                ) from exc
    return frame(out)
