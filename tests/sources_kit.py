"""Helpers for the source tests: in-process Dagster runs of the source tables, and making snapshots in a store."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from pipelines.core.snapshots import write_sidecar
from pipelines.definitions import all_assets
from pipelines.resources import PublicationResource, SnapshotResource, WarehouseResource

SOURCES = ("uwv", "wagweu", "arbeidsinspectie", "ind", "register")


def source_tables(sources=SOURCES) -> list[str]:
    tables = ["raw_snapshots__origins"]
    for s in sources:
        tables += [f"raw_{s}__observations", f"stg_{s}__observations"]
    if "uwv" in sources:
        tables += ["raw_uwv__spanningsindicator_klassen", "stg_uwv__spanningsindicator_klassen"]
    return tables


def run(snapshots: Path, work: Path, tables: list[str]) -> dg.ExecuteInProcessResult:
    """Materialize ``tables`` and everything upstream of them in-process (no contract checks) into
    ``work``/warehouse.duckdb."""
    warehouse = work / "warehouse.duckdb"
    result = dg.materialize(
        all_assets,
        selection=dg.AssetSelection.assets(*tables).upstream(),
        resources={
            "warehouse": WarehouseResource(path=str(warehouse)),
            "snapshots": SnapshotResource(root=str(snapshots)),
            "publication": PublicationResource(output_dir=str(work / "out"), work_dir=str(work)),
        },
        raise_on_error=True,
    )
    assert result.success
    return result


def materialize(snapshots: Path, work: Path, tables: list[str]) -> Path:
    """As ``run``; return the warehouse file."""
    run(snapshots, work, tables)
    return work / "warehouse.duckdb"


def query(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def add_snapshot(root: Path, snapshot_id: str, data: bytes, origin: dict) -> Path:
    """Put a data file and its sidecar (sha256 recorded) into the store at ``root``."""
    path = root / snapshot_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    write_sidecar(path, origin)
    return path


def sidecar(root: Path, snapshot_id: str) -> dict:
    return yaml.safe_load((root / (snapshot_id + ".origin.yaml")).read_text(encoding="utf-8"))


@functools.cache
def shipped_warehouse() -> Path:
    """The source tables built once per test session from the shipped snapshots (shared by the test modules)."""
    from tests.conftest import SNAPSHOTS

    work = Path(tempfile.mkdtemp(prefix="sources_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    return materialize(SNAPSHOTS, work, source_tables())
