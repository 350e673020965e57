"""A view is checked from a stored copy of it, made once per check.

Every rule of a contract scans the table it checks. On a view that means running the view's query once per rule:
``mart__figures`` joins every observation to its concept, its origin and the current-figure keys, so its ~30 rules
re-ran that join ~30 times, and a GROUP BY over the join could not be computed within a memory limit
(benchmarks/RESULTS.md, B5). ``stored_copy`` runs the view once into a temporary table of the same name: DuckDB
resolves a name to the connection's temporary schema first, so the GX batch, the rules' ``${object}`` and every row
they name read the copy, while the other tables a rule reads are untouched. The copy is buffer-managed by DuckDB
(within the connection's memory limit it spills to the warehouse's temp directory) and dropped after the check.
The check's connection stays read-only: temporary tables do not write the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from pipelines.validation.sql_checks import q


def is_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
                            "AND schema_name = current_schema() AND view_name = ?", [name]).fetchone()[0])


@contextmanager
def stored_copy(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[bool]:
    """Inside the block, ``name`` is a stored copy of the view ``name`` (True) or the table itself (False)."""
    if not is_view(con, name):
        yield False
        return
    con.execute(f"CREATE TEMP TABLE {q(name)} AS SELECT * FROM {q(name)}")
    try:
        yield True
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{q(name)}")
