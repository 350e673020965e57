"""Load ODCS v3.1 contracts and compile them into rules.

A contract file may describe several tables (``schema`` objects). Each table yields rules of three kinds:

- ``gx``: column-level expectations run by Great Expectations on a pandas frame (not-null, unique,
  between, in-set, regex, row count, compound uniqueness of the primary key, exact column set);
- ``types``: the DuckDB column types against ``physicalType``, checked from the catalog;
- ``sql``: ``type: sql`` quality rules, run in DuckDB. Their query selects the offending rows
  (``${object}`` is the table), so a failure can show them; ``mustBe`` is the allowed number of such rows.

Severity is ``block`` (stops the build before publication) or ``warn``; property flags are blocking.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import MonitorError, Problem
from pipelines.settings import CONTRACTS_DIR

SEVERITIES = ("block", "warn")


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # gx | types | sql
    severity: str
    description: str
    column: str | None = None
    gx_type: str | None = None
    gx_kwargs: dict[str, Any] = field(default_factory=dict)
    query: str | None = None
    must_be: int = 0


@dataclass(frozen=True)
class TableContract:
    table: str
    file: str  # contract file, relative to the repository
    description: str
    properties: list[dict[str, Any]]
    rules: list[Rule]

    @property
    def columns(self) -> list[str]:
        return [p["name"] for p in self.properties]


def _severity(item: dict[str, Any], where: str) -> str:
    severity = item.get("severity", "block")
    if severity not in SEVERITIES:
        raise MonitorError(f"Unknown severity in {where}", [Problem(f"must be one of {SEVERITIES}", file=where, field="severity", value=severity)])
    return severity


def _property_rules(prop: dict[str, Any], where: str) -> list[Rule]:
    col = prop["name"]
    rules = []
    if prop.get("required"):
        rules.append(Rule(f"{col}: required", "gx", "block", f"{col} must not be empty", col,
                          "expect_column_values_to_not_be_null", {"column": col}))
    if prop.get("unique"):
        rules.append(Rule(f"{col}: unique", "gx", "block", f"{col} must be unique", col,
                          "expect_column_values_to_be_unique", {"column": col}))
    opts = prop.get("logicalTypeOptions") or {}
    if "minimum" in opts or "maximum" in opts:
        rules.append(Rule(f"{col}: range", "gx", "block", f"{col} must lie in [{opts.get('minimum')}, {opts.get('maximum')}]", col,
                          "expect_column_values_to_be_between",
                          {"column": col, "min_value": opts.get("minimum"), "max_value": opts.get("maximum")}))
    if "pattern" in opts:
        rules.append(Rule(f"{col}: pattern", "gx", "block", f"{col} must match {opts['pattern']}", col,
                          "expect_column_values_to_match_regex", {"column": col, "regex": opts["pattern"]}))
    for q in prop.get("quality") or []:
        if q.get("metric") == "invalidValues" and "validValues" in (q.get("arguments") or {}):
            valid = q["arguments"]["validValues"]
            rules.append(Rule(q.get("name") or f"{col}: allowed values", "gx", _severity(q, where),
                              q.get("description") or f"{col} must be one of {valid}", col,
                              "expect_column_values_to_be_in_set", {"column": col, "value_set": valid}))
        else:
            raise MonitorError(f"Unsupported property rule in {where}",
                               [Problem("only metric invalidValues with arguments.validValues is supported on properties",
                                        file=where, field=f"{col}.quality")])
    return rules


def _object_rules(obj: dict[str, Any], where: str) -> list[Rule]:
    props = obj.get("properties") or []
    rules = [
        Rule("columns match the contract", "gx", "block", "the table has exactly the contract's columns", None,
             "expect_table_columns_to_match_set", {"column_set": [p["name"] for p in props], "exact_match": True}),
        Rule("column types", "types", "block", "DuckDB column types equal physicalType", None,
             gx_kwargs={p["name"]: p["physicalType"] for p in props if p.get("physicalType")}),
    ]
    keys = sorted((p for p in props if p.get("primaryKey")), key=lambda p: p.get("primaryKeyPosition", 0))
    if keys:
        cols = [p["name"] for p in keys]
        rules.append(Rule("primary key unique", "gx", "block", f"one row per ({', '.join(cols)})", None,
                          "expect_compound_columns_to_be_unique", {"column_list": cols}))
    for q in obj.get("quality") or []:
        name = q.get("name") or q.get("metric") or "rule"
        if q.get("type") == "sql":
            rules.append(Rule(name, "sql", _severity(q, where), q.get("description") or name,
                              query=q["query"].replace("${object}", f'"{obj["name"]}"'), must_be=int(q.get("mustBe", 0))))
        elif q.get("metric") == "rowCount":
            low = q.get("mustBeGreaterThan")
            rules.append(Rule(name, "gx", _severity(q, where), q.get("description") or "row count",
                              None, "expect_table_row_count_to_be_between",
                              {"min_value": None if low is None else int(low) + 1,
                               "max_value": None if q.get("mustBeLessThan") is None else int(q["mustBeLessThan"]) - 1}))
        else:
            raise MonitorError(f"Unsupported table rule in {where}",
                               [Problem("use type: sql or metric: rowCount", file=where, field=f"{obj['name']}.quality.{name}")])
    return rules


def _load_file(path: Path) -> list[TableContract]:
    from open_data_contract_standard.model import OpenDataContractStandard

    rel = path.relative_to(path.parents[1]).as_posix() if len(path.parents) > 1 else path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        OpenDataContractStandard.model_validate(doc)
    except Exception as exc:  # yaml or pydantic: name the file either way
        raise MonitorError(f"Contract {rel} is not a valid ODCS v3.1 contract", [Problem(str(exc).splitlines()[0], file=rel)]) from exc
    tables = []
    for obj in doc.get("schema") or []:
        where = f"{rel}#{obj['name']}"
        tables.append(TableContract(obj["name"], rel, obj.get("description", ""), obj.get("properties") or [],
                                    [r for p in obj.get("properties") or [] for r in _property_rules(p, where)]
                                    + _object_rules(obj, where)))
    return tables


@functools.cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, TableContract]:
    """Every table contract in ``directory`` (``*.odcs.yaml``), by table name."""
    contracts: dict[str, TableContract] = {}
    for path in sorted(Path(directory).glob("*.odcs.yaml")):
        for tc in _load_file(path):
            if tc.table in contracts:
                raise MonitorError("Table has two contracts", [Problem(f"also in {contracts[tc.table].file}", file=tc.file, field=tc.table)])
            contracts[tc.table] = tc
    return contracts
