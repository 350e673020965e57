"""Reader dispatch: a snapshot's sidecar names its reader under ``layout.reader``.

The common readers are listed here; a source with a format of its own lists its readers (and streaming
loaders) as ``READERS`` / ``LOADERS`` in its package (``pipelines/sources/<source>/__init__.py``), and the
dispatch collects them from every source folder the first time it is asked — explicitly, so what can be read
never depends on which modules happen to be imported. Adding a file in a known format is a data change only.

Two kinds of reader:

- observation readers (``COMMON_READERS`` and the sources' ``READERS``) turn a file into rows of the long observation shape; every raw
  ``raw_<source>__observations`` table is made with them.
- reference-table readers (``REFERENCE_READERS``) read files that hold no figures but definitions the
  figures need (e.g. the class bounds of the UWV spanningsindicator); they land in their own raw table
  (``layout.table``), never among the observations.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

import duckdb
import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.published_figures import read_published_figures
from pipelines.sources.common.reference_csv import read_reference_csv
from pipelines.sources.common.wide_csv import read_wide_csv
from pipelines.sources.common.xlsx_table import read_xlsx_table

Reader = Callable[[Snapshot], pl.DataFrame]

COMMON_READERS: dict[str, Reader] = {
    "wide_csv": read_wide_csv,
    "csv_table": read_wide_csv,  # the same reader: any orientation of table_layout.py
    "xlsx_table": read_xlsx_table,
    "published_figures": read_published_figures,
}
REFERENCE_READERS: dict[str, Reader] = {
    "reference_csv": read_reference_csv,
}


# Optional streaming (readers of large snapshots, e.g. API captures): a loader appends the snapshot's
# observations straight into an existing DuckDB table with the observation columns, in the caller's
# transaction, and returns the row count. The raw asset uses it instead of the reader's one big frame;
# ``read`` still gives the same rows as a frame.
Loader = Callable[[Snapshot, duckdb.DuckDBPyConnection, str], int]


@functools.cache
def _source_formats() -> tuple[dict[str, Reader], dict[str, Loader]]:
    """The observation readers and loaders: the common ones and those every source package lists."""
    from pipelines.sources import source_names

    found, loaders = dict(COMMON_READERS), {}
    for name in source_names():
        package = importlib.import_module(f"pipelines.sources.{name}")
        for kind, target in (("READERS", found), ("LOADERS", loaders)):
            for fmt, fn in (getattr(package, kind, None) or {}).items():
                if fmt in target:
                    raise SourceFormatError(f"Two readers are called {fmt!r}",
                                            [Problem(f"pipelines.sources.{name}.{kind} names it again", field=fmt)])
                target[fmt] = fn
    return found, loaders


def observation_readers() -> dict[str, Reader]:
    return _source_formats()[0]


def is_reference(snapshot: Snapshot) -> bool:
    return snapshot.layout.get("reader") in REFERENCE_READERS


def _lookup(snapshot: Snapshot, readers: dict[str, Reader]) -> Reader:
    name = snapshot.layout.get("reader")
    reader = readers.get(name or "")
    if reader is None:
        raise SourceFormatError(
            f"No reader for {snapshot.id}",
            [Problem(f"unknown reader {name!r}; known: {sorted(readers)}", file=f"{snapshot.id}.origin.yaml", field="layout.reader")],
        )
    return reader


def read(snapshot: Snapshot) -> pl.DataFrame:
    """The observations in ``snapshot``."""
    return _lookup(snapshot, observation_readers())(snapshot)


def read_reference(snapshot: Snapshot) -> pl.DataFrame:
    """The reference table in ``snapshot`` (typed columns as its layout declares, plus its origin)."""
    return _lookup(snapshot, REFERENCE_READERS)(snapshot)


def loader(snapshot: Snapshot) -> Loader | None:
    return _source_formats()[1].get(snapshot.layout.get("reader") or "")
