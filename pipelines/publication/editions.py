"""Editions as data: which figures belong to an annual edition, and the edition's own warehouse.

The register ``data_contracts/registers/editions.yaml`` (table ``raw_monitor__editions``) gives every edition a
cut-off date. An edition holds the figures that were *known on its cut-off date*:

- a dated figure when the last day its vintage can mean (``monitor_vintage_end``: the day; the end of the month
  or year the source gives) is on or before the cut-off;
- an undated figure when its snapshot was retrieved on or before the cut-off (we knew it once we held it).

``build_edition_warehouse`` copies the working warehouse's raw tables with that rule applied (observation rows
filtered; snapshot origins kept for the snapshots the edition uses or held by the cut-off; registers whole) and
runs every SQL model of ``sql/`` on them in dependency order — the same SQL as the regular build, so the
current-figure rule (``sql/marts/mart__figures.sql``) picks each edition's current figure among the vintages it
knew. Building edition 2026 in 2028 therefore gives edition 2026, not the data of 2028.

Everything an edition's files carry is derived from the data and the commit, never from the clock:
``source_date_epoch`` (midnight UTC after the cut-off) is the ``SOURCE_DATE_EPOCH`` of the render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path

import duckdb

from pipelines.core.errors import Problem, PublishError
from pipelines.core.warehouse import connect
from pipelines.core.warehouse_backends import attach

EDITIONS_TABLE = "raw_monitor__editions"
ORIGINS_TABLE = "raw_snapshots__origins"
EDITION_FIGURES = "mart__edition_figures"
OBSERVATION_COLUMNS = {"vintage", "published", "snapshot_id", "source_row"}

# The rule, once: a row of an observation table `o` (joined to its snapshot origin `s`) is known on `cutoff`.
KNOWN_ON_CUTOFF = """
    CASE WHEN monitor_vintage_date(o.vintage, o.published) IS NOT NULL
         THEN monitor_vintage_end(monitor_vintage_date(o.vintage, o.published),
                                  monitor_vintage_precision(o.vintage, o.published)) <= $cutoff
         ELSE coalesce(monitor_vintage_end(monitor_vintage_date(s.retrieved, s.retrieved),
                                           monitor_vintage_precision(s.retrieved, s.retrieved)) <= $cutoff, false)
    END"""
SNAPSHOT_HELD_ON_CUTOFF = """
    coalesce(monitor_vintage_end(monitor_vintage_date(s.retrieved, s.retrieved),
                                 monitor_vintage_precision(s.retrieved, s.retrieved)) <= $cutoff, false)"""


@dataclass(frozen=True)
class Edition:
    edition: str
    cutoff: date
    note: str


def register_editions(path: Path | None = None) -> list[Edition]:
    """The editions of the register file (the Dagster partitions are read from here when the code loads)."""
    from pipelines.registers import REGISTERS_DIR, read_records

    path = path or REGISTERS_DIR / "editions.yaml"
    editions = []
    for i, record in enumerate(read_records(path), 1):
        cutoff = record.get("cutoff")
        if not isinstance(cutoff, date) or not record.get("edition"):
            raise PublishError(f"Register {path.name}: record {i} needs an edition and a cut-off date (YYYY-MM-DD)",
                               [Problem("missing or not a date", file=str(path), row=i, field="cutoff", value=cutoff)])
        editions.append(Edition(str(record["edition"]), cutoff, str(record.get("note") or "")))
    return editions


def edition_in_warehouse(con: duckdb.DuckDBPyConnection, edition: str) -> Edition:
    """The register's record of ``edition`` as loaded into the warehouse (``raw_monitor__editions``)."""
    row = con.execute(f"SELECT edition, cutoff, note FROM {EDITIONS_TABLE} WHERE edition = ?", [edition]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute(f"SELECT edition FROM {EDITIONS_TABLE} ORDER BY 1").fetchall()]
        raise PublishError(f"Edition {edition} is not in the editions register",
                           [Problem(f"known editions: {known}", file="data_contracts/registers/editions.yaml",
                                    field="edition", value=edition)],
                           hint="add its record (edition, cutoff, note) to data_contracts/registers/editions.yaml "
                                "and build again")
    return Edition(*row)


