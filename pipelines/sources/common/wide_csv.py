"""Read a CSV table as observations, laid out as its sidecar's ``layout`` says.

The layout (orientation, period and measure columns, dimensions) is interpreted by
``pipelines/sources/common/table_layout.py``, which the spreadsheet reader (``xlsx_table.py``) shares, so
a CSV and an Excel download of the same table need the same layout. The default orientation is one row per
period and one column per measure::

    layout:
      reader: wide_csv            # or csv_table: the same reader, any orientation
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
added column is an error, not a silently dropped figure. CSV cells are text in plain notation; CBS symbols
('.', 'x', '-') become statuses.
"""

from __future__ import annotations

import polars as pl

from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.csv_text import read_rows
from pipelines.sources.common.table_layout import Row, Table, observations


def csv_table(snapshot: Snapshot) -> Table:
    header, rows = read_rows(snapshot.data, snapshot.id)
    return Table(
        file=snapshot.id,
        header=header,
        rows=[Row(int(r["__row__"]), {k: v for k, v in r.items() if k != "__row__"}) for r in rows],
    )


def read_wide_csv(snapshot: Snapshot) -> pl.DataFrame:
    return observations(snapshot, csv_table(snapshot))
