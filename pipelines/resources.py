"""Dagster resources: where the warehouse, the snapshots and the outputs are.

Defaults come from ``pipelines.settings`` (environment variables); every field can be overridden in run
config, which is how tests point a build at a temporary directory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core import warehouse
from pipelines.core.snapshots import SnapshotStore
from pipelines.settings import paths


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB warehouse (default ``$MONITOR_WORK_DIR/warehouse.duckdb``)."""

    path: str = ""

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else paths().warehouse

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.file, read_only=read_only) as con:
            yield con


class SnapshotResource(dg.ConfigurableResource):
    """The snapshot store (default ``$MONITOR_SNAPSHOT_DIR``, i.e. ``data/snapshots``)."""

    root: str = ""

    @property
    def store(self) -> SnapshotStore:
        return SnapshotStore(Path(self.root) if self.root else paths().snapshot_dir)


class PublicationResource(dg.ConfigurableResource):
    """Where the publication is assembled (per run) and released (default ``$MONITOR_OUTPUT_DIR``); editions
    are frozen in ``<output>/editions/`` (the partitioned ``publish_edition`` job)."""

    output_dir: str = ""
    work_dir: str = ""

    @property
    def output(self) -> Path:
        return Path(self.output_dir) if self.output_dir else paths().output_dir

    @property
    def editions(self) -> Path:
        return self.output / "editions"

    def staging(self, run_id: str) -> Path:
        work = Path(self.work_dir) if self.work_dir else paths().work_dir
        return work / "staging" / run_id


def default_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": WarehouseResource(),
        "snapshots": SnapshotResource(),
        "publication": PublicationResource(),
    }