def newest_edition(con: duckdb.DuckDBPyConnection) -> str | None:
    """The register's newest edition (latest cut-off) in the database of ``con``: the edition a regular build
    (``monitor build``) prepares, and so the label of its report; None when the register is empty."""
    row = con.execute(f"SELECT edition FROM {EDITIONS_TABLE} ORDER BY cutoff DESC, edition DESC LIMIT 1").fetchone()
    return row[0] if row else None


def source_date_epoch(cutoff: date) -> int:
    """The edition's timestamp for every file that records one: the end of its cut-off day, UTC."""
    return int(datetime.combine(cutoff, time(23, 59, 59), tzinfo=timezone.utc).timestamp())


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'work' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()]


def build_edition_warehouse(work: Path, target: Path, cutoff: date, with_editions: bool = True,
                            only: Sequence[str] = ()) -> dict[str, int]:
    """Write ``target`` (a fresh DuckDB file): the raw tables of ``work`` as known on ``cutoff`` and every SQL
    model built on them. Returns rows kept per raw observation table. The file is written under a temporary
    name and renamed, so a failure leaves nothing half-written.

    ``with_editions``: also copy ``mart__edition_figures`` (the editions up to this cut-off) so that the models
    comparing editions are built; without it (or without that table in ``work``) they are left out.

    ``only``: build just these SQL models and the models they read (default: every model)."""
    from pipelines.transform.sql_models import build_order, discover, discover_macros, macro_statements

    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal"), target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    kept: dict[str, int] = {}
    try:
        with connect(partial) as con:
            con.execute("SET threads = 1")  # one thread: rows land in the order the SELECT gives them
            for statement in macro_statements([m.name for m in discover_macros()]):
                con.execute(statement)
            attach(con, work, "work", read_only=True)  # the working warehouse: a file or the lake
            raw = [r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'work' AND table_name LIKE 'raw\\_%' "
                "ESCAPE '\\' ORDER BY 1").fetchall()]
            if ORIGINS_TABLE not in raw or EDITIONS_TABLE not in raw:
                raise PublishError(f"The warehouse {work} has no {ORIGINS_TABLE} or {EDITIONS_TABLE}",
                                   [Problem("missing table", file=str(work))],
                                   hint="build the warehouse first (`monitor validate` or `monitor build`)")
            observation_tables = [t for t in raw if t != ORIGINS_TABLE and OBSERVATION_COLUMNS <= set(_columns(con, t))]
            for table in observation_tables:
                con.execute(f'CREATE TABLE "{table}" AS SELECT o.* FROM work."{table}" o '
                            f"LEFT JOIN work.{ORIGINS_TABLE} s ON s.snapshot_id = o.snapshot_id "
                            f"WHERE {KNOWN_ON_CUTOFF} ORDER BY o.snapshot_id, o.source_row", {"cutoff": cutoff})
                kept[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            used = " UNION ".join(f'SELECT snapshot_id FROM "{t}"' for t in observation_tables) or "SELECT NULL"
            con.execute(f"CREATE TABLE {ORIGINS_TABLE} AS SELECT s.* FROM work.{ORIGINS_TABLE} s "
                        f"WHERE s.snapshot_id IN ({used}) OR {SNAPSHOT_HELD_ON_CUTOFF} ORDER BY s.snapshot_id",
                        {"cutoff": cutoff})
            for table in raw:
                if table not in observation_tables and table != ORIGINS_TABLE:
                    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM work."{table}"')
            if with_editions and con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'work' "
                                             "AND table_name = ?", [EDITION_FIGURES]).fetchone()[0]:
                con.execute(f"CREATE TABLE {EDITION_FIGURES} AS SELECT * FROM work.{EDITION_FIGURES} "
                            "WHERE cutoff <= $cutoff ORDER BY ALL", {"cutoff": cutoff})
            con.execute("DETACH work")
            models = {m.name: m for m in discover()}
            present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            for name in build_order({m.name: m.references for m in models.values()}, roots=only):
                model = models[name]
                if not set(model.references) <= present:
                    continue  # reads what this warehouse does not hold (the editions comparison, when building it)
                kind = "VIEW" if model.materialized == "view" else "TABLE"
                con.execute(f'CREATE {kind} "{name}" AS\n{model.sql}')
                present.add(name)
            con.execute("CHECKPOINT")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    return kept
