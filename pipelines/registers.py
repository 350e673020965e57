"""Reviewed registers: data the monitor's people write, loaded into the warehouse like any other table.

A register is one YAML file ``data_contracts/registers/<name>.yaml`` holding a list of records under the key
``records`` (comments above it say what the register is for)::

    # what this register holds, who reviews it
    records:
      - {indicator_id: openstaande_vacatures, unit: x 1 000, ...}
      - ...

It becomes the table ``raw_monitor__<name>`` (one Dagster asset per file, group ``raw_monitor``). Its columns
and their types are those of the table's contract (``data_contracts/raw_monitor__<name>.odcs.yaml``, required:
the contract is the one place a column is described), in the contract's order; a record leaves a column out to
mean NULL. Every table also gets the two provenance columns ``register_file`` (path of the YAML file in the
repository) and ``register_row`` (1-based position of the record in ``records``), which the contract must list
too. A record with a field the contract does not know, a value that does not cast to its column's type, or a
file that is not a list of records stops the load with an error naming the file, record and field; the table
is replaced in one transaction, so nothing half-written remains. The contract's rules then check the rows like
those of every other table.

Types: scalars cast by DuckDB (``VARCHAR``, ``INTEGER``, ``DOUBLE``, ``BOOLEAN``, ``DATE`` from ``2024-05-15``);
a ``VARCHAR[]`` column takes a YAML list of strings; a mapping or list in any other column is an error.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import yaml

from pipelines.core.warehouse_backends import rollback_quietly
from pipelines import policy
from pipelines.core.errors import MonitorError, Problem
from pipelines.descriptions import column_schema, table_description
from pipelines.resources import WarehouseResource
from pipelines.settings import CONTRACTS_DIR, REPO_ROOT

REGISTERS_DIR = CONTRACTS_DIR / "registers"
SOURCE_ID = "monitor"
PROVENANCE = ("register_file", "register_row")


class RegisterError(MonitorError):
    """A register file is not a list of records its contract can hold."""


def table_name(path: Path) -> str:
    return f"raw_{SOURCE_ID}__{Path(path).stem}"


def register_files(directory: Path = REGISTERS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.yaml"))


def _rel(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return Path(path).as_posix()


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a register file; raises RegisterError (naming the file and record) when it has no
    ``records`` list of mappings."""
    rel = _rel(path)
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegisterError(f"Register {rel} is not valid YAML", [Problem(" ".join(str(exc).split())[:300], file=rel)]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
        raise RegisterError(f"Register {rel} has no list of records",
                            [Problem("the file must be a mapping with a key 'records' holding a list", file=rel, field="records")])
    bad = [Problem("a record must be a mapping of field: value", file=rel, row=i, value=r)
           for i, r in enumerate(doc["records"], 1) if not isinstance(r, dict)]
    if bad:
        raise RegisterError(f"Register {rel} has records that are not mappings", bad)
    return doc["records"]


def _columns(contract) -> list[tuple[str, str]]:
    return [(p["name"], p.get("physicalType") or "VARCHAR") for p in contract.properties]


def _problems(rel: str, records: list[dict[str, Any]], columns: list[tuple[str, str]]) -> list[Problem]:
    types = dict(columns)
    problems = []
    for name in PROVENANCE:
        if name not in types:
            problems.append(Problem("the contract must list the provenance column the loader fills", file=rel, field=name))
    for i, record in enumerate(records, 1):
        for key, value in record.items():
            if key in PROVENANCE:
                problems.append(Problem("filled by the loader; do not write it in the register", file=rel, row=i, field=key))
            elif key not in types:
                problems.append(Problem("field not in the table's contract (a typo, or add it to the contract)", file=rel, row=i,
                                        field=key, value=value))
            elif isinstance(value, dict) or (isinstance(value, list) and not types[key].endswith("[]")):
                problems.append(Problem(f"a {type(value).__name__} where the contract says {types[key]}", file=rel, row=i,
                                        field=key, value=value))
            elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
                problems.append(Problem("a list column takes a list of strings", file=rel, row=i, field=key, value=value))
    return problems


def load_register(con: duckdb.DuckDBPyConnection, path: Path, contract) -> int:
    """Replace the register's table with the records of ``path`` typed by ``contract``; returns the row count."""
    rel = _rel(path)
    table = table_name(path)
    records = read_records(path)
    columns = _columns(contract)
    problems = _problems(rel, records, columns)
    if problems:
        raise RegisterError(f"Register {rel} does not fit its contract {contract.file}", problems,
                            hint="correct the record (or the contract, in the same reviewed commit)")
    rows = [[rel if n == "register_file" else i if n == "register_row" else record.get(n) for n, _ in columns]
            for i, record in enumerate(records, 1)]
    ddl = ", ".join(f'"{n}" {t}' for n, t in columns)
    placeholders = ", ".join(f"CAST(? AS {t})" for _, t in columns)
    con.execute("BEGIN")
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{table}" ({ddl})')
        con.executemany(f'INSERT INTO "{table}" VALUES ({placeholders})', rows)
        con.execute("COMMIT")
    except duckdb.Error as exc:
        rollback_quietly(con)
        raise RegisterError(f"Register {rel}: a value does not fit its column", _cast_problems(con, rel, rows, columns)
                            or [Problem(" ".join(str(exc).split())[:200], file=rel)]) from exc
    except Exception:
        rollback_quietly(con)
        raise
    return len(rows)


def _cast_problems(con: duckdb.DuckDBPyConnection, rel: str, rows: list[list[Any]], columns: list[tuple[str, str]]) -> list[Problem]:
    """Every value that does not cast to its column's type (run after the failed load was rolled back)."""
    problems = []
    for i, row in enumerate(rows, 1):
        for (name, physical), value in zip(columns, row, strict=True):
            if value is None:
                continue
            try:
                con.execute(f"SELECT CAST(? AS {physical})", [value])
            except duckdb.Error:
                problems.append(Problem(f"does not read as {physical}", file=rel, row=i, field=name, value=value))
    return problems


def register_asset(path: Path) -> dg.AssetsDefinition:
    table = table_name(path)

    @dg.asset(
        name=table,
        group_name=policy.raw_group(SOURCE_ID),
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb", "yaml"},
        description=table_description(table),
        # the register file is the code version: Dagster marks the table unsynced when the file changes
        code_version=hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16],
    )
    def _load(warehouse: WarehouseResource) -> dg.MaterializeResult:
        from pipelines.validation.contracts import load_contracts

        contract = load_contracts().get(table)
        if contract is None:
            raise RegisterError(f"Register {_rel(path)} has no contract",
                                [Problem(f"no data contract describes table {table}", file=_rel(path))],
                                hint=f"add data_contracts/{table}.odcs.yaml (columns, types, descriptions, rules)")
        with warehouse.connect() as con:
            n = load_register(con, path, contract)
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(n),
                                              "file": dg.MetadataValue.path(_rel(path))})

    return _load


def register_assets(directory: Path = REGISTERS_DIR) -> list[dg.AssetsDefinition]:
    """One raw table per register file."""
    return [register_asset(p) for p in register_files(directory)]
