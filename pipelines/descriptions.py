"""Every table and column is described once, in its data contract (``data_contracts/``); this is where the
other places read it: the Dagster asset description and the Columns table of the UI (``TableColumn``
descriptions), as ``COMMENT ON`` does for the published DuckDB file (pipelines/publication/catalog.py) and the
analysts' docs. A table without a contract or a description stops the code location from loading, naming the
file to write it in.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.core.errors import MonitorError, Problem

WHERE = "data_contracts/<table>.odcs.yaml"


def _contract(table: str):
    from pipelines.validation.contracts import load_contracts

    contract = load_contracts().get(table)
    if contract is None or not " ".join(str(contract.description or "").split()):
        raise MonitorError(f"Table {table} has no description", [Problem("no data contract describes it" if contract is None
                                                                        else "its contract has no description",
                                                                        file=contract.file if contract else None,
                                                                        field=table)],
                           hint=f"describe the table and its columns in {WHERE}: the description is written there "
                           "only, and shown in the Dagster UI, the DuckDB catalog and the docs")
    return contract


def table_description(table: str) -> str:
    return " ".join(str(_contract(table).description).split())


def column_descriptions(table: str) -> dict[str, str]:
    return {p["name"]: " ".join(str(p.get("description") or "").split()) for p in _contract(table).properties}


def column_schema(table: str, columns: Iterable[tuple[str, str]]):
    """The Dagster column schema of ``table`` (name, type as the warehouse has it), each column described from
    the contract."""
    import dagster as dg

    described = column_descriptions(table)
    return dg.TableSchema(columns=[dg.TableColumn(name, str(kind), description=described.get(name) or None)
                                   for name, kind in columns])
