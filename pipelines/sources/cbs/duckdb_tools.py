"""DuckDB for the CBS loader: column types of polars dtypes, and the settings its one INSERT changes and sets
back after (the memory limit, the compression methods tried)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import duckdb
import polars as pl

DUCKDB_TYPES = {pl.String: "VARCHAR", pl.Float64: "DOUBLE", pl.Int32: "INTEGER", pl.Int64: "BIGINT", pl.Date: "DATE",
                pl.Boolean: "BOOLEAN"}

_SIZE = re.compile(r"^\s*([0-9.]+)\s*([KMGT]?i?B)\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _bytes(size: str) -> float | None:
    m = _SIZE.match(size)
    return float(m.group(1)) * _UNITS[m.group(2).lower()] if m else None


@contextlib.contextmanager
def lowered_memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """DuckDB's memory_limit lowered to ``limit`` (never raised; None: untouched) for the block, then set back:
    exactly when it was DuckDB's default, else to the value DuckDB reports (rounded to 0.1, e.g. '3.7 GiB')."""
    def setting() -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    current = setting()
    if limit is None or (_bytes(limit) or 0) >= (_bytes(current) or float("inf")):
        yield
        return
    con.execute("RESET memory_limit")
    was_default = setting() == current
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("RESET memory_limit" if was_default else f"SET memory_limit = '{current}'")


@contextlib.contextmanager
def skipped_compression(con: duckdb.DuckDBPyConnection, methods: tuple[str, ...]) -> Iterator[None]:
    """Compression ``methods`` not tried while writing in the block (added to those already disabled), then the
    setting as it was. Storage only: the values are the same, a column is stored with the next-best method."""
    current = con.execute("SELECT current_setting('disabled_compression_methods')").fetchone()[0]
    disabled = {m.strip().lower() for m in current.split(",") if m.strip()}
    wanted = sorted(disabled | {m.lower() for m in methods})
    if len(wanted) == len(disabled):
        yield
        return
    con.execute(f"SET disabled_compression_methods = '{','.join(wanted)}'")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET disabled_compression_methods = '{current}'")
