"""Descriptions for the published DuckDB catalog, generated from the data contracts (COMMENT ON)."""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.validation.contracts import load_contracts


def _quote(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def comment_statements(tables: Iterable[str]) -> list[str]:
    contracts = load_contracts()
    statements = []
    for table in tables:
        contract = contracts.get(table)
        if contract is None:
            continue
        if contract.description:
            statements.append(f'COMMENT ON TABLE "{table}" IS {_quote(contract.description)}')
        for prop in contract.properties:
            if prop.get("description"):
                statements.append(f'COMMENT ON COLUMN "{table}"."{prop["name"]}" IS {_quote(prop["description"])}')
    return statements
