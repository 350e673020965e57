"""Reader ``cbs_odata_capture``: a captured StatLine table (v3 or v4) as observations.

One row per figure (cell), in the observation shape every source lands in:

- ``dataset_id`` the table id; ``measure`` the measure key, ``measure_label`` its title (with TopicGroups);
- ``dimensions`` / ``dimension_labels``: every non-time dimension's key (padding stripped) and title, as JSON;
  ``breakdown``: the same keys except dimensions at their total and dimensions the indicator fixes
  (``tables.yaml``), so the national total has breakdown '';
- period from the time dimension (found by its Type/Kind): code, type, start, end, and the code's title as label;
- ``status``: the CBS symbol where a cell has one (missing, secret), else the time code's Status
  (Voorlopig / Definitief / Nader voorlopig, lower case; staging maps them), else 'published';
- ``vintage``: the table's Modified date; ``source_row``: the row id in the data set + 1;
- ``indicator_id``: from ``tables.yaml``, else ``cbs_<table>_<measure>``.

How (the observations are never one big frame; numbers in benchmarks/RESULTS.md): pages are verified and
parsed a batch at a time into compact cells (``pages``); what depends only on a key (labels, breakdown,
periods) is worked out once per distinct key (``lookups``); DuckDB joins the two and adds the provenance that is
the same for every row of the capture (snapshot, sha256, URL, title, ...) as constants, appending straight into
the target table (``load_capture``: the streaming loader the raw asset uses). ``read_capture`` gives the same
rows as a polars frame (``readers.read``; tests, small captures).
"""

from __future__ import annotations

import contextlib
import uuid

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import policy
from pipelines.core.errors import MonitorError, Problem, SourceFormatError
from pipelines.core.observations import OBSERVATION_SCHEMA, empty
from pipelines.core.snapshots import Snapshot
from pipelines.core.warehouse import replace_table
from pipelines.sources.cbs import pages
from pipelines.sources.cbs.duckdb_tools import DUCKDB_TYPES, lowered_memory_limit, skipped_compression
from pipelines.sources.cbs.lookups import COMBO, COMBO_SCHEMA, PERIOD, PERIOD_SCHEMA, TIME, Lookups, Map
from pipelines.sources.cbs.odata import tablemeta
from pipelines.sources.cbs.tables import TABLES_FILE, TableSpec, normalise_title, table_spec

READER = "cbs_odata_capture"
ROW_GROUP = 122_880  # DuckDB's rows per row group: one Arrow batch each, a unit of parallel work


def _resolve_maps(spec: TableSpec, meta: tablemeta.CaptureMeta, snapshot: Snapshot) -> list[Map]:
    """Each configured measure map with its measure key and where-keys found in this capture."""
    problems, out = [], []
    dims = {d.key: d for d in meta.dimensions}
    for i, m in enumerate(spec.measures):
        at = f"tables.{spec.table_id}.measures[{i}]"
        if m.key:
            key = m.key if m.key in meta.measures else None
        else:
            want = normalise_title(m.title or "")
            hits = [k for k, ms in meta.measures.items() if want in (normalise_title(ms.title), normalise_title(ms.label))]
            key = hits[0] if len(hits) == 1 else None
        if key is None:
            problems.append(Problem(f"measure {m.key or m.title!r} is not in this capture (measures: "
                                    f"{', '.join(f'{k} {ms.label!r}' for k, ms in list(meta.measures.items())[:8])})",
                                    file=TABLES_FILE.name, field=at))
            continue
        where = {}
        for dim, want in m.where.items():
            d = dims.get(dim)
            if d is None:
                problems.append(Problem(f"dimension {dim!r} is not in this capture", file=TABLES_FILE.name, field=f"{at}.where"))
                continue
            if want.key is not None:
                found = want.key.rstrip() if want.key.rstrip() in d.codes else None
            else:
                titles = [k for k, c in d.codes.items() if normalise_title(c.title) == normalise_title(want.title or "")]
                found = titles[0] if len(titles) == 1 else None
            if found is None:
                problems.append(Problem(f"{dim} has no code {want.key or want.title!r}", file=TABLES_FILE.name, field=f"{at}.where.{dim}"))
                continue
            where[dim] = found
        out.append((m, key, where))
    if problems:
        raise SourceFormatError(f"{snapshot.id}: tables.yaml does not match the captured table {spec.table_id}", problems,
                                hint="CBS may have renamed a measure or code; correct the entry in pipelines/sources/cbs/tables.yaml")
    return out


