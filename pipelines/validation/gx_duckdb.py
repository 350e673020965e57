"""Great Expectations' SQL datasource on the warehouse connection a check is given.

GX validates the table where it lies: its SQL execution engine (SQLAlchemy with duckdb-engine) sends
aggregate queries to DuckDB and fetches a few offending rows; no copy of the table leaves the database.

Why this module exists. GX 1.24 runs a query as ``with engine.connect() as c: result = c.execute(q)``
and fetches *after* the block (``SqlAlchemyExecutionEngine.execute_query``; only sqlite, mssql, bigquery
and databricks keep their connection open). Leaving the block closes the SQLAlchemy connection, which
rolls back the transaction SQLAlchemy began. duckdb-engine's cursor is not a cursor of its own but the
DuckDB connection itself, so that ROLLBACK replaces the pending result and GX fetches nothing: every
expectation fails with ``MetricResolutionError: list index out of range`` (bundled metrics) or
``'NoneType' object is not subscriptable`` (query metrics), and none says why.

The fix: the checks only read, so the DB-API connection SQLAlchemy gets (``_AutocommitConnection``)
runs in DuckDB's autocommit mode, where every statement is its own transaction: ``begin``, ``commit``
and ``rollback`` do nothing, and a result stays until it is fetched. Closing it leaves the warehouse
connection open, since that belongs to the caller (a check's ``warehouse.connect``), and every query
runs on it, so views, attached databases (DuckLake) and the connection's settings are what GX sees.

One GX context and one datasource serve the whole process (``_warehouse``); ``bound_to`` points them at
the connection of the check that runs (one at a time: a lock), and each table gets its table asset once.
``great_expectations`` costs ~5 s to import and is imported on first use.
"""

from __future__ import annotations

import functools
import os
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import duckdb

DATASOURCE = "monitor_warehouse"

_lock = threading.RLock()
_bound: list[duckdb.DuckDBPyConnection] = []  # the connection of the check that holds the lock


class _AutocommitConnection:
    """The DB-API connection SQLAlchemy uses: the caller's DuckDB connection in autocommit mode.

    Transactions are DuckDB's per statement; SQLAlchemy's begin/commit/rollback would, on the shared
    connection, discard the result GX has yet to fetch (module docstring), so they do nothing."""

    autocommit = True
    closed = False

    def __init__(self, con: duckdb.DuckDBPyConnection):
        from duckdb_engine import ConnectionWrapper

        self._wrapped = ConnectionWrapper(con)

    def cursor(self):
        return self._wrapped.cursor()

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True  # the warehouse connection stays open: its owner closes it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def _connect() -> _AutocommitConnection:
    if not _bound:
        raise RuntimeError("GX asked for a warehouse connection outside gx_duckdb.bound_to(con)")
    return _AutocommitConnection(_bound[-1])


@functools.cache
def _warehouse():
    """The process's GX context and SQL datasource (created once; ~5 s of GX import the first time)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # lazy: ~5 s
    from sqlalchemy.pool import NullPool

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    # NullPool: every checkout asks _connect for the connection bound now, so no check's connection is kept.
    datasource = context.data_sources.add_sql(
        DATASOURCE, connection_string="duckdb:///:memory:", create_temp_table=False,
        kwargs={"creator": _connect, "poolclass": NullPool},
    )
    return gx, datasource, {}


@contextmanager
def bound_to(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """GX's datasource queries ``con`` inside this block (one block at a time in a process)."""
    with _lock:
        _bound.append(con)
        try:
            _warehouse()  # the datasource tests its connection when it is added
            yield
        finally:
            _bound.pop()


def table_batch(table: str):
    """A GX batch of the whole table or view ``table``; call inside ``bound_to``."""
    gx, datasource, batch_definitions = _warehouse()
    if table not in batch_definitions:
        asset = datasource.add_table_asset(name=table, table_name=table)
        batch_definitions[table] = asset.add_batch_definition_whole_table("whole table")
    return batch_definitions[table].get_batch()


def gx_module():
    """The ``great_expectations`` module (imported once, with the process's context)."""
    return _warehouse()[0]
