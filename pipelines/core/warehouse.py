"""The working DuckDB warehouse that Dagster assets write, and the export of the published database.

Assets never share a long-lived connection: each opens the working file, does its work and closes it,
so the in-process executor runs them one after another without lock conflicts (stack notes: one
read-write connection locks out every other process). The published ``monitor.duckdb`` is never written
in place: ``export_database`` writes a fresh, compact file from the working warehouse, which
``publish.release`` then swaps in atomically.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core import warehouse_backends as backends
from pipelines.core.errors import Problem, PublishError


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The DuckDB file at ``path``; the working warehouse may be a DuckLake instead (MONITOR_WAREHOUSE: attached
    and in use, pipelines/core/warehouse_backends.py)."""
    limit = memory_limit()
    con = backends.open_connection(Path(path), read_only=read_only, config={"memory_limit": limit} if limit else None)
    try:
        yield con
    finally:
        con.close()


def memory_limit() -> str | None:
    """DuckDB's memory limit for warehouse connections: ``MONITOR_DUCKDB_MEMORY`` or the policy's (pipelines/policy.py);
    None: DuckDB's default."""
    from pipelines import policy

    return os.environ.get("MONITOR_DUCKDB_MEMORY") or policy.WAREHOUSE_MEMORY_LIMIT


def replace_table(con: duckdb.DuckDBPyConnection, name: str, df: pl.DataFrame,
                  append: Sequence[Callable[[duckdb.DuckDBPyConnection, str], int]] = ()) -> int:
    """Create or replace table ``name`` with the rows of ``df`` (atomically, in one transaction); then, in the
    same transaction, each of ``append`` adds rows (``fill(con, name)`` -> rows added: streaming loaders).
    Returns the number of rows written."""
    con.register("_incoming", df.to_arrow())
    try:
        con.execute("BEGIN")
        # An empty frame makes the table WITH NO DATA rather than appending zero rows: DuckDB 1.5.6 silently loses
        # the rows of a large INSERT that follows a zero-row append in the same transaction (docs/cbs.md).
        no_data = "" if df.height else " WITH NO DATA"
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming{no_data}')
        added = sum(fill(con, name) for fill in append)
        con.execute("COMMIT")
    except Exception:
        backends.rollback_quietly(con)
        raise
    finally:
        con.unregister("_incoming")
    return df.height + added


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "AND table_catalog = current_database()").fetchall()}


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns of the main schema without a comment (``table`` or ``table.column``)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND coalesce(trim(comment), '') = '' "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal "
        "AND schema_name = 'main' AND coalesce(trim(comment), '') = '' "
        "UNION ALL SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND coalesce(trim(comment), '') = '' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_database(work: Path, target: Path, tables: Sequence[str], views: dict[str, str] | None = None,
                    comments: Sequence[str] = (), macros: Sequence[str] = ()) -> None:
    """Write a fresh DuckDB file holding ``tables`` (copied from ``work``), ``macros`` (CREATE MACRO statements the
    views call), ``views`` (name -> SELECT, created in the given order) and ``comments`` (COMMENT ON statements). Every table, view and column must end up with a
    comment. The target is written under a temporary name in its own directory, synced and renamed, so a failure
    leaves no half-written file and a reader never sees one."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with connect(partial) as con:
            backends.attach(con, work, "work", read_only=True)
            for name in tables:
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM work."{name}"')
            con.execute("DETACH work")
            con.execute("BEGIN")  # one transaction: a commit per COMMENT ON would cost a WAL sync each
            for statement in macros:
                con.execute(statement)
            for name, select in (views or {}).items():
                con.execute(f'CREATE VIEW "{name}" AS {select}')
            for statement in comments:
                con.execute(statement)
            con.execute("COMMIT")
            missing = undocumented(con)
            if missing:
                raise PublishError("Published tables and columns without a description; nothing was published",
                                   [Problem("no COMMENT ON", field=m) for m in missing],
                                   hint="describe them in their data contract (data_contracts/)")
            con.execute("CHECKPOINT")
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        partial.replace(target)
        fsync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
