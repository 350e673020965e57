"""Descriptions for the published DuckDB catalog, generated from the data contracts (COMMENT ON).

Every published table, view and column must carry a description, so that ``duckdb -readonly
output/monitor.duckdb`` explains itself. A table without a contract, or a contract column without a
description, stops the export with a message that says which one and where to write it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.core.errors import Problem, PublishError
from pipelines.validation.contracts import load_contracts


def _quote(text: str) -> str:
    return "'" + " ".join(str(text).split()).replace("'", "''") + "'"


def comment_statements(tables: Iterable[str], views: Iterable[str] = ()) -> list[str]:
    """COMMENT ON statements for ``tables`` and ``views`` from their contracts; raises when one is undocumented."""
    contracts = load_contracts()
    views = set(views)
    statements, problems = [], []
    for table in [*tables, *sorted(views)]:
        contract = contracts.get(table)
        if contract is None:
            problems.append(Problem("published, but has no data contract", field=table))
            continue
        kind = "VIEW" if table in views else "TABLE"
        if not str(contract.description or "").strip():
            problems.append(Problem("contract has no table description", file=contract.file, field=table))
        else:
            statements.append(f'COMMENT ON {kind} "{table}" IS {_quote(contract.description)}')
        for prop in contract.properties:
            if not str(prop.get("description") or "").strip():
                problems.append(Problem("column has no description", file=contract.file, field=f"{table}.{prop['name']}"))
            else:
                statements.append(f'COMMENT ON COLUMN "{table}"."{prop["name"]}" IS {_quote(prop["description"])}')
    if problems:
        raise PublishError(
            "Every published table and column needs a description; these have none",
            problems,
            hint="add a contract data_contracts/<table>.odcs.yaml with "
            "a description for the table and every column; the descriptions become the COMMENT ON of monitor.duckdb",
        )
    return statements
