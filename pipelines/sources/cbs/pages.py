"""The data pages of a capture as compact long frames: one row per cell, before labels and provenance.

Each page's bytes come from ``Snapshot.member``, which verifies them against the manifest's sha256 first;
only those verified bytes are parsed. Parsing uses polars' JSON reader with the schema the metadata gives
(no Python object per row). A page that reader cannot take as it is (a value of an unexpected type, a
number out of range, bytes that are not UTF-8 JSON, an empty row object) is parsed again the slow way,
``json.loads`` + ``pl.from_dicts(strict=False)``, which is what the reader always did: the result never
depends on which of the two parsed a page. (One exception: a row object naming the same field twice, which
JSON leaves undefined and OData does not send: polars keeps the first value, ``json`` the last.)

A compact frame has the columns ``source_row`` (row id + 1), ``k0`` .. ``k<n>`` (the keys of the table's
dimensions in ``CaptureMeta.dimensions`` order, padding stripped; positional names so that no dimension name
can clash with ours), ``measure``, ``value`` and ``symbol_status`` (the status a cell's CBS symbol or v4
ValueAttribute gives, else null).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot
from pipelines.sources.cbs.odata import tablemeta
from pipelines.sources.common.csv_text import NIL_SYMBOLS, SYMBOL_STATUS

# The CBS symbols, written once (pipelines/sources/common/csv_text.py): '.'/'' missing, 'x' secret, '-' nil.
NIL = tuple(NIL_SYMBOLS)
MISSING = [symbol for symbol, status in SYMBOL_STATUS.items() if status == "missing"]
SECRET = [symbol for symbol, status in SYMBOL_STATUS.items() if status == "secret"]
# v4 ValueAttribute -> status. Only 'None' (a plain value) is confirmed in stored material; the others are
# the names CBS is understood to use [knowledge]. An unknown attribute is kept, lower-cased, for staging.
V4_ATTRIBUTES = {"none": None, "missing": "missing", "impossible": "missing", "confidential": "secret", "secret": "secret"}


def key_column(position: int) -> str:
    """The compact frame's column for the dimension at ``position`` in ``CaptureMeta.dimensions``."""
    return f"k{position}"


def row_schema(meta: tablemeta.CaptureMeta) -> dict[str, pl.DataType]:
    """The fields of one data row, as the API delivers them."""
    dim_keys = [d.key for d in meta.dimensions]
    if meta.api == "v4":
        return {"Id": pl.Int64, "Measure": pl.String, "ValueAttribute": pl.String, "Value": pl.Float64} | {d: pl.String for d in dim_keys}
    typed = meta.data_set != "UntypedDataSet"
    return {"ID": pl.Int64} | {d: pl.String for d in dim_keys} | {m: (pl.Float64 if typed else pl.String) for m in meta.measures}


def _fast_rows(data: bytes, schema: dict[str, pl.DataType]) -> pl.DataFrame | None:
    """The page's ``value`` rows read by polars, or None where that reader cannot take the page as it is."""
    try:
        top = pl.read_json(io.BytesIO(data), schema={"value": pl.List(pl.Struct(schema))})
    except Exception:  # any refusal (ComputeError, a panic surfaced as an exception): the slow path decides
        return None
    if top.height != 1 or top["value"].null_count():
        return None  # no 'value' list: the slow path names the problem
    values = top["value"]
    if values.list.len()[0] == 0:
        return pl.DataFrame(schema=schema)
    structs = values.explode()
    if structs.null_count():
        return None  # a row that is JSON null, not an object
    return structs.struct.unnest()


def _slow_rows(data: bytes, schema: dict[str, pl.DataType], file: str) -> pl.DataFrame:
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise SourceFormatError(f"Captured page is not JSON: {file}", [Problem(str(exc), file=file)]) from exc
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise SourceFormatError(f"Captured data page has no 'value' list: {file}", [Problem("not an OData page", file=file)])
    rows = body["value"]
    return pl.from_dicts(rows, schema=schema, strict=False) if rows else pl.DataFrame(schema=schema)


def page_rows(data: bytes, meta: tablemeta.CaptureMeta, file: str) -> pl.DataFrame:
    """The rows of one verified data page, typed by ``row_schema``."""
    schema = row_schema(meta)
    rows = _fast_rows(data, schema)
    return rows if rows is not None else _slow_rows(data, schema, file)


def page_frame(rows: pl.DataFrame, meta: tablemeta.CaptureMeta, file: str) -> pl.DataFrame:
    """One page's rows -> the compact long frame (module docstring)."""
    dim_keys = [d.key for d in meta.dimensions]
    keys = [pl.col(d).str.strip_chars_end().alias(key_column(i)) for i, d in enumerate(dim_keys)]
    if meta.api == "v4":
        attr = rows["ValueAttribute"].str.to_lowercase()
        status = attr.replace_strict(V4_ATTRIBUTES, default=attr, return_dtype=pl.String)
        return rows.select(
            (pl.col("Id") + 1).alias("source_row"), *keys,
            pl.col("Measure").alias("measure"), pl.col("Value").alias("value"), status.alias("symbol_status"),
        )
    typed = meta.data_set != "UntypedDataSet"
    long = rows.unpivot(index=["ID", *dim_keys], on=list(meta.measures), variable_name="measure", value_name="raw")
    if typed:
        value, symbol = pl.col("raw"), pl.when(pl.col("raw").is_null()).then(pl.lit("missing"))
    else:
        text = pl.col("raw").str.strip_chars()
        number = text.str.strip_chars_end("*").cast(pl.Float64, strict=False)
        value = pl.when(text.is_in(NIL)).then(0.0).otherwise(number)
        symbol = (pl.when(text.is_null() | text.is_in(MISSING)).then(pl.lit("missing"))
                  .when(text.is_in(SECRET)).then(pl.lit("secret"))
                  .when(text.str.ends_with("*") & number.is_not_null()).then(pl.lit("voorlopig")))
        bad = long.filter(text.is_not_null() & ~text.is_in([*MISSING, *SECRET, *NIL]) & number.is_null()).head(3)
        if bad.height:
            raise SourceFormatError(f"{file}: value is neither a number nor a CBS symbol",
                                    [Problem("not a number or symbol", file=file, field=r["measure"], row=r["ID"] + 1, value=r["raw"])
                                     for r in bad.to_dicts()])
    return long.select(
        (pl.col("ID") + 1).alias("source_row"), *keys,
        "measure", value.alias("value"), symbol.alias("symbol_status"),
    )


def compact_frames(snapshot: Snapshot, meta: tablemeta.CaptureMeta, min_rows: int = 50_000) -> Iterator[pl.DataFrame]:
    """The capture's cells in page order, pages gathered into frames of at least ``min_rows`` rows (the last
    may be smaller). Each page is verified and parsed only when its frame is needed."""
    batch: list[pl.DataFrame] = []
    size = 0
    for name in meta.data_members:
        file = f"{snapshot.id} -> {name}"
        frame = page_frame(page_rows(snapshot.member(name), meta, file), meta, file)
        batch.append(frame)
        size += frame.height
        if size >= min_rows:
            yield pl.concat(batch)
            batch, size = [], 0
    if batch:
        yield pl.concat(batch)
