"""The one long shape every source lands in: one row per figure.

CBS tables, UWV files, Kamerbrief transcriptions and the published-estimates register all become rows of
this shape, so SQL treats every source alike. Provenance travels with each row: the snapshot it came from
(id, sha256, row number in that file) and, where the source gives it per figure, the document, URL,
locator and quote. Column meanings are documented in ``data_contracts/`` (the contracts are the source of
the DuckDB column comments).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from pipelines.core.periods import parse_period
from pipelines.core.snapshots import Snapshot

OBSERVATION_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String,
    "dataset_id": pl.String,
    "indicator_id": pl.String,
    "measure": pl.String,
    "measure_label": pl.String,
    "breakdown": pl.String,
    "dimensions": pl.String,
    "dimension_labels": pl.String,
    "period_code": pl.String,
    "period_type": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "period_label": pl.String,
    "value": pl.Float64,
    "value_qualifier": pl.String,
    "value_lower": pl.Float64,
    "value_upper": pl.Float64,
    "unit": pl.String,
    "decimals": pl.Int32,
    "status": pl.String,
    "vintage": pl.String,
    "snapshot_id": pl.String,
    "snapshot_sha256": pl.String,
    "source_row": pl.Int32,
    "publisher": pl.String,
    "document_title": pl.String,
    "url": pl.String,
    "locator": pl.String,
    "published": pl.String,
    "quote": pl.String,
    "how_obtained": pl.String,
    "confidence": pl.String,
    "from_snapshot_document": pl.Boolean,
}

# Raw tables keep statuses as the source states them; staging maps them (sql/macros/monitor_status.sql) onto the
# vocabulary the contracts check (data_contracts/). 'projection' marks a scenario or forecast, the only figures
# allowed a period after today.


# A CBS StatLine table id (84545NED, 37518TOT): a figure from one can be located by table, measure, keys and period.
STATLINE_TABLE = re.compile(r"^\d{5}[A-Z0-9]{3}$")


def statline_locator(dataset_id: str, measure: str, breakdown: str, period_code: str) -> str:
    """Where a StatLine figure is: table id, measure key, dimension keys and period (generated, never typed)."""
    return f"StatLine {dataset_id}: {measure}" + (f", {breakdown}" if breakdown else "") + f", {period_code}"


def breakdown_key(dimensions: Mapping[str, str]) -> str:
    """Canonical text key of a breakdown: ``Dim=key;Dim2=key`` sorted by dimension, '' for a national total."""
    return ";".join(f"{k}={v}" for k, v in sorted(dimensions.items()))


def observation(
    snapshot: Snapshot,
    *,
    source_row: int,
    source_id: str,
    dataset_id: str,
    indicator_id: str,
    measure: str,
    period: str,
    value: float | None,
    unit: str,
    status: str,
    measure_label: str | None = None,
    dimensions: Mapping[str, str] | None = None,
    dimension_labels: Mapping[str, str] | None = None,
    period_label: str | None = None,
    decimals: int | None = None,
    value_qualifier: str | None = None,
    value_lower: float | None = None,
    value_upper: float | None = None,
    vintage: str | None = None,
    publisher: str | None = None,
    document_title: str | None = None,
    url: str | None = None,
    locator: str | None = None,
    published: str | None = None,
    quote: str | None = None,
    confidence: str | None = None,
) -> dict[str, Any]:
    """One observation row; origin fields the row does not carry fall back to the snapshot's sidecar."""
    origin = snapshot.origin
    parsed = parse_period(period)
    dims = dict(dimensions or {})
    return {
        "source_id": source_id,
        "dataset_id": dataset_id,
        "indicator_id": indicator_id,
        "measure": measure,
        "measure_label": measure_label,
        "breakdown": breakdown_key(dims),
        "dimensions": json.dumps(dims, ensure_ascii=False, sort_keys=True),
        "dimension_labels": json.dumps(dict(dimension_labels or {}), ensure_ascii=False, sort_keys=True),
        "period_code": parsed.code,
        "period_type": parsed.type,
        "period_start": parsed.start,
        "period_end": parsed.end,
        "period_label": period_label or parsed.label,
        "value": value,
        "value_qualifier": value_qualifier,
        "value_lower": value_lower,
        "value_upper": value_upper,
        "unit": unit,
        "decimals": decimals,
        "status": status,
        "vintage": vintage if vintage is not None else str(origin.get("vintage") or origin["published"]),
        "snapshot_id": snapshot.id,
        "snapshot_sha256": snapshot.sha256,
        "source_row": source_row,
        "publisher": publisher or origin["producer"],
        "document_title": document_title or origin["title"],
        "url": url or origin["url"],
        "locator": locator if locator is not None else origin.get("locator") or (
            statline_locator(dataset_id, measure, breakdown_key(dims), parsed.code)
            if source_id == "cbs" and STATLINE_TABLE.match(dataset_id) else None),
        "published": published or str(origin["published"]),
        "quote": quote,
        "how_obtained": origin["obtained"],
        "confidence": confidence or origin.get("confidence"),
        # the row names no document of its own: it comes from the document the snapshot is (its citation applies)
        "from_snapshot_document": url is None and document_title is None,
    }


def frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows -> a DataFrame with exactly the observation schema (column order and types)."""
    rows = list(rows)
    return pl.DataFrame(rows, schema=OBSERVATION_SCHEMA) if rows else empty()


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)