def _constants(snapshot: Snapshot, meta: tablemeta.CaptureMeta) -> dict[str, object]:
    """Observation columns that are the same for every row of the capture."""
    origin = snapshot.origin
    return {
        "source_id": "cbs", "dataset_id": meta.table_id, "value_qualifier": None, "value_lower": None, "value_upper": None,
        "vintage": meta.modified[:10], "snapshot_id": snapshot.id, "snapshot_sha256": snapshot.sha256,
        "publisher": origin["producer"], "document_title": origin["title"], "url": origin["url"],
        "locator": f"{meta.data_set} (row = ID + 1)" if meta.api == "v3" else "Observations (row = Id + 1)",
        "published": str(origin["published"]), "quote": None, "how_obtained": origin["obtained"],
        "confidence": origin.get("confidence"), "from_snapshot_document": True,
    }


def _insert_sql(table: str, cells: str, combos: str, periods: str, constants: dict) -> str:
    """Cells joined to their lookups, constants as typed parameters, appended to ``table`` by column name."""
    const = [f'CAST(${name} AS {DUCKDB_TYPES[OBSERVATION_SCHEMA[name]]}) AS "{name}"' for name in constants]
    combo = [f'k."{a}"' for a in COMBO_SCHEMA if a != COMBO]
    period = [f'p."{a}"' for a in PERIOD_SCHEMA if a not in (PERIOD, TIME, "period_status")]
    return (f'INSERT INTO "{table}" BY NAME SELECT {", ".join(const + combo + period)}, c.value, c.source_row, '
            "coalesce(c.symbol_status, p.period_status, 'published') AS status "
            f'FROM "{cells}" c LEFT JOIN "{combos}" k ON c."{COMBO}" = k."{COMBO}" '
            f'LEFT JOIN "{periods}" p ON c."{PERIOD}" = p."{PERIOD}"')


def load_capture(snapshot: Snapshot, con: duckdb.DuckDBPyConnection, table: str,
                 memory_limit: str | None = policy.CBS_LOAD_MEMORY_LIMIT) -> int:
    """Append the capture's observations to ``table`` (observation columns); returns the row count. Runs in the
    caller's transaction: on an error nothing the caller has not committed stays.

    Two steps: the pages, a batch at a time, become compact cells (ids of their key combination and period,
    value, symbol status: about 40 bytes a cell, kept as Arrow) while the lookups grow; then one INSERT joins it
    all, with DuckDB's memory_limit lowered to ``memory_limit`` (None: left as it is). The cells are handed to
    DuckDB in row-group-sized Arrow batches, which its threads scan, join and write in parallel."""
    meta = tablemeta.load(snapshot)
    spec = table_spec(meta.table_id)
    lookups = Lookups(spec, meta, _resolve_maps(spec, meta, snapshot), snapshot.id)
    cells, combos, periods = [], [], []
    for frame in pages.compact_frames(snapshot, meta):
        with_ids, new_combos, new_periods = lookups.add(frame)
        cells += [b for part in with_ids.iter_slices(ROW_GROUP) for b in part.to_arrow().to_batches()]
        combos.append(new_combos)
        periods.append(new_periods)
    count = sum(b.num_rows for b in cells)
    if not count:  # never a zero-row INSERT: DuckDB 1.5.6 then loses the rows of a later large one (docs/cbs.md)
        return 0
    constants = _constants(snapshot, meta)
    views = {"cells": pa.Table.from_batches(cells), "combos": pl.concat(combos).to_arrow(), "periods": pl.concat(periods).to_arrow()}
    names = {k: f"_cbs_{k}_{uuid.uuid4().hex}" for k in views}
    before = _rows(con, table)
    try:
        for key, view in views.items():
            con.register(names[key], view)
        with lowered_memory_limit(con, memory_limit), skipped_compression(con, policy.CBS_LOAD_SKIP_COMPRESSION):
            con.execute(_insert_sql(table, names["cells"], names["combos"], names["periods"], constants), constants)
    finally:
        for name in names.values():
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    if (inserted := _rows(con, table) - before) != count:  # never a property of the data: stop, loudly
        raise MonitorError(f"{snapshot.id}: {count} cells, but {inserted} observations arrived in {table}",
                           [Problem("the insert did not add one row per cell", file=snapshot.id)],
                           hint="a defect in the loader or in DuckDB; nothing was committed. Report it with this message.")
    return count


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def read_capture(snapshot: Snapshot) -> pl.DataFrame:
    """The capture's observations as one polars frame (the observation schema); same rows as ``load_capture``."""
    with duckdb.connect() as con:  # in memory: no memory_limit, which would spill into ./.tmp
        replace_table(con, "observations", empty())
        load_capture(snapshot, con, "observations", memory_limit=None)
        df = con.table("observations").pl()
    return df.select([pl.col(name).cast(dtype) for name, dtype in OBSERVATION_SCHEMA.items()])


