"""Reader dispatch: a snapshot's sidecar names its reader under ``layout.reader``.

Sources register the readers for the formats their publisher uses; adding a format is adding a reader
here, adding a file in a known format is a data change only.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot
from pipelines.sources.common.published_figures import read_published_figures
from pipelines.sources.common.wide_csv import read_wide_csv

Reader = Callable[[Snapshot], pl.DataFrame]

READERS: dict[str, Reader] = {
    "wide_csv": read_wide_csv,
    "published_figures": read_published_figures,
}


def register(name: str, reader: Reader) -> None:
    READERS[name] = reader


def read(snapshot: Snapshot) -> pl.DataFrame:
    name = snapshot.layout.get("reader")
    reader = READERS.get(name or "")
    if reader is None:
        raise SourceFormatError(
            f"No reader for {snapshot.id}",
            [Problem(f"unknown reader {name!r}; known: {sorted(READERS)}", file=f"{snapshot.id}.origin.yaml", field="layout.reader")],
        )
    return reader(snapshot)


# Optional streaming (readers of large snapshots, e.g. API captures): a loader appends the snapshot's
# observations straight into an existing DuckDB table with the observation columns, in the caller's
# transaction, and returns the row count. The raw asset uses it instead of the reader's one big frame;
# ``read`` still gives the same rows as a frame.
Loader = Callable[[Snapshot, duckdb.DuckDBPyConnection, str], int]
LOADERS: dict[str, Loader] = {}


def register_loader(name: str, loader: Loader) -> None:
    LOADERS[name] = loader


def loader(snapshot: Snapshot) -> Loader | None:
    return LOADERS.get(snapshot.layout.get("reader") or "")
